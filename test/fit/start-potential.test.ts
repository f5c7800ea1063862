import { describe, expect, test } from 'vitest';
import { type Graph, Node as NodeSchema, type NodeOf, f32 } from '../../src/ir/index.js';
import { DEFAULT_CONTEXT, type Pass, relativeL2, runPass, runPipeline } from '../../src/passes/index.js';
import { rewrite } from '../../src/fit/graph-edit.js';
import { settleStartPotentials, startPotentials, windowOpenings } from '../../src/fit/start-potential.js';
import { evalAnn } from '../../src/sim/ann-eval.js';
import { simulate } from '../../src/sim/simulate.js';
import { mlp } from '../support/small-nets.js';

/** 2 -> 8 -> 8 -> 8 -> 1 tanh MLP whose biases are large next to its pre-activation spread. */
const deepMlp = (): Graph => mlp({ name: 'deep', hidden: 3, seed: 3, weightScale: 1, biasScale: 1.5, outBias: 0.1 });

const grid = (n: number): number[][] =>
  Array.from({ length: n * n }, (_, k) => [(k % n) / (n - 1), Math.floor(k / n) / (n - 1)]);
const populations = (g: Graph): NodeOf<'snn.neurons'>[] =>
  g.nodes.filter((n): n is NodeOf<'snn.neurons'> => n.kind === 'snn.neurons');

describe('start potentials', () => {
  const calibration = grid(12);
  const ctx = { ...DEFAULT_CONTEXT, calibration, T: 64 };
  const lowered = runPipeline(deepMlp(), ['fold-weights', 'threshold-balance', 'lower-to-snn'], ctx, {
    verifyEach: true,
  }).graph;

  test('lower-to-snn opens every window at half a threshold, whatever the prologue of bias-only steps did', () => {
    const opening = startPotentials(lowered);
    for (const p of populations(lowered)) {
      for (const v of opening.get(p.id)!) expect(v).toBeCloseTo(0.5, 5);
    }
    // the deeper populations needed a compensation: their initial potentials are not 0.5
    expect(
      populations(lowered)
        .slice(1)
        .some((p) => p.initialV.data.some((v) => Math.abs(v - 0.5) > 0.5)),
    ).toBe(true);
  });

  test('the compensation lowers the error against the ANN (same network, initial potentials left at 0.5)', () => {
    const points = grid(20);
    const ann = evalAnn(deepMlp(), points);
    const naive = rewrite(
      lowered,
      new Map(
        populations(lowered).map((p) => [
          p.id,
          NodeSchema.parse({
            ...p,
            initialV: f32(
              [p.initialV.data.length],
              p.initialV.data.map(() => 0.5),
            ),
          }),
        ]),
      ),
    );
    const aligned = relativeL2(simulate(lowered, points).outputs, ann);
    const unaligned = relativeL2(simulate(naive, points).outputs, ann);
    expect(aligned).toBeLessThan(unaligned);
  });

  // plus, in the integer network, what the rounded bias loses over the window
  test('calibrate and quantize keep the windows opening where the float network opened them', () => {
    const calibrated = runPipeline(
      lowered,
      ['calibrate', 'fold-weights'],
      { ...ctx, reference: runPipeline(deepMlp(), ['fold-weights', 'threshold-balance'], ctx).graph },
      { verifyEach: true },
    ).graph;
    const integer = runPipeline(calibrated, ['quantize'], ctx, { verifyEach: true }).graph;
    const floatOpen = startPotentials(calibrated);
    const intOpen = startPotentials(integer);
    for (const p of populations(integer)) {
      const f = floatOpen.get(p.id)!;
      // integer potentials are in units of threshold / (64 vth); the bias, rounded to units of
      // 2^biasExp, may lose up to half a unit per step, which quantize adds to the opening
      const lost = (ctx.T * 2 ** ((p.biasExp ?? 0) - 1)) / (64 * p.threshold);
      Array.from(intOpen.get(p.id)!).forEach((v, i) =>
        expect(Math.abs(v / (64 * p.threshold) - f[i])).toBeLessThan(0.05 + lost),
      );
    }
  });

  test('openingV is stated once by lower-to-snn and kept by every later pass', () => {
    for (const p of populations(lowered))
      expect(Array.from(p.openingV!.data)).toEqual(Array(p.openingV!.data.length).fill(0.5));
    const folded = runPipeline(lowered, ['fold-weights'], ctx).graph;
    expect(windowOpenings(folded)).toEqual(windowOpenings(lowered));
  });

  test('the pass manager settles what a pass returns: a pass that only edits biases keeps every window opening', () => {
    const scaleBiases: Pass = {
      name: 'scale-biases',
      description: 'doubles every population bias (and knows nothing of prologues)',
      run: (g) => ({
        graph: rewrite(
          g,
          new Map(
            populations(g).map((p) => [
              p.id,
              NodeSchema.parse({
                ...p,
                bias: f32(
                  [p.bias.data.length],
                  p.bias.data.map((b) => 2 * b),
                ),
              }),
            ]),
          ),
        ),
        stats: {},
      }),
    };
    const bare = scaleBiases.run(lowered, ctx).graph;
    const settled = runPass(scaleBiases, lowered, ctx).graph;
    const drift = (g: Graph): number =>
      Math.max(...populations(g).flatMap((p) => Array.from(startPotentials(g).get(p.id)!, (v) => Math.abs(v - 0.5))));
    expect(drift(bare)).toBeGreaterThan(0.01);
    expect(drift(settled)).toBeLessThan(1e-5);
  });

  test('a settled graph is returned as it is; a population without openingV is measured and left alone', () => {
    expect(settleStartPotentials(lowered)).toBe(lowered);
    const stateless = rewrite(
      lowered,
      new Map(populations(lowered).map((p) => [p.id, NodeSchema.parse({ ...p, openingV: undefined })])),
    );
    expect(settleStartPotentials(stateless)).toBe(stateless);
    for (const v of windowOpenings(stateless).values()) Array.from(v).forEach((x) => expect(x).toBeCloseTo(0.5, 5));
    expect(windowOpenings(stateless).size).toBe(populations(lowered).length);
  });

  test('reset to zero: a neuron that spikes in its prologue keeps its initialV, and settling is idempotent', () => {
    const zero = runPipeline(deepMlp(), ['fold-weights', 'threshold-balance', 'lower-to-snn'], {
      ...ctx,
      reset: 'zero',
    }).graph;
    // after a spike the potential is 0 whatever it started from: no initialV reaches the opening
    const settled = settleStartPotentials(zero);
    expect(settleStartPotentials(settled)).toBe(settled);
    const before = new Map(populations(zero).map((p) => [p.id, p.initialV.data]));
    for (const p of populations(settled))
      p.initialV.data.forEach((v, i) => expect(Math.abs(v - before.get(p.id)![i])).toBeLessThan(2 * p.threshold));
    // a pass that changes nothing gives the same graph back, however many times it runs
    const noop: Pass = { name: 'noop', description: 'changes nothing', run: (g) => ({ graph: g, stats: {} }) };
    expect(runPass(noop, runPass(noop, zero, ctx).graph, ctx).graph).toBe(runPass(noop, zero, ctx).graph);
  });
});
