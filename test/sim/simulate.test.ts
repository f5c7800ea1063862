import { describe, expect, test } from 'vitest';
import { GraphBuilder, f32, verify } from '../../src/ir/index.js';
import { evalAnn } from '../../src/sim/ann-eval.js';
import { mergeResults } from '../../src/sim/parallel.js';
import { simulate } from '../../src/sim/simulate.js';
import { converted, rows, smallMlp } from '../support/sim-nets.js';
import { addIfNeuron } from '../support/small-nets.js';

describe('simulator', () => {
  test('batch results are identical to one-at-a-time results', () => {
    const g = converted();
    const inputs = rows(20);
    const all = simulate(g, inputs);
    const single = inputs.map((x) => simulate(g, [x]));
    expect(all.outputs).toEqual(single.map((s) => s.outputs[0]));
    expect(all.synops).toBe(single.reduce((s, r) => s + r.synops, 0));
    expect(all.layers.map((l) => l.spikes)).toEqual(
      all.layers.map((_, i) => single.reduce((s, r) => s + r.layers[i].spikes, 0)),
    );
  });

  test('split batches merge back into the whole-batch result (what the worker threads do)', () => {
    const g = converted();
    const inputs = rows(30);
    const whole = simulate(g, inputs);
    const merged = mergeResults([simulate(g, inputs.slice(0, 11)), simulate(g, inputs.slice(11))]);
    expect(merged.outputs).toEqual(whole.outputs);
    expect(merged.synops).toBe(whole.synops);
    expect(merged.neuronUpdates).toBe(whole.neuronUpdates);
    expect(merged.rate).toEqual(whole.rate);
  });

  test('one step of delay per synapse: a readout after L synapses integrates from step L', () => {
    const g = converted(16);
    const r = g.nodes.find((n) => n.kind === 'snn.readout');
    expect(r?.kind === 'snn.readout' && r.window).toEqual([3, 19]);
  });

  test('spikes travel one layer per step', () => {
    const b = new GraphBuilder('chain');
    let cur = b.add({ kind: 'snn.encoder', id: 'x', inputs: [], dims: 1, mode: 'current' });
    for (const l of [1, 2]) {
      const syn = b.add({
        kind: 'snn.synapse',
        id: `s${l}`,
        inputs: [cur],
        weight: { kind: 'float', values: f32([1, 1], [1]) },
      });
      cur = addIfNeuron(b, `n${l}`, syn);
    }
    const syn = b.add({
      kind: 'snn.synapse',
      id: 's3',
      inputs: [cur],
      weight: { kind: 'float', values: f32([1, 1], [1]) },
    });
    const r = b.add({
      kind: 'snn.readout',
      id: 'r',
      inputs: [syn],
      scale: f32([1], [1]),
      offset: f32([1], [0]),
      window: [3, 7],
    });
    b.add({ kind: 'ann.output', id: 'u', inputs: [r] });
    const sim = simulate(verify(b.build()), [[1]], { trace: true });
    expect(sim.trace!.get('n1')!.map((s) => s[0])).toEqual([0, 1, 1, 1, 1, 1, 1]);
    expect(sim.trace!.get('n2')!.map((s) => s[0])).toEqual([0, 0, 1, 1, 1, 1, 1]);
    expect(sim.outputs).toEqual([[1]]);
  });

  test('the error against the ANN falls as T grows', () => {
    const test = rows(50, 9);
    const ann = evalAnn(smallMlp(), test);
    const err = (T: number): number => {
      const out = simulate(converted(T), test).outputs;
      return Math.sqrt(
        out.reduce((s, o, i) => s + (o[0] - ann[i][0]) ** 2, 0) / ann.reduce((s, a) => s + a[0] ** 2, 0),
      );
    };
    const e = [8, 32, 128, 512].map(err);
    expect(e[3]).toBeLessThan(e[0]);
    expect(e[2]).toBeLessThan(e[0]);
    expect(e[3]).toBeLessThan(0.1);
  });

  test('counters: neuron updates = neurons x steps x batch', () => {
    const g = verify(converted(10));
    const sim = simulate(g, rows(7));
    const neurons = sim.layers.reduce((s, l) => s + l.neurons, 0);
    expect(sim.neuronUpdates).toBe(neurons * sim.steps * 7);
    expect(sim.synops).toBeGreaterThan(0);
  });

  test('inputs of the wrong width or non-finite are refused, naming the encoder', () => {
    expect(() => simulate(converted(), [[0.5]])).toThrow(/%x: input row 0 has 1 values, the network takes 2/);
    expect(() => simulate(converted(), [[0.5, NaN]])).toThrow(/%x: input row 0 value 1 is NaN/);
  });
});

describe('simulate in blocks of rows', () => {
  test('a batch gives the same result as its rows one by one, with or without the per-neuron sums', () => {
    const g = converted(12);
    const inputs = rows(70); // two blocks of 32 and a partial one
    const whole = simulate(g, inputs);
    const single = inputs.map((r) => simulate(g, [r]));
    const merged = mergeResults(single);
    expect(whole.outputs).toEqual(merged.outputs);
    expect(whole.rate).toEqual(merged.rate);
    expect(whole.meanCurrent).toEqual(merged.meanCurrent);
    expect(whole.layers).toEqual(merged.layers);
    expect(whole.synops).toBe(merged.synops);
    const lean = simulate(g, inputs, { perNeuron: false });
    expect(lean.outputs).toEqual(whole.outputs);
    expect([lean.rate.size, lean.meanCurrent.size]).toEqual([0, 0]);
    expect([lean.layers, lean.synops]).toEqual([whole.layers, whole.synops]);
  });
});

test('SPIKEC_THREADS sets the threads in all; anything else leaves one per core', async () => {
  const { extraThreads } = await import('../../src/sim/threads.js');
  const saved = process.env.SPIKEC_THREADS;
  try {
    process.env.SPIKEC_THREADS = '1';
    expect(extraThreads()).toBe(0);
    process.env.SPIKEC_THREADS = '3';
    expect(extraThreads()).toBe(2);
    process.env.SPIKEC_THREADS = 'many';
    const { availableParallelism } = await import('node:os');
    expect(extraThreads()).toBe(availableParallelism() - 1);
  } finally {
    if (saved === undefined) delete process.env.SPIKEC_THREADS;
    else process.env.SPIKEC_THREADS = saved;
  }
});
