import type { Graph } from '../ir/index.js';
import { BlockingPool } from './blocking-pool.js';
import { type SimOptions, type SimResult, simulate } from './simulate.js';

/** Rows below which a batch is simulated in this thread: posting the graph costs more than it saves. */
const MIN_CHUNK = 32;

function concatMaps(parts: readonly Map<string, Float64Array>[]): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const key of parts[0].keys()) {
    const arrays = parts.map((p) => p.get(key)!);
    const all = new Float64Array(arrays.reduce((s, a) => s + a.length, 0));
    let off = 0;
    for (const a of arrays) {
      all.set(a, off);
      off += a.length;
    }
    out.set(key, all);
  }
  return out;
}

/** Joins the results of consecutive batch chunks into the result of the whole batch. */
export function mergeResults(parts: readonly SimResult[]): SimResult {
  if (parts.length === 1) return parts[0];
  const first = parts[0];
  return {
    outputs: parts.flatMap((p) => p.outputs),
    T: first.T,
    steps: first.steps,
    batch: parts.reduce((s, p) => s + p.batch, 0),
    layers: first.layers.map((l, i) => ({ ...l, spikes: parts.reduce((s, p) => s + p.layers[i].spikes, 0) })),
    synops: parts.reduce((s, p) => s + p.synops, 0),
    gradedSynops: parts.reduce((s, p) => s + p.gradedSynops, 0),
    ...(first.settle
      ? {
          settle: {
            total: parts.reduce((s, p) => s + p.settle!.total, 0),
            max: Math.max(...parts.map((p) => p.settle!.max)),
          },
        }
      : {}),
    neuronUpdates: parts.reduce((s, p) => s + p.neuronUpdates, 0),
    meanCurrent: concatMaps(parts.map((p) => p.meanCurrent)),
    rate: concatMaps(parts.map((p) => p.rate)),
    readout: concatMaps(parts.map((p) => p.readout)),
    trace: first.trace,
    startV: first.startV,
  };
}

const pool = new BlockingPool(new URL('./worker.js', import.meta.url));

/**
 * simulate(), with the batch split across every core: this thread runs the first chunk while the
 * simulator threads run the others, and it blocks until they answer, so synchronous passes use it as
 * they use simulate(). Inputs are independent rows, so the result equals simulate()'s exactly however
 * the batch is split. A chunk a thread fails on is run again here, to raise the simulator's own error.
 */
export function simulateRows(g: Graph, inputs: readonly (readonly number[])[], opts: SimOptions = {}): SimResult {
  // a stream is one sequence: it cannot be split
  const threads = inputs.length >= 2 * MIN_CHUNK && !opts.stream ? pool.size : 0;
  const n = Math.min(threads + 1, Math.floor(inputs.length / MIN_CHUNK));
  if (n < 2) return simulate(g, inputs, opts);
  const size = Math.ceil(inputs.length / n);
  const chunks = Array.from({ length: n }, (_, i) => inputs.slice(i * size, (i + 1) * size));
  pool.post(chunks.slice(1).map((rows) => ({ graph: g, inputs: rows, opts })));
  let answers: unknown[] = [];
  let first: SimResult;
  try {
    first = simulate(g, chunks[0], opts);
  } finally {
    // always collect, so no answer is left on a port for the next call
    answers = pool.wait(n - 1);
  }
  const rest = answers.map((r, i) => (r as SimResult | undefined) ?? simulate(g, chunks[i + 1], opts));
  return mergeResults([first, ...rest]);
}
