import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type Graph, type NodeOf } from '../../src/ir/index.js';
import { NETX_LIMITS } from '../../src/backends/index.js';
import { effectiveWeights } from '../../src/backends/chain.js';
import { DEFAULT_CONTEXT, SIGMA_DELTA_PIPELINE, relativeL2, runPipeline } from '../../src/passes/index.js';
import { evalAnn } from '../../src/sim/ann-eval.js';
import { simulate } from '../../src/sim/simulate.js';
import { mlp } from '../support/small-nets.js';

const grid = (n: number): number[][] =>
  Array.from({ length: n * n }, (_, k) => [(k % n) / (n - 1), Math.floor(k / n) / (n - 1)]);
const ctx = { ...DEFAULT_CONTEXT, calibration: grid(10), K: 6, finetuneSteps: 0 };
const ann = mlp({ hidden: 3, seed: 7 });
const float = runPipeline(ann, SIGMA_DELTA_PIPELINE, ctx, { verifyEach: true }).graph;
const fixed = (profile: string, limits = {}): Graph =>
  runPipeline(float, ['quantize-sigma-delta'], { ...ctx, profile, limits }, { verifyEach: true }).graph;

describe('quantize, sigma-delta networks', () => {
  test('every population in fixed point; inputs as 16-bit graded spikes with the bias channel a constant', () => {
    const g = fixed('loihi2');
    const pops = g.nodes.filter((n): n is NodeOf<'snn.sigma-delta'> => n.kind === 'snn.sigma-delta');
    expect(pops.every((p) => p.arith === 'fixed' && p.threshold >= 1)).toBe(true);
    const enc = g.nodes.find((n): n is NodeOf<'snn.encoder'> => n.kind === 'snn.encoder')!;
    expect(enc).toMatchObject({ mode: 'delta', payloadBits: 16 });
    expect(Number.isInteger(enc.biasChannel)).toBe(true);
  });

  test('no input in the domain takes any state beyond 24 bits (property; the simulator checks every step)', () => {
    const g = fixed('loihi2');
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 2 }), (x) => {
        expect(() => simulate(g, [x])).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });

  test('16-bit weights keep the float network; 8-bit ones cost what their rounding costs', () => {
    const points = grid(12);
    const ref = evalAnn(ann, points);
    const err = (g: Graph): number => relativeL2(simulate(g, points).outputs, ref);
    expect(err(fixed('generic'))).toBeLessThan(1.5 * err(float) + 1e-3);
    expect(err(fixed('loihi2'))).toBeLessThan(0.05);
  });

  test("within netx's limits: integer weights in [-256, 254], exponents at least 0", () => {
    const g = fixed('loihi2', NETX_LIMITS);
    for (const s of g.nodes.filter((n): n is NodeOf<'snn.synapse'> => n.kind === 'snn.synapse')) {
      expect(s.weight.kind).toBe('int');
      const w = effectiveWeights(s);
      expect(Math.min(...w)).toBeGreaterThanOrEqual(-256);
      expect(Math.max(...w)).toBeLessThanOrEqual(254);
      expect(w.every(Number.isInteger)).toBe(true);
    }
  });

  test("a channel's ramps read their unit exactly (each row's scale snapped to a whole mantissa)", () => {
    for (const limits of [{}, NETX_LIMITS]) {
      const { records } = runPipeline(float, ['quantize-sigma-delta'], { ...ctx, profile: 'loihi2', limits });
      const stats = Object.entries(records[0].stats).filter(([k]) => k.endsWith('.ramp.syn weight error'));
      expect(stats.map(([k]) => k)).toEqual([
        'a0.ramp.syn weight error',
        'a1.ramp.syn weight error',
        'a2.ramp.syn weight error',
      ]);
      for (const [, error] of stats) expect(error).toBeLessThan(1e-9);
    }
  });

  test("the ramps' knots as their own 16-bit biases: at most 0, each the float knot within half a mantissa", () => {
    for (const limits of [{}, NETX_LIMITS]) {
      const g = fixed('loihi2', limits);
      const ramps = g.nodes.filter((n): n is NodeOf<'snn.sigma-delta'> => n.kind === 'snn.sigma-delta');
      for (const p of ramps) {
        const was = float.nodes.find((n) => n.id === p.id) as NodeOf<'snn.sigma-delta'>;
        expect(p.bias.data.every((b) => Number.isInteger(b) && b <= 0 && b >= -(2 ** 15))).toBe(true);
        // zero where the float bias is (relays and sums), and a knot stays a knot
        p.bias.data.forEach((b, o) => expect(b === 0).toBe(Math.abs(was.bias.data[o]) < 1e-9 || b === 0));
        if (p.id.endsWith('.ramp')) expect(p.bias.data.some((b) => b < 0)).toBe(true);
        else expect(p.bias.data.every((b) => b === 0)).toBe(true);
      }
    }
  });

  test("a neuron's own positive bias is refused, naming it (it would send before its query)", () => {
    const ramp = float.nodes.find((n) => n.id.endsWith('.ramp')) as NodeOf<'snn.sigma-delta'>;
    const positive = { ...ramp, bias: { ...ramp.bias, data: ramp.bias.data.map((b, o) => (o === 0 ? 0.5 : b)) } };
    const g = { ...float, nodes: float.nodes.map((n) => (n.id === ramp.id ? positive : n)) };
    expect(() => runPipeline(g, ['quantize-sigma-delta'], { ...ctx, profile: 'loihi2' })).toThrow(
      new RegExp(`%${ramp.id.replace('.', '\\.')}: a sigma-delta neuron's own bias must be at most 0`),
    );
  });

  test('Loihi 1 has no graded spikes: a clear refusal', () => {
    expect(() => fixed('loihi1')).toThrow(/loihi1 has no graded spikes/);
  });
});
