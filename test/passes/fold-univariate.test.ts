import { describe, expect, test } from 'vitest';
import { AnnTarget, domainOf } from '../../src/fit/fit-to-ann.js';
import { type Graph, tanhMlp } from '../../src/ir/index.js';
import {
  DEFAULT_CONTEXT,
  type PassContext,
  SIGMA_DELTA_PIPELINE,
  TARGET_PIPELINE,
  UNIVARIATE_KNOTS,
  foldUnivariate,
  relativeL2,
  runPipeline,
} from '../../src/passes/index.js';
import { evalAnn } from '../../src/sim/ann-eval.js';
import { simulate } from '../../src/sim/simulate.js';

/** A 1 -> 8 -> 8 -> 1 tanh MLP on [lo, hi], its first layer's weights scaled by `speed` (faster: wigglier). */
const univariate = (lo: number, hi: number, speed = 1): Graph => {
  let seed = 3;
  const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  return tanhMlp({
    name: 'u1',
    domain: [[lo, hi]],
    widths: [8, 8, 1],
    weight: (l) => (l === 0 ? 3 * speed * rnd() : rnd()),
    bias: (l) => (l < 2 ? rnd() : 0.1),
  });
};
const points = (lo: number, hi: number, n: number): number[][] =>
  Array.from({ length: n }, (_, i) => [lo + ((hi - lo) * i) / (n - 1)]);
const ctx = (lo: number, hi: number, over: Partial<PassContext> = {}): PassContext => ({
  ...DEFAULT_CONTEXT,
  calibration: points(lo, hi, 64),
  ...over,
});

describe('fold-univariate', () => {
  test('the folded network is the table of the ANN at its knots and close to it between them', () => {
    const ann = univariate(-1, 1);
    const { graph, stats } = foldUnivariate.run(ann, ctx(-1, 1));
    expect(stats.knots).toBe(UNIVARIATE_KNOTS);
    const knots = points(-1, 1, UNIVARIATE_KNOTS + 1);
    evalAnn(graph, knots).forEach((r, i) => expect(r[0]).toBeCloseTo(evalAnn(ann, [knots[i]])[0][0], 12));
    const between = points(-1, 1, 1000);
    const error = relativeL2(evalAnn(graph, between), evalAnn(ann, between));
    expect(error).toBeLessThan(1e-4);
    expect(Number(stats['fold error'])).toBeCloseTo(error, 4);
  });

  test('later passes fit and measure against the ANN it received, not the fold', () => {
    // a network wiggly enough that 128 knots miss it by about 1e-3: measured against the fold itself,
    // the float network before finetune would be exact (a pwl activation is lowered on its own knots)
    const ann = univariate(0, 1, 25);
    const c = ctx(0, 1, { sdThreshold: 2 ** -20, finetuneSteps: 1 });
    const { records } = runPipeline(ann, SIGMA_DELTA_PIPELINE, c);
    // the fold's own error on the held-out rows, where finetune scores the network before it fits
    const folded = foldUnivariate.run(ann, c).graph;
    const rows = new AnnTarget(ann, c.calibration!, domainOf(ann), true).scoring;
    const fold = relativeL2(evalAnn(folded, rows), evalAnn(ann, rows));
    expect(fold).toBeGreaterThan(1e-4);
    const before = Number(records.find((r) => r.pass === 'finetune-sigma-delta')!.stats['settled-model error before']);
    expect(before).toBeGreaterThan(0.7 * fold);
    expect(before).toBeLessThan(1.5 * fold);
  });

  test("Loihi 2's integer network of a fold on [0, 1] (the input's unit has no bias) compiles and runs", () => {
    // the input's unit has no bias from the relay there, which once left the relay too small to send
    const ann = univariate(0, 1);
    const c = ctx(0, 1, { finetuneSteps: 200 });
    const { graph } = runPipeline(ann, [...SIGMA_DELTA_PIPELINE, ...TARGET_PIPELINE['sigma-delta']], c);
    // (how close it gets is the compile's to judge: it keeps the layered network where that is closer)
    const test = points(0, 1, 101);
    expect(simulate(graph, test).outputs.flat().every(Number.isFinite)).toBe(true);
  });

  test('leaves any other graph as it is, saying why', () => {
    const two = tanhMlp({
      name: 'two',
      domain: [
        [0, 1],
        [0, 1],
      ],
      widths: [4, 1],
      weight: () => 0.5,
      bias: () => 0,
    });
    const r = foldUnivariate.run(
      two,
      ctx(0, 1, {
        calibration: [
          [0, 0],
          [1, 1],
        ],
      }),
    );
    expect(r.graph).toBe(two);
    expect(r.stats.skipped).toBe('not one input of one value');
  });
});
