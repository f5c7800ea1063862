import { describe, expect, test } from 'vitest';
import {
  type Graph,
  type Node,
  decodeGraph,
  encodeGraph,
  exampleSnn,
  parseGraph,
  printGraph,
} from '../../src/ir/index.js';

const withLoc = (g: Graph): Graph => ({
  ...g,
  nodes: g.nodes.map((n, i) => ({ ...n, loc: { source: `model_op_${i}`, pass: 'quantize' } }) as Node),
});

describe('locations and units in printed IR', () => {
  test('loc round-trips through the text form (with weights) and the binary form', () => {
    const g = withLoc(exampleSnn());
    expect(parseGraph(printGraph(g, { weights: true }))).toEqual(g);
    expect(decodeGraph(encodeGraph(g))).toEqual(g);
    expect(printGraph(g, { weights: true })).toContain('loc {pass = "quantize", source = "model_op_2"}');
  });

  test('dumps print loc only with debuginfo', () => {
    const g = withLoc(exampleSnn());
    expect(printGraph(g)).not.toContain('loc {');
    expect(printGraph(g, { debuginfo: true })).toMatch(/%n0 = snn\.neurons.* : tspike\[3\] loc \{pass = "quantize"/);
  });

  test('a population states its units and its key attributes first; IR files carry no comments', () => {
    const fixed = printGraph(exampleSnn())
      .split('\n')
      .find((l) => l.includes('%n0 ='))!;
    // threshold 256 (vth) is compared as vth << 6; the bias mantissa is scaled by 2^biasExp = 2^6
    expect(fixed).toMatch(/\/\/ fixed: fires at v > threshold << 6 = 16384; .*bias = mantissa << 6$/);
    expect(fixed.indexOf('threshold = 256')).toBeLessThan(fixed.indexOf('currentDecay'));
    expect(fixed.indexOf('model = "if"')).toBeLessThan(fixed.indexOf('bias = '));
    expect(printGraph(exampleSnn(), { weights: true })).not.toContain('//');
  });
});
