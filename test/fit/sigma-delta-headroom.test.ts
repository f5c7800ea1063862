import { describe, expect, test } from 'vitest';
import { type Graph, type NodeOf, i32 } from '../../src/ir/index.js';
import { DEFAULT_CONTEXT, runPipeline } from '../../src/passes/index.js';
import { sigmaDeltaStateMax } from '../../src/fit/sigma-delta-bounds.js';
import { keepWithinStates, worstStates } from '../../src/fit/sigma-delta-headroom.js';
import { simulate } from '../../src/sim/simulate.js';
import { mlp } from '../support/small-nets.js';

const grid = (n: number): number[][] =>
  Array.from({ length: n * n }, (_, k) => [(k % n) / (n - 1), Math.floor(k / n) / (n - 1)]);
const box: [number, number][] = [
  [0, 1],
  [0, 1],
];
const ctx = { ...DEFAULT_CONTEXT, calibration: grid(8), K: 4, finetuneSteps: 0 };
const quantized = runPipeline(
  mlp({ hidden: 2, seed: 3 }),
  ['fold-weights', 'threshold-balance', 'lower-to-sigma-delta', 'quantize-sigma-delta'],
  ctx,
).graph;
const synapses = (g: Graph) => g.nodes.filter((n): n is NodeOf<'snn.synapse'> => n.kind === 'snn.synapse');

/** `g` with every mantissa of row `row` of synapse `index` set to the top of its range. */
function inflated(g: Graph, index: number, row: number): Graph {
  const s = synapses(g)[index];
  if (s.weight.kind !== 'int') throw new Error('not integer');
  const [out, k] = s.weight.mantissa.shape;
  const top = 2 ** (s.weight.bits - 1) - 1;
  const m = s.weight.mantissa.data.map((v, i) => (Math.floor(i / k) === row && v !== 0 ? top : v));
  const next = { ...s, weight: { ...s.weight, mantissa: i32([out, k], m) } };
  return { ...g, nodes: g.nodes.map((n) => (n.id === s.id ? next : n)) };
}

describe('sigma-delta headroom: trained mantissas kept within the states', () => {
  test("quantize's own network is within them, and a network within them is left as it is", () => {
    for (const w of worstStates(quantized, box).values())
      expect(Math.max(...w)).toBeLessThanOrEqual(sigmaDeltaStateMax({}));
    expect(keepWithinStates(quantized, quantized, box, {})).toEqual({ graph: quantized, reverted: 0 });
  });

  test('a row grown past 24 bits gets its mantissas back (the first dense layer, row 0)', () => {
    // the dense layer after the first activation: its rows sum many inputs, so maxed mantissas overflow
    // (synapses in order: the first activation's z, ramps and sums, then the second one's z)
    const index = 3;
    const grown = inflated(quantized, index, 0);
    const population = grown.nodes.find((n) => n.inputs[0] === synapses(grown)[index].id)!;
    const worst = worstStates(grown, box).get(population.id)!;
    expect(worst[0]).toBeGreaterThan(sigmaDeltaStateMax({}));
    const { graph, reverted } = keepWithinStates(quantized, grown, box, {});
    expect(reverted).toBe(1);
    expect(synapses(graph)[index]).toEqual(synapses(quantized)[index]);
    for (const w of worstStates(graph, box).values())
      expect(Math.max(...w)).toBeLessThanOrEqual(sigmaDeltaStateMax({}));
    expect(() => simulate(graph, grid(6))).not.toThrow();
  });

  test('a ramp grown past 24 bits gets its weights and its own bias (its knot) back', () => {
    // the first activation's ramps: each reads its channel's z unit alone, its knot its own bias
    const index = 1;
    const ramp = quantized.nodes.find(
      (n) => n.inputs[0] === synapses(quantized)[index].id,
    ) as NodeOf<'snn.sigma-delta'>;
    const row = ramp.bias.data.findIndex((b) => b < 0);
    const grown = inflated(quantized, index, row);
    const bias = ramp.bias.data.map((b, o) => (o === row ? b - 1 : b));
    const moved = { ...ramp, bias: i32([bias.length], bias) };
    const trained = { ...grown, nodes: grown.nodes.map((n) => (n.id === ramp.id ? moved : n)) };
    // within 16-bit messages (2^21 state units), as netx's files are
    const limits = { messageBits: 16 };
    const before = worstStates(quantized, box).get(ramp.id)![row];
    const after = worstStates(trained, box).get(ramp.id)![row];
    expect(after).toBeGreaterThan(Math.max(before, sigmaDeltaStateMax(limits)));
    const { graph, reverted } = keepWithinStates(quantized, trained, box, limits);
    expect(reverted).toBe(1);
    expect(synapses(graph)[index]).toEqual(synapses(quantized)[index]);
    expect(graph.nodes.find((n) => n.id === ramp.id)).toEqual(ramp);
  });
});
