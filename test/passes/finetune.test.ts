import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { printGraph } from '../../src/ir/index.js';
import { mlp, oneNeuron } from '../support/small-nets.js';
import { CountModel } from '../../src/fit/count-model.js';
import { DEFAULT_CONTEXT, PassError, finetune, relativeL2, runPipeline } from '../../src/passes/index.js';
import { evalAnn } from '../../src/sim/ann-eval.js';
import { simulate } from '../../src/sim/simulate.js';

const grid = (n: number): number[][] =>
  Array.from({ length: n * n }, (_, k) => [(k % n) / (n - 1), Math.floor(k / n) / (n - 1)]);
const ctx = { ...DEFAULT_CONTEXT, calibration: grid(10), T: 32, K: 3, finetuneSteps: 300 };
const reference = runPipeline(mlp(), ['fold-weights', 'threshold-balance'], ctx).graph;
const lowered = runPipeline(mlp(), ['fold-weights', 'threshold-balance', 'lower-to-snn'], ctx, {
  verifyEach: true,
}).graph;

describe('count model', () => {
  // exact but where the input of a neuron changes sign within its window
  test('follows the simulated outputs of a converted network', () => {
    const model = CountModel.of(lowered);
    if (typeof model === 'string') throw new Error(model);
    const points = grid(15);
    const counted = model.forward(points).out;
    const simulated = simulate(lowered, points).outputs;
    const mismatch = relativeL2(
      points.map((_, r) => [counted[r]]),
      simulated,
    );
    const error = relativeL2(simulated, evalAnn(mlp(), points));
    // what it gets wrong is a fraction of what the network gets wrong, so fitting it fits the network
    expect(mismatch).toBeLessThan(0.5 * error);
  });

  test('is exact for one neuron with constant input (property)', () => {
    const T = 16;
    const g = oneNeuron(T);
    const model = CountModel.of(g) as CountModel;
    fc.assert(
      fc.property(fc.double({ min: -0.5, max: 1.5, noNaN: true }), (x) => {
        expect(model.forward([[x]]).out[0]).toBeCloseTo(simulate(g, [[x]]).outputs[0][0], 12);
      }),
    );
  });

  test('gradients match finite differences of the unrounded model', () => {
    const model = CountModel.of(lowered) as CountModel;
    const points = grid(4);
    const loss = (): number => model.forward(points, false).out.reduce((s, y) => s + 0.5 * y * y, 0);
    const { out, tape } = model.forward(points, false);
    const grads = model.backward(tape, out);
    let checked = 0;
    model.parameters.forEach((p, k) => {
      for (const i of [0, Math.floor(p.values.length / 2), p.values.length - 1]) {
        const h = 1e-6 * Math.max(1, Math.abs(p.values[i]));
        const v = p.values[i];
        p.values[i] = v + h;
        const up = loss();
        p.values[i] = v - h;
        const down = loss();
        p.values[i] = v;
        const fd = (up - down) / (2 * h);
        // a kink of the clamp between v - h and v + h would make the difference meaningless
        if (Math.abs(fd - grads[k][i]) > 1e-4 * (1 + Math.abs(fd)))
          expect({ node: p.node, field: p.field, i, fd }).toEqual({ node: p.node, field: p.field, i, fd: grads[k][i] });
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(10);
  });

  test('says why it has no model for fixed-point networks', () => {
    const integer = runPipeline(lowered, ['quantize'], ctx).graph;
    expect(CountModel.of(integer)).toMatch(/fixed-point|integer weights/);
  });
});

describe('finetune', () => {
  test('fits the network to the ANN better than calibrate alone, on points it never saw', () => {
    const points = grid(23);
    const ann = evalAnn(mlp(), points);
    const calibrated = runPipeline(mlp(), ['fold-weights', 'threshold-balance', 'lower-to-snn', 'calibrate'], ctx, {
      verifyEach: true,
    }).graph;
    const { graph, records } = runPipeline(
      mlp(),
      ['fold-weights', 'threshold-balance', 'lower-to-snn', 'calibrate', 'finetune'],
      ctx,
      { verifyEach: true },
    );
    expect(records.at(-1)!.stats.kept).toBe('yes');
    const before = relativeL2(simulate(calibrated, points).outputs, ann);
    const after = relativeL2(simulate(graph, points).outputs, ann);
    expect(after).toBeLessThan(0.7 * before);
  });

  test('is deterministic: the same input gives the same network', () => {
    const run = (): string =>
      printGraph(finetune.run(lowered, { ...ctx, reference, finetuneSteps: 50 }).graph, { weights: true });
    expect(run()).toBe(run());
  });

  test('refuses fixed-point networks and needs the reference ANN', () => {
    const integer = runPipeline(lowered, ['quantize'], ctx).graph;
    expect(() => finetune.run(integer, { ...ctx, reference })).toThrow(PassError);
    expect(() => finetune.run(lowered, ctx)).toThrow(/needs the ANN/);
    expect(finetune.run(lowered, { ...ctx, finetuneSteps: 0 }).graph).toBe(lowered);
  });
});
