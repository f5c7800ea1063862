import { type Graph, IrError, type NodeOf, VOLTAGE_SCALE } from '../ir/index.js';
import { encode, hostOutputs } from './host.js';
import { simulateSigmaDelta } from './sigma-delta.js';
import { BlockSim } from './block.js';
import { stepBias } from './neurons.js';
import { type SimProgram, compileProgram, widthOf } from './program.js';
import type { LayerCounters, SimOptions, SimResult } from './types.js';

export type { LayerCounters, SimOptions, SimResult, Trace } from './types.js';

/** Rows simulated together: their state (about 60 bytes per neuron per row) stays in cache. */
const BLOCK_ROWS = 32;

function windowOf(p: SimProgram, n: NodeOf<'snn.readout'>, T?: number): [number, number] {
  if (T === undefined) return [n.window[0], n.window[1]];
  const d = p.depth.get(n.id)!;
  return [d, d + T];
}

/**
 * Runs the snn part of a graph, time step by time step, for a batch of inputs, then the ann ops that
 * read its readouts. Each step: every synapse delivers what its source emitted the step before
 * (a_t = W s_{t-1}), neurons update and spike, readouts accumulate within their window.
 * Spike delivery costs in proportion to spikes: a spike adds one row of the transposed weights.
 * The batch runs in blocks of rows (BlockSim); rows are independent, so blocks change nothing.
 */
export function simulate(g: Graph, inputs: readonly (readonly number[])[], opts: SimOptions = {}): SimResult {
  const p = compileProgram(g);
  if (p.coding === 'sigma-delta') return simulateSigmaDelta(p, inputs, opts);
  if (opts.stream) throw new IrError('a stream of queries runs on a sigma-delta network; this one is rate-coded');
  const batch = inputs.length;
  const readouts = p.order.filter((n): n is NodeOf<'snn.readout'> => n.kind === 'snn.readout');
  if (readouts.length === 0) throw new IrError('the network has no snn.readout');
  const windows = new Map(readouts.map((r) => [r.id, windowOf(p, r, opts.T)]));
  const Ts = new Set([...windows.values()].map(([a, b]) => b - a));
  if (Ts.size !== 1) throw new IrError('the readouts integrate over windows of different lengths');
  const T = [...Ts][0];
  if (!(T >= 1)) throw new IrError(`T must be at least 1 (got ${T})`);
  const steps = Math.max(...[...windows.values()].map(([, b]) => b));
  const enc = encode(p, inputs);

  const meanCurrent = new Map<string, Float64Array>();
  const rate = new Map<string, Float64Array>();
  const acc = new Map<string, Float64Array>();
  const layers: LayerCounters[] = [];
  for (const n of p.order) {
    const w = widthOf(n);
    if (n.kind === 'snn.neurons') {
      if (opts.perNeuron !== false) {
        meanCurrent.set(n.id, new Float64Array(batch * w));
        rate.set(n.id, new Float64Array(batch * w));
      }
      layers.push({ id: n.id, neurons: w, depth: p.depth.get(n.id)!, spikes: 0 });
    }
    if (n.kind === 'snn.readout') acc.set(n.id, new Float64Array(batch * w));
  }
  const first = {
    trace: opts.trace ? new Map(layers.map((l) => [l.id, [] as Int8Array[]])) : undefined,
    startV: opts.startPotentials ? new Map<string, Float64Array>() : undefined,
  };
  const totals = { synops: 0, gradedSynops: 0, neuronUpdates: 0, spikes: layers.map(() => 0) };
  const block = Math.max(1, Math.min(batch, BLOCK_ROWS));
  const sim = new BlockSim(p, block, steps, windows, T);
  const dims = p.encoder.dims;
  for (let at = 0; at < batch; at += block) {
    const rows = Math.min(block, batch - at);
    const rowsEnc = enc.subarray(at * dims, (at + rows) * dims);
    sim.run(rowsEnc, rows, at, { meanCurrent, rate, acc }, totals, at === 0 ? first : undefined);
  }
  layers.forEach((l, i) => (l.spikes = totals.spikes[i]));

  for (const n of p.order) {
    if (n.kind !== 'snn.neurons') continue;
    const mc = meanCurrent.get(n.id);
    const r = rate.get(n.id);
    if (!mc || !r) continue;
    const bias = stepBias(n);
    const w = bias.length;
    for (let k = 0; k < mc.length; k++) {
      mc[k] = mc[k] / T + bias[k % w] * (n.arith === 'fixed' ? 1 / VOLTAGE_SCALE : 1);
      r[k] /= T;
    }
  }
  const readout = new Map<string, Float64Array>();
  for (const r of readouts) {
    const [lo, hi] = windows.get(r.id)!;
    const w = widthOf(r);
    const sum = acc.get(r.id)!;
    const y = new Float64Array(sum.length);
    for (let k = 0; k < y.length; k++) y[k] = (r.scale.data[k % w] * sum[k]) / (hi - lo) + r.offset.data[k % w];
    readout.set(r.id, y);
  }
  const rows = hostOutputs(g, inputs, readout);
  const { synops, gradedSynops, neuronUpdates } = totals;
  return {
    outputs: rows,
    T,
    steps,
    batch,
    layers,
    synops,
    gradedSynops,
    neuronUpdates,
    meanCurrent,
    rate,
    readout,
    ...first,
  };
}
