import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Graph } from '../ir/index.js';
import { type SimOptions, type SimResult, simulate } from './simulate.js';

const MIN_CHUNK = 256;

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
    neuronUpdates: parts.reduce((s, p) => s + p.neuronUpdates, 0),
    meanCurrent: concatMaps(parts.map((p) => p.meanCurrent)),
    rate: concatMaps(parts.map((p) => p.rate)),
    readout: concatMaps(parts.map((p) => p.readout)),
    trace: first.trace,
  };
}

/**
 * simulate() with the batch split across worker threads (one per core, chunks of at least 256
 * inputs). Inputs are independent, so the result equals the single-threaded one exactly. Runs in
 * this thread when the batch is small or when running from TypeScript sources (tests).
 */
export async function simulateParallel(
  g: Graph,
  inputs: readonly (readonly number[])[],
  opts: SimOptions = {},
  threads = availableParallelism(),
): Promise<SimResult> {
  const workerUrl = new URL('./worker.js', import.meta.url);
  const n = Math.min(threads, Math.floor(inputs.length / MIN_CHUNK));
  if (n < 2 || !import.meta.url.endsWith('.js')) return simulate(g, inputs, opts);
  const size = Math.ceil(inputs.length / n);
  const chunks = Array.from({ length: n }, (_, i) => inputs.slice(i * size, (i + 1) * size)).filter(
    (c) => c.length > 0,
  );
  const parts = await Promise.all(
    chunks.map(
      (chunk) =>
        new Promise<SimResult>((resolve, reject) => {
          const w = new Worker(workerUrl, { workerData: { graph: g, inputs: chunk, opts } });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  return mergeResults(parts);
}
