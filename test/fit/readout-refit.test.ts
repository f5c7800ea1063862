import { describe, expect, test } from 'vitest';
import { type Graph, type NodeOf, Node as NodeSchema, exampleMlp, f32, i32 } from '../../src/ir/index.js';
import { DEFAULT_CONTEXT, relativeL2, runPipeline } from '../../src/passes/index.js';
import { rewrite } from '../../src/fit/graph-edit.js';
import { refitReadout } from '../../src/fit/readout-refit.js';
import { Rng } from '../../src/sim/rng.js';
import { simulate } from '../../src/sim/simulate.js';

const calibration = new Rng(3).box(
  [
    [0, 1],
    [0, 1],
  ],
  64,
);
const ctx = { ...DEFAULT_CONTEXT, calibration, T: 16, K: 2, finetuneSteps: 0 };
const float = runPipeline(exampleMlp(), ['fold-weights', 'threshold-balance', 'lower-to-snn', 'calibrate'], ctx).graph;
const fixed = runPipeline(float, ['quantize'], ctx).graph;
const readoutSynapse = (g: Graph): NodeOf<'snn.synapse'> => {
  const readout = g.nodes.find((n) => n.kind === 'snn.readout')!;
  return g.nodes.find((n) => n.id === readout.inputs[0]) as NodeOf<'snn.synapse'>;
};
/** The integer network with its readout mantissas rounded badly: every one moved by up to 3. */
function spoiled(g: Graph): Graph {
  const s = readoutSynapse(g);
  if (s.weight.kind !== 'int') throw new Error('not quantized');
  const rng = new Rng(11);
  const m = Array.from(s.weight.mantissa.data, (v) =>
    Math.max(-127, Math.min(127, v + Math.round(6 * rng.next() - 3))),
  );
  const weight = { ...s.weight, mantissa: i32(s.weight.mantissa.shape, m) };
  return rewrite(g, new Map([[s.id, NodeSchema.parse({ ...s, weight })]]));
}
const fresh = new Rng(5).box(
  [
    [0, 1],
    [0, 1],
  ],
  200,
);
const errorVsFloat = (g: Graph): number => relativeL2(simulate(g, fresh).outputs, simulate(float, fresh).outputs);

describe('refitReadout', () => {
  test('quantize refits the readout on the integer counts, and says how much closer it came', () => {
    const r = runPipeline(float, ['quantize'], ctx).records.at(-1)!.stats;
    expect(r['readout error after refit']).toBeLessThan(r['readout error before refit'] as number);
    expect(r['readout refit kept']).toBe(1);
  });

  test('a badly rounded readout comes back towards the float network, on inputs it was not fitted on', () => {
    const bad = spoiled(fixed);
    const { graph, stats } = refitReadout(float, bad, calibration, 2 ** 15 - 1);
    expect(stats['readout refit kept']).toBe(1);
    expect(errorVsFloat(graph)).toBeLessThan(0.8 * errorVsFloat(bad));
    const s = readoutSynapse(graph);
    expect(s.weight.kind).toBe('int');
    if (s.weight.kind === 'int') for (const m of s.weight.mantissa.data) expect(Math.abs(m)).toBeLessThanOrEqual(127);
  });

  test('a weight the float network has at zero stays zero (a merged SPINN keeps its blocks)', () => {
    const s = readoutSynapse(float);
    if (s.weight.kind !== 'float') throw new Error('not float');
    const values = Array.from(s.weight.values.data, (v, i) => (i % 2 ? 0 : v));
    const weight = { kind: 'float' as const, values: f32(s.weight.values.shape, values) };
    const sparse = rewrite(float, new Map([[s.id, NodeSchema.parse({ ...s, weight })]]));
    const { graph } = refitReadout(sparse, spoiled(runPipeline(sparse, ['quantize'], ctx).graph), calibration, 1e9);
    const q = readoutSynapse(graph);
    if (q.weight.kind !== 'int') throw new Error('not quantized');
    q.weight.mantissa.data.forEach((m, i) => (i % 2 ? expect(m).toBe(0) : undefined));
  });

  test('without calibration inputs, or where the summed input would pass its bound, nothing changes', () => {
    const bad = spoiled(fixed);
    expect(refitReadout(float, bad, [], 2 ** 15 - 1).graph).toBe(bad);
    const bounded = refitReadout(float, bad, calibration, 0);
    expect(bounded.graph).toBe(bad);
    expect(bounded.stats['readout refit kept']).toBe(0);
  });
});
