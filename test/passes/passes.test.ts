import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type Graph, GraphBuilder, diagnose, exampleMlp, f32, printGraph } from '../../src/ir/index.js';
import {
  DEFAULT_CONTEXT,
  DEFAULT_PIPELINE,
  type PassContext,
  PassError,
  foldWeights,
  lowerToSnn,
  parsePipeline,
  relativeL2,
  runPipeline,
  thresholdBalance,
} from '../../src/passes/index.js';
import { evalAnn } from '../../src/sim/ann-eval.js';
import { simulate } from '../../src/sim/simulate.js';
import { annGraphOf } from '../support/arbitraries.js';
import { expectGolden } from '../support/golden.js';

const rows = (n: number, dims = 2, seed = 1): number[][] =>
  Array.from({ length: n }, (_, i) =>
    Array.from({ length: dims }, (_, d) => (((i + 1) * (37 + 17 * d) + seed) % 101) / 100),
  );
const ctxWith = (calibration: number[][], over: Partial<PassContext> = {}): PassContext => ({
  ...DEFAULT_CONTEXT,
  calibration,
  ...over,
});

/** input(normalised) -> slice -> scale -> dense -> dense -> tanh -> dense -> output: every fold rule applies. */
function foldable(): Graph {
  const b = new GraphBuilder('foldable');
  const x = b.add({
    kind: 'ann.input',
    id: 'x',
    inputs: [],
    dims: 3,
    normalization: { scale: [2, 0.5, -1], offset: [-1, 0.25, 0.5] },
  });
  const s = b.add({ kind: 'ann.slice', id: 's', inputs: [x], start: 1, stop: 3 });
  const k = b.add({
    kind: 'ann.scale',
    id: 'k',
    inputs: [s],
    scale: f32([2], [1.5, -0.5]),
    shift: f32([2], [0.1, 0.2]),
  });
  const d1 = b.add({
    kind: 'ann.dense',
    id: 'd1',
    inputs: [k],
    weight: f32([4, 2], [0.3, -0.2, 0.5, 0.9, -1.1, 0.4, 0.7, 0.05]),
    bias: f32([4], [0.1, -0.1, 0.2, 0]),
  });
  const d2 = b.add({
    kind: 'ann.dense',
    id: 'd2',
    inputs: [d1],
    weight: f32([3, 4], [0.2, -0.3, 0.4, 0.1, 0.5, 0.6, -0.7, 0.8, -0.9, 0.15, 0.25, 0.35]),
    bias: f32([3], [0.05, 0.1, -0.2]),
  });
  const i = b.add({ kind: 'ann.act', id: 'id', inputs: [d2], fn: 'identity' });
  const a = b.add({ kind: 'ann.act', id: 'a', inputs: [i], fn: 'tanh' });
  const d3 = b.add({
    kind: 'ann.dense',
    id: 'd3',
    inputs: [a],
    weight: f32([1, 3], [1, -2, 0.5]),
    bias: f32([1], [0.3]),
  });
  b.add({ kind: 'ann.output', id: 'u', inputs: [d3] });
  return b.build();
}

describe('fold-weights', () => {
  test('folds normalization, slice, scale, consecutive dense and identity; the function stays within 1e-6', () => {
    const g = foldable();
    const { graph, stats } = foldWeights.run(g, DEFAULT_CONTEXT);
    expect(diagnose(graph)).toEqual([]);
    expect(graph.nodes.map((n) => n.kind)).toEqual(['ann.input', 'ann.dense', 'ann.act', 'ann.dense', 'ann.output']);
    expect(stats).toMatchObject({ normalizations: 1, slices: 1, scales: 1, 'merged dense': 1, identities: 1 });
    const x = rows(40, 3);
    const [before, after] = [evalAnn(g, x), evalAnn(graph, x)];
    after.forEach((r, i) => expect(Math.abs(r[0] - before[i][0])).toBeLessThan(1e-6 * (1 + Math.abs(before[i][0]))));
  });

  test('preserves the function of random MLPs (property)', () => {
    fc.assert(
      fc.property(annGraphOf(fc.float({ min: -4, max: 4, noNaN: true })), (g) => {
        const x = rows(8, g.nodes[0].kind === 'ann.input' ? g.nodes[0].dims : 1);
        const before = evalAnn(g, x);
        const after = evalAnn(foldWeights.run(g, DEFAULT_CONTEXT).graph, x);
        after.forEach((r, i) =>
          r.forEach((v, j) =>
            expect(Math.abs(v - before[i][j])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(before[i][j]))),
          ),
        );
      }),
      { numRuns: 100 },
    );
  });
});

describe('threshold-balance', () => {
  test('records per-channel ranges holding the chosen percentile of the calibration data', () => {
    const calib = rows(200);
    const g = foldWeights.run(exampleMlp(), DEFAULT_CONTEXT).graph;
    const withMax = thresholdBalance.run(g, ctxWith(calib, { percentile: 'max' }));
    const act = withMax.graph.nodes.find((n) => n.kind === 'ann.act');
    expect(act?.kind === 'ann.act' && act.range).toBeTruthy();
    expect(withMax.stats['clipped fraction']).toBe(0);
    const p99 = thresholdBalance.run(g, ctxWith(calib, { percentile: 99 }));
    expect(Number(p99.stats['clipped fraction'])).toBeGreaterThan(0);
    expect(Number(p99.stats['clipped fraction'])).toBeLessThanOrEqual(0.021);
  });

  test('needs calibration data', () => {
    expect(() => thresholdBalance.run(exampleMlp(), DEFAULT_CONTEXT)).toThrow(PassError);
    expect(() => thresholdBalance.run(exampleMlp(), DEFAULT_CONTEXT)).toThrow(
      /threshold-balance: needs calibration inputs/,
    );
  });
});

describe('lower-to-snn', () => {
  const relu = (): Graph => {
    const b = new GraphBuilder('relu');
    const x = b.add({ kind: 'ann.input', id: 'x', inputs: [], dims: 2 });
    const d = b.add({
      kind: 'ann.dense',
      id: 'd',
      inputs: [x],
      weight: f32([3, 2], [1, -1, 0.5, 0.5, -1, 2]),
      bias: f32([3], [0, 0.1, -0.2]),
    });
    const a = b.add({ kind: 'ann.act', id: 'a', inputs: [d], fn: 'relu' });
    const o = b.add({ kind: 'ann.dense', id: 'o', inputs: [a], weight: f32([1, 3], [1, 2, -1]), bias: f32([1], [0]) });
    b.add({ kind: 'ann.output', id: 'u', inputs: [o] });
    return b.build();
  };

  test('every strategy gives a valid spiking graph whose error falls with T', () => {
    for (const strategy of ['clip', 'signed', 'pwl'] as const) {
      const calib = rows(64);
      const ann = evalAnn(exampleMlp(), rows(30, 2, 4));
      const err = (T: number): number => {
        const g = runPipeline(
          exampleMlp(),
          ['fold-weights', 'threshold-balance', 'lower-to-snn'],
          ctxWith(calib, { strategy, T }),
          { verifyEach: true },
        ).graph;
        return relativeL2(simulate(g, rows(30, 2, 4)).outputs, ann);
      };
      expect(err(256)).toBeLessThan(err(8));
    }
  });

  test('pwl is exact for piecewise-linear activations (relu needs one neuron per channel)', () => {
    const calib = rows(100);
    const g = runPipeline(
      relu(),
      ['fold-weights', 'threshold-balance', 'lower-to-snn'],
      ctxWith(calib, { percentile: 'max', T: 4096 }),
    ).graph;
    const neurons = g.nodes.find((n) => n.kind === 'snn.neurons');
    expect(neurons?.type.shape[0]).toBe(3);
    const ann = evalAnn(relu(), calib);
    expect(relativeL2(simulate(g, calib).outputs, ann)).toBeLessThan(2e-3);
  });

  test('pwl beats clip on tanh at the same T', () => {
    const calib = rows(100);
    const ann = evalAnn(exampleMlp(), calib);
    const err = (strategy: 'pwl' | 'clip'): number =>
      relativeL2(
        simulate(
          runPipeline(
            exampleMlp(),
            ['fold-weights', 'threshold-balance', 'lower-to-snn'],
            ctxWith(calib, { strategy, T: 256 }),
          ).graph,
          calib,
        ).outputs,
        ann,
      );
    expect(err('pwl')).toBeLessThan(err('clip'));
  });

  test('asks for threshold-balance first', () => {
    expect(() => lowerToSnn.run(exampleMlp(), ctxWith(rows(10)))).toThrow(/run threshold-balance first/);
  });
});

describe('calibrate', () => {
  test('lowers the error on the calibration data for every strategy', () => {
    for (const strategy of ['clip', 'signed', 'pwl'] as const) {
      const { records } = runPipeline(exampleMlp(), DEFAULT_PIPELINE, ctxWith(rows(64), { strategy, T: 32 }), {
        verifyEach: true,
      });
      const stats = records.find((r) => r.pass === 'calibrate')!.stats;
      expect(Number(stats['calib error after'])).toBeLessThan(Number(stats['calib error before']));
    }
  });

  test('neurons that must start at rest get their window correction through the bias, never an opening', () => {
    const limits = { reset: 'zero', restStart: true } as const;
    const calibrated = (calibratePotential: boolean) =>
      runPipeline(
        exampleMlp(),
        ['fold-weights', 'threshold-balance', 'lower-to-snn', 'calibrate'],
        ctxWith(rows(64), { T: 32, limits, calibratePotential }),
        { verifyEach: true },
      );
    const [with_, without] = [calibrated(true), calibrated(false)];
    for (const n of with_.graph.nodes)
      if (n.kind === 'snn.neurons') {
        expect(n.openingV).toBeUndefined();
        expect(n.initialV.data.every((v) => v === 0)).toBe(true);
      }
    const error = (r: typeof with_) => Number(r.records.at(-1)!.stats['calib error after']);
    expect(error(with_)).toBeLessThan(error(without));
  });

  test('needs the ANN it calibrates against', () => {
    const lowered = runPipeline(
      exampleMlp(),
      ['fold-weights', 'threshold-balance', 'lower-to-snn'],
      ctxWith(rows(16)),
    ).graph;
    expect(() => runPipeline(lowered, ['calibrate'], ctxWith(rows(16)))).toThrow(
      /calibrate: needs the ANN the network was converted from/,
    );
  });
});

describe('pipeline', () => {
  test('unknown passes are all named', () => {
    expect(() => parsePipeline('fold-weights,frobnicate,zap')).toThrow(
      "pipeline: unknown passes 'frobnicate', 'zap' " +
        '(known: fold-univariate, fold-weights, threshold-balance, lower-to-snn, lower-to-sigma-delta, calibrate, ' +
        'stagger, finetune, finetune-sigma-delta, merge-branches, quantize, quantize-sigma-delta, map-cores)',
    );
  });

  test('golden: --print-ir-after-all of the example MLP', () => {
    let out = '';
    runPipeline(exampleMlp(), DEFAULT_PIPELINE, ctxWith(rows(32), { T: 16, K: 2 }), {
      printAfter: 'all',
      verifyEach: true,
      print: (t) => (out += t),
    });
    expectGolden('pipeline_after_all.sir', out);
    expect(out.match(/IR Dump After/g)).toHaveLength(DEFAULT_PIPELINE.length);
    expect(printGraph(exampleMlp())).toContain('ann.act');
  });
});
