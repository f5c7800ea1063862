import { loadModel } from '../src/frontend/index.js';
import { Rng, grid, readProblemFile } from '../src/frontend/train/index.js';
import { type Graph, width } from '../src/ir/index.js';
import { DEFAULT_CONTEXT, DEFAULT_PIPELINE, runPipeline } from '../src/passes/index.js';
import { simulateRows } from '../src/sim/parallel.js';
import { simulate } from '../src/sim/simulate.js';

/**
 * The same time-stepped network computed the plain way: every step, every synapse multiplies its
 * full weight matrix with its source's output vector, spikes or not. Same neuron update.
 */
export function denseLoop(g: Graph, inputs: readonly (readonly number[])[]): number {
  const order = g.nodes.filter((n) => n.kind.startsWith('snn.'));
  const readout = order.find((n) => n.kind === 'snn.readout');
  if (!readout || readout.kind !== 'snn.readout') throw new Error('no readout');
  const steps = readout.window[1];
  let checksum = 0;
  for (const x of inputs) {
    const prev = new Map<string, Float64Array>();
    const cur = new Map<string, Float64Array>();
    const v = new Map<string, Float64Array>();
    for (const n of order) {
      if (n.kind === 'snn.neurons') {
        prev.set(n.id, new Float64Array(width(n.type)));
        v.set(n.id, Float64Array.from(n.initialV.data));
      }
      if (n.kind === 'snn.encoder') prev.set(n.id, Float64Array.from(x));
    }
    const currents = new Map<string, Float64Array>();
    for (let t = 0; t < steps; t++) {
      for (const n of order) {
        if (n.kind === 'snn.synapse' && n.weight.kind === 'float') {
          const [out, k] = n.weight.values.shape;
          const src = t === 0 ? new Float64Array(k) : prev.get(n.inputs[0])!;
          const a = new Float64Array(out);
          const W = n.weight.values.data;
          for (let o = 0; o < out; o++) {
            let s = 0;
            for (let i = 0; i < k; i++) s += W[o * k + i] * src[i];
            a[o] = s;
          }
          currents.set(n.id, a);
        } else if (n.kind === 'snn.neurons') {
          const a = currents.get(n.inputs[0])!;
          const vv = v.get(n.id)!;
          const s = new Float64Array(vv.length);
          for (let i = 0; i < vv.length; i++) {
            vv[i] += a[i] + n.bias.data[i];
            if (vv[i] >= n.threshold) {
              s[i] = 1;
              vv[i] -= n.threshold;
            }
          }
          cur.set(n.id, s);
        } else if (n.kind === 'snn.readout' && t >= n.window[0]) {
          checksum += currents.get(n.inputs[0])![0];
        }
      }
      for (const [id, s] of cur) prev.set(id, s);
    }
  }
  return checksum;
}

export async function simulatorBench(quick: boolean): Promise<Record<string, unknown>> {
  const model = await loadModel('examples/poisson2d');
  const problem = readProblemFile('examples/poisson2d')!;
  const calibration = new Rng(7).box(problem.domain, 256);
  const T = 64;
  const snn = runPipeline(model.graph, DEFAULT_PIPELINE, { ...DEFAULT_CONTEXT, calibration, T }).graph;
  const points = grid(problem.domain, problem.testGrid);
  const batch = quick ? points.slice(0, 1000) : points;
  let t0 = performance.now();
  const par = simulateRows(snn, batch, {});
  const parallelS = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const one = simulate(snn, batch);
  const singleS = (performance.now() - t0) / 1000;
  // the same network quantized for Loihi 2: spike sums in integer lanes (i16 where they fit, sim/block.ts)
  const integer = runPipeline(snn, ['quantize'], { ...DEFAULT_CONTEXT, calibration, T }).graph;
  t0 = performance.now();
  const intOne = simulate(integer, batch);
  const intSingleS = (performance.now() - t0) / 1000;
  t0 = performance.now();
  simulateRows(integer, batch, {});
  const intParallelS = (performance.now() - t0) / 1000;
  const denseSample = batch.slice(0, quick ? 100 : 500);
  t0 = performance.now();
  denseLoop(snn, denseSample);
  const denseS = ((performance.now() - t0) / 1000) * (batch.length / denseSample.length);
  return {
    network: 'examples/poisson2d compiled (pwl, K = 4, calibrated), float arithmetic',
    neurons: one.layers.reduce((s, l) => s + l.neurons, 0),
    batch: batch.length,
    T,
    steps: one.steps,
    synaptic_events: one.synops,
    neuron_updates: one.neuronUpdates,
    single_thread_seconds: singleS,
    worker_threads_seconds: parallelS,
    synaptic_events_per_second: one.synops / singleS,
    neuron_updates_per_second: one.neuronUpdates / singleS,
    synaptic_events_per_second_workers: par.synops / parallelS,
    dense_loop_seconds: denseS,
    dense_loop_seconds_measured_on: denseSample.length,
    speedup_vs_dense_loop_single_thread: denseS / singleS,
    speedup_vs_dense_loop_workers: denseS / parallelS,
    integer_network: 'the same network quantized for loihi2 (integer arithmetic)',
    integer_synaptic_events: intOne.synops,
    integer_single_thread_seconds: intSingleS,
    integer_worker_threads_seconds: intParallelS,
    integer_synaptic_events_per_second: intOne.synops / intSingleS,
  };
}
