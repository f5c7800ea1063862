import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { IrError, decodeGraph, encodeGraph, parseGraph, printGraph } from '../../src/ir/index.js';
import { exampleMlp as tinyMlp, exampleSnn as tinySnn } from '../../src/ir/index.js';

const valid = printGraph(tinySnn(), { weights: true });

/** Parsing either succeeds or fails with an IrError: never another exception, never a hang. */
function parsesOrIrError(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof IrError)) throw e;
  }
}

function parseError(text: string): string {
  try {
    parseGraph(text, 'm.sir');
  } catch (e) {
    expect(e).toBeInstanceOf(IrError);
    return (e as Error).message;
  }
  throw new Error('expected a parse error');
}

describe('malformed text', () => {
  test('errors name the file, line and column, and say what was expected', () => {
    expect(parseError('graph "g" {\n  %x = ann.input() {dims = 2 : f32[2]\n}')).toBe(
      "m.sir:2:30: expected ',' between attributes, found ':'",
    );
    expect(parseError('graph "g" {\n  %x = ann.conv() : f32[2]\n}')).toMatch(
      /^m\.sir:2:8: unknown op 'ann\.conv' \(known: ann\.input,/,
    );
    expect(parseError('graph "g" {\n  %x = ann.input() {dims = 2} : f32[2]\n')).toBe(
      "m.sir:3:1: the graph body is not closed with '}'",
    );
    expect(parseError('graph "g" {\n  %x = ann.input() {dims = "two"} : f32[2]\n}')).toMatch(
      /^m\.sir:2:3: %x \(ann\.input\) has bad attributes: dims:/,
    );
    expect(parseError('graph "g" {\n  %x = ann.input() {dims = 2, dims = 3} : f32[2]\n}')).toBe(
      "m.sir:2:31: attribute 'dims' is given twice",
    );
    expect(
      parseError(
        'graph "g" { %w = ann.scale(%x) {scale = tensor<f32[3]> [1, 2], shift = tensor<f32[3]> [0, 0, 0]} : f32[3] }',
      ),
    ).toMatch(/needs 3 values, found 2/);
    expect(parseError('graph "g" {\n  %x = ann.input() {s = "open\n}')).toBe('m.sir:2:25: unterminated string');
    expect(parseError('graph "g" { ~ }')).toMatch(/^m\.sir:1:13: unexpected character "~"/);
  });

  test('summarised weights are refused with a hint', () => {
    expect(parseError(printGraph(tinySnn(), { weights: false }).replace('[0.5, 0.25, -1]', 'elided(min = 0)'))).toMatch(
      /summarised when the IR was printed; print it with --weights/,
    );
  });

  test('deep nesting is refused, not a stack overflow', () => {
    const deep = `graph "g" { %x = ann.input() {a = ${'['.repeat(10000)}} : f32[1] }`;
    expect(parseError(deep)).toMatch(/nest deeper than 64/);
  });

  test('every truncation of a valid file gives an IrError or a graph', () => {
    for (let i = 0; i < valid.length; i += 3) parsesOrIrError(() => parseGraph(valid.slice(0, i)));
  });

  test('random edits of a valid file give an IrError or a graph (property)', () => {
    fc.assert(
      fc.property(fc.nat(valid.length), fc.nat(valid.length), fc.string({ maxLength: 8 }), (at, len, insert) => {
        parsesOrIrError(() => parseGraph(valid.slice(0, at) + insert + valid.slice(at + (len % 10))));
      }),
      { numRuns: 2000 },
    );
  });

  test('arbitrary strings give an IrError or a graph (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => parsesOrIrError(() => parseGraph(s))),
      { numRuns: 2000 },
    );
  });
});

describe('malformed binary', () => {
  const bytes = encodeGraph(tinyMlp());

  test('every truncation gives an IrError or a graph', () => {
    for (let i = 0; i < bytes.length; i++) parsesOrIrError(() => decodeGraph(bytes.subarray(0, i), 't.sirpb'));
  });

  test('a text file or random bytes are not mistaken for binary IR', () => {
    expect(() => decodeGraph(new TextEncoder().encode(valid), 'x.sirpb')).toThrow(/^x\.sirpb: /);
    expect(() => decodeGraph(new Uint8Array(0), 'empty.sirpb')).toThrow(
      'empty.sirpb: not a spikec binary IR file of format version 1 (found none)',
    );
  });

  test('garbled bytes give an IrError or a graph (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        (flips) => {
          const b = Uint8Array.from(bytes);
          for (const [i, v] of flips) b[i] = v;
          parsesOrIrError(() => decodeGraph(b));
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('random bytes give an IrError or a graph (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => parsesOrIrError(() => decodeGraph(b))),
      { numRuns: 2000 },
    );
  });
});
