import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeGraph, encodeGraph, parseGraph, printGraph, verify } from '../../src/ir/index.js';
import { anyGraph } from '../support/arbitraries.js';
import { exampleMlp as tinyMlp, exampleSnn as tinySnn } from '../../src/ir/index.js';

describe('round trips', () => {
  test('random graphs are valid', () => {
    fc.assert(
      fc.property(anyGraph, (g) => void verify(g)),
      { numRuns: 200 },
    );
  });

  test('text with weights parses back to an identical graph, bit for bit', () => {
    fc.assert(
      fc.property(anyGraph, (g) => {
        const back = parseGraph(printGraph(g, { weights: true }));
        expect(back).toStrictEqual(g);
        // toStrictEqual treats -0 and 0 as different, so float32 signs survive too; bytes are stable as well
        expect(printGraph(back, { weights: true })).toBe(printGraph(g, { weights: true }));
      }),
      { numRuns: 300 },
    );
  });

  test('protobuf decodes to an identical graph and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(anyGraph, (g) => {
        const bytes = encodeGraph(g);
        const back = decodeGraph(bytes);
        expect(back).toStrictEqual(g);
        expect(Buffer.from(encodeGraph(back)).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('float32 weights survive both forms exactly, including awkward values', () => {
    const g = tinyMlp();
    const awkward = [
      Math.fround(0.1),
      -0,
      1.401298464324817e-45,
      3.4028234663852886e38,
      Math.fround(Math.PI),
      -1.1754943508222875e-38,
    ];
    const dense = g.nodes[1];
    if (dense.kind !== 'ann.dense') throw new Error('fixture changed');
    const patched = {
      ...g,
      nodes: g.nodes.map((n) => (n === dense ? { ...dense, weight: { ...dense.weight, data: awkward } } : n)),
    };
    const viaText = parseGraph(printGraph(patched, { weights: true }));
    const viaBinary = decodeGraph(encodeGraph(patched));
    for (const back of [viaText, viaBinary]) {
      const w = back.nodes[1].kind === 'ann.dense' ? back.nodes[1].weight.data : [];
      expect(w.map((x) => (Object.is(x, -0) ? '-0' : x))).toEqual(awkward.map((x) => (Object.is(x, -0) ? '-0' : x)));
    }
  });

  test('the snn example round-trips through both forms', () => {
    const g = tinySnn();
    expect(parseGraph(printGraph(g, { weights: true }))).toStrictEqual(g);
    expect(decodeGraph(encodeGraph(g))).toStrictEqual(g);
  });
});
