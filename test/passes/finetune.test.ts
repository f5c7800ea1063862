import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type Graph, GraphBuilder, type NodeOf, f32, printGraph, verify } from '../../src/ir/index.js';
import { CountModel } from '../../src/passes/count-model.js';
import { DEFAULT_CONTEXT, PassError, finetune, relativeL2, runPipeline, stagger } from '../../src/passes/index.js';
import { evalAnn } from '../../src/sim/ann-eval.js';
import { simulate } from '../../src/sim/simulate.js';

/** 2 -> 8 -> 8 -> 1 tanh MLP. */
function mlp(): Graph {
  const b = new GraphBuilder('mlp');
  let prev = b.add({ kind: 'ann.input', id: 'x', inputs: [], dims: 2, domain: [[0, 1], [0, 1]] });
  let width = 2;
  let seed = 11;
  const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  for (let l = 0; l < 2; l++) {
    const d = b.add({ kind: 'ann.dense', id: `d${l}`, inputs: [prev], weight: f32([8, width], Array.from({ length: 8 * width }, () => 2 * rnd())), bias: f32([8], Array.from({ length: 8 }, rnd)) });
    prev = b.add({ kind: 'ann.act', id: `a${l}`, inputs: [d], fn: 'tanh' });
    width = 8;
  }
  const out = b.add({ kind: 'ann.dense', id: 'd2', inputs: [prev], weight: f32([1, 8], Array.from({ length: 8 }, rnd)), bias: f32([1], [0.2]) });
  b.add({ kind: 'ann.output', id: 'u', inputs: [out] });
  return b.build();
}

/** encoder -> one neuron (threshold 1, no bias) -> readout: the readout decodes the neuron's rate. */
function oneNeuron(T: number): Graph {
  const b = new GraphBuilder('one');
  const x = b.add({ kind: 'snn.encoder', id: 'x', inputs: [], dims: 1, mode: 'current' });
  const s = b.add({ kind: 'snn.synapse', id: 'n.syn', inputs: [x], weight: { kind: 'float', values: f32([1, 1], [1]) } });
  const n = b.add({ kind: 'snn.neurons', id: 'n', inputs: [s], model: 'if', arith: 'float', threshold: 1, reset: 'subtract', currentDecay: 1, voltageDecay: 0, bias: f32([1], [0]), initialV: f32([1], [0.5]), spikeSign: 'unsigned', payloadBits: 0 });
  const r = b.add({ kind: 'snn.synapse', id: 'r.syn', inputs: [n], weight: { kind: 'float', values: f32([1, 1], [1]) } });
  const o = b.add({ kind: 'snn.readout', id: 'r', inputs: [r], scale: f32([1], [1]), offset: f32([1], [0]), window: [2, 2 + T] });
  b.add({ kind: 'ann.output', id: 'y', inputs: [o] });
  return b.build();
}

const grid = (n: number): number[][] => Array.from({ length: n * n }, (_, k) => [(k % n) / (n - 1), Math.floor(k / n) / (n - 1)]);
const ctx = { ...DEFAULT_CONTEXT, calibration: grid(10), T: 32, K: 3, finetuneSteps: 300 };
const reference = runPipeline(mlp(), ['fold-weights', 'threshold-balance'], ctx).graph;
const lowered = runPipeline(mlp(), ['fold-weights', 'threshold-balance', 'lower-to-snn'], ctx, { verifyEach: true }).graph;

describe('count model', () => {
  test('follows the simulated outputs of a converted network (exact but where the input of a neuron changes sign within its window)', () => {
    const model = CountModel.of(lowered);
    if (typeof model === 'string') throw new Error(model);
    const points = grid(15);
    const counted = model.forward(points).out;
    const simulated = simulate(lowered, points).outputs;
    const mismatch = relativeL2(points.map((_, r) => [counted[r]]), simulated);
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
        if (Math.abs(fd - grads[k][i]) > 1e-4 * (1 + Math.abs(fd))) expect({ node: p.node, field: p.field, i, fd }).toEqual({ node: p.node, field: p.field, i, fd: grads[k][i] });
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

describe('stagger', () => {
  test('M copies opening θ/M apart count at resolution 1/M spike (Hermite), for any input (property)', () => {
    const T = 8;
    const M = 4;
    const g = oneNeuron(T);
    const staggered = stagger.run(g, { ...DEFAULT_CONTEXT, stagger: M }).graph;
    verify(staggered);
    expect((staggered.nodes.find((n) => n.id === 'n') as NodeOf<'snn.neurons'>).type.shape).toEqual([M]);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (x) => {
        // one neuron: round(x T) / T; M staggered copies: round(x M T) / (M T)
        expect(simulate(g, [[x]]).outputs[0][0]).toBeCloseTo(Math.floor(x * T + 0.5) / T, 9);
        const y = simulate(staggered, [[x]]).outputs[0][0];
        expect(Math.abs(y - x)).toBeLessThanOrEqual(1 / (2 * M * T) + 1e-9);
      }),
    );
  });

  test('lowers the error of a converted network and only touches the populations that feed readouts', () => {
    const points = grid(20);
    const ann = evalAnn(mlp(), points);
    const { graph, stats } = stagger.run(lowered, { ...ctx, stagger: 4 });
    verify(graph);
    expect(stats).toMatchObject({ copies: 4, populations: 1 });
    const widths = (h: Graph): number[] => h.nodes.filter((n) => n.kind === 'snn.neurons').map((n) => n.type.shape[0]);
    expect(widths(graph)).toEqual([widths(lowered)[0], widths(lowered)[1] * 4]);
    expect(relativeL2(simulate(graph, points).outputs, ann)).toBeLessThan(relativeL2(simulate(lowered, points).outputs, ann));
  });
});

describe('finetune', () => {
  test('fits the network to the ANN better than calibrate alone, on points it never saw', () => {
    const points = grid(23);
    const ann = evalAnn(mlp(), points);
    const calibrated = runPipeline(mlp(), ['fold-weights', 'threshold-balance', 'lower-to-snn', 'calibrate'], ctx, { verifyEach: true }).graph;
    const { graph, records } = runPipeline(mlp(), ['fold-weights', 'threshold-balance', 'lower-to-snn', 'calibrate', 'finetune'], ctx, { verifyEach: true });
    expect(records.at(-1)!.stats.kept).toBe('yes');
    const before = relativeL2(simulate(calibrated, points).outputs, ann);
    const after = relativeL2(simulate(graph, points).outputs, ann);
    expect(after).toBeLessThan(0.7 * before);
  });

  test('is deterministic: the same input gives the same network', () => {
    const run = (): string => printGraph(finetune.run(lowered, { ...ctx, reference, finetuneSteps: 50 }).graph, { weights: true });
    expect(run()).toBe(run());
  });

  test('refuses fixed-point networks and needs the reference ANN', () => {
    const integer = runPipeline(lowered, ['quantize'], ctx).graph;
    expect(() => finetune.run(integer, { ...ctx, reference })).toThrow(PassError);
    expect(() => finetune.run(lowered, ctx)).toThrow(/needs the ANN/);
    expect(finetune.run(lowered, { ...ctx, finetuneSteps: 0 }).graph).toBe(lowered);
  });
});
