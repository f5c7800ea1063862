import { describe, expect, test } from 'vitest';
import { type Graph, IrError, type Node, type Rule, diagnose, f32, i32, verify } from '../../src/ir/index.js';
import { exampleMlp as tinyMlp, exampleSnn as tinySnn } from '../../src/ir/index.js';

/** Replaces node `id` of `g` with `patch(node)`. */
function edit(g: Graph, id: string, patch: (n: Node) => unknown): Graph {
  return { ...g, nodes: g.nodes.map((n) => (n.id === id ? (patch(n) as Node) : n)) };
}

function rulesOf(g: Graph): Rule[] {
  return diagnose(g).map((d) => d.rule);
}

function expectBreaks(g: Graph, rule: Rule, node?: string): void {
  const diags = diagnose(g);
  expect(diags.map((d) => d.rule)).toContain(rule);
  if (node) expect(diags.find((d) => d.rule === rule)?.node).toBe(node);
  expect(() => verify(g)).toThrow(IrError);
}

describe('verifier', () => {
  test('accepts the examples', () => {
    expect(rulesOf(tinyMlp())).toEqual([]);
    expect(rulesOf(tinySnn())).toEqual([]);
  });

  test('schema: an attribute of the wrong type', () => {
    expectBreaks(
      edit(tinyMlp(), 'a0', (n) => ({ ...n, fn: 'mish' })),
      'schema',
      'a0',
    );
  });

  test('duplicate-id', () => {
    const g = tinyMlp();
    expectBreaks({ ...g, nodes: [...g.nodes, { ...g.nodes[2] }] }, 'duplicate-id', 'a0');
  });

  test('undefined-input', () => {
    expectBreaks(
      edit(tinyMlp(), 'a0', (n) => ({ ...n, inputs: ['nowhere'] })),
      'undefined-input',
      'a0',
    );
  });

  test('cycle', () => {
    const g = edit(tinyMlp(), 'h0', (n) => ({ ...n, inputs: ['a0'] }));
    const d = diagnose(g);
    expect(d.map((x) => x.rule)).toEqual(['cycle']);
    expect(d[0].message).toMatch(/%h0 -> %a0 -> %h0|%a0 -> %h0 -> %a0/);
  });

  test('use-before-def', () => {
    const g = tinyMlp();
    expectBreaks({ ...g, nodes: [g.nodes[0], g.nodes[2], g.nodes[1], ...g.nodes.slice(3)] }, 'use-before-def', 'a0');
  });

  test('arity', () => {
    expectBreaks(
      edit(tinyMlp(), 'a0', (n) => ({ ...n, inputs: ['h0', 'x'] })),
      'arity',
      'a0',
    );
  });

  test('operand: spikes where real values are needed, and synapses fed by the wrong op', () => {
    expectBreaks(
      edit(tinySnn(), 's1', (n) => ({ ...n, inputs: ['s0'] })),
      'operand',
      's1',
    );
    const g = tinySnn();
    const bad = { kind: 'ann.act', id: 'bad', inputs: ['n0'], type: { dtype: 'f32', shape: [3] }, fn: 'tanh' };
    expectBreaks({ ...g, nodes: [...g.nodes.slice(0, 3), bad as Node, ...g.nodes.slice(3)] }, 'operand', 'bad');
  });

  test('shape: weight columns disagree with the input width', () => {
    expectBreaks(
      edit(tinyMlp(), 'h1', (n) => ({ ...n, weight: f32([1, 2], [1, 2]) })),
      'shape',
      'h1',
    );
  });

  test('shape: tensor data length disagrees with its shape', () => {
    expectBreaks(
      edit(tinyMlp(), 'h1', (n) => ({ ...n, bias: { dtype: 'f32', shape: [1], data: [1, 2] } })),
      'shape',
      'h1',
    );
  });

  test('type-mismatch: declared result type is wrong', () => {
    expectBreaks(
      edit(tinyMlp(), 'a0', (n) => ({ ...n, type: { dtype: 'f32', shape: [4] } })),
      'type-mismatch',
      'a0',
    );
  });

  test('non-finite weights', () => {
    expectBreaks(
      edit(tinyMlp(), 'h0', (n) => ({ ...n, weight: { dtype: 'f32', shape: [3, 2], data: [0, 1, NaN, 0, 0, 0] } })),
      'non-finite',
      'h0',
    );
    expectBreaks(
      edit(tinyMlp(), 'h1', (n) => ({ ...n, bias: { dtype: 'f32', shape: [1], data: [Infinity] } })),
      'non-finite',
      'h1',
    );
  });

  test('threshold must be positive', () => {
    const g = tinySnn();
    const floatNeurons = edit(g, 'n0', (n) => ({
      ...n,
      arith: 'float',
      threshold: 0,
      currentDecay: 1,
      biasExp: undefined,
      bias: f32([3], [0, 0, 0]),
      initialV: f32([3], [0, 0, 0]),
    }));
    expectBreaks(floatNeurons, 'threshold', 'n0');
  });

  test('bit-width: fixed-point fields out of range', () => {
    const g = tinySnn();
    expectBreaks(
      edit(g, 'n0', (n) => ({ ...n, threshold: 2 ** 17 })),
      'bit-width',
      'n0',
    );
    expectBreaks(
      edit(g, 'n0', (n) => ({ ...n, currentDecay: 4096 })),
      'bit-width',
      'n0',
    );
    expectBreaks(
      edit(g, 'n0', (n) => ({ ...n, bias: i32([3], [0, 0, 4096]) })),
      'bit-width',
      'n0',
    );
    expectBreaks(
      edit(g, 'n0', (n) => ({ ...n, initialV: i32([3], [0, 2 ** 23, 0]) })),
      'bit-width',
      'n0',
    );
    expectBreaks(
      edit(g, 's0', (n) => ({
        ...n,
        weight: { kind: 'int', mantissa: i32([3, 2], [128, 0, 0, 0, 0, 0]), exponent: 0, bits: 8 },
      })),
      'bit-width',
      's0',
    );
    expectBreaks(
      edit(g, 's0', (n) => ({
        ...n,
        weight: { kind: 'int', mantissa: i32([3, 2], [1, 0, 0, 0, 0, 0]), exponent: 9, bits: 8 },
      })),
      'bit-width',
      's0',
    );
  });

  test('attribute: a pwl activation without knots, or decreasing knots', () => {
    expectBreaks(
      edit(tinyMlp(), 'a0', (n) => ({ ...n, fn: 'pwl' })),
      'attribute',
      'a0',
    );
    expectBreaks(
      edit(tinyMlp(), 'a0', (n) => ({ ...n, fn: 'pwl', table: { x: [1, 0], y: [0, 1] } })),
      'attribute',
      'a0',
    );
  });

  test('no-input and no-output', () => {
    const g = tinyMlp();
    expect(rulesOf({ ...g, nodes: g.nodes.slice(0, 4) })).toContain('no-output');
    expect(rulesOf({ ...g, nodes: [] })).toEqual(expect.arrayContaining(['no-input', 'no-output']));
  });

  test('unreachable: a node that no input leads to', () => {
    const g = tinyMlp();
    const orphan = { kind: 'ann.input', id: 'z', inputs: [], type: { dtype: 'f32', shape: [1] }, dims: 1 } as Node;
    const dead = { kind: 'ann.act', id: 'dead', inputs: ['h0'], type: { dtype: 'f32', shape: [3] }, fn: 'sin' } as Node;
    expectBreaks({ ...g, nodes: [...g.nodes, orphan] }, 'dead', 'z');
    expectBreaks({ ...g, nodes: [...g.nodes, dead] }, 'dead', 'dead');
  });

  test('unreachable: a source-less op cannot feed the output', () => {
    // A concat with no inputs is not reachable from any input.
    const g = tinyMlp();
    const lone = { kind: 'ann.concat', id: 'lone', inputs: [], type: { dtype: 'f32', shape: [0] } } as Node;
    const out = { kind: 'ann.output', id: 'o2', inputs: ['lone'], type: { dtype: 'f32', shape: [0] } } as Node;
    const d = diagnose({ ...g, nodes: [...g.nodes, lone, out] });
    expect(d.find((x) => x.rule === 'unreachable')?.node).toBe('lone');
  });

  test('every problem is listed at once, each naming its node', () => {
    let g = edit(tinyMlp(), 'h0', (n) => ({ ...n, bias: { dtype: 'f32', shape: [3], data: [NaN, 0, 0] } }));
    g = edit(g, 'h1', (n) => ({ ...n, weight: f32([1, 2], [1, 2]) }));
    try {
      verify(g, 'model.sir');
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(/^model\.sir: invalid graph \(2 problems\)/);
      expect((e as Error).message).toContain('%h0: bias value 0 is NaN');
      expect((e as Error).message).toContain('%h1: weight has shape [1,2] but its input has width 3');
    }
  });
});
