import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import {
  CONTROL_BYTES,
  FAILED,
  IDLE,
  JOB,
  NEW_MEMORY,
  SPIN_MS,
  STARTING,
  controlViews,
} from './kernel-thread-protocol.js';
import { extraThreads } from './threads.js';
import type { KernelModule } from './wasm.js';

/** How long the kernel thread may take to start before it is given up. */
const STARTUP_MS = 20_000;
/** Products below this many multiply-adds (R S K) are not worth a round trip to the kernel thread. */
const MIN_SPLIT_WORK = 1 << 18;

interface KernelThread {
  readonly state: Int32Array;
  readonly args: Float64Array;
  readonly port: MessagePort;
  /** The memory the thread holds, so it is sent only when it changes. */
  memory?: WebAssembly.Memory;
}

let thread: KernelThread | undefined | null;

/**
 * The kernel thread, started on first use and kept for the life of the process (unref'd); null on one
 * core, or from TypeScript sources (tests), where the compiled worker script is not there.
 */
function kernelThread(): KernelThread | null {
  if (thread !== undefined) return thread;
  thread = null;
  const script = new URL('./kernel-worker.js', import.meta.url);
  if (extraThreads() < 1 || !existsSync(fileURLToPath(script))) return thread;
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(script, { workerData: { control, port: port2 }, transferList: [port2] });
  worker.unref();
  port1.unref();
  const { state, args } = controlViews(control);
  if (Atomics.wait(state, 0, STARTING, STARTUP_MS) === 'timed-out' || Atomics.load(state, 0) !== IDLE) {
    void worker.terminate();
    return thread;
  }
  thread = { state, args, port: port1 };
  return thread;
}

/**
 * add_products with its rows split between this thread and the kernel thread, which shares the
 * module's memory: it takes rows [h, R), this thread [0, h). Rows are independent, so the result
 * equals one call's exactly. `mine` and `theirs` are separate scratch (offsets, factors) for the two
 * halves. Without a kernel thread, one call does it all.
 */
export function splitProducts(
  mod: KernelModule,
  D: number,
  G: number,
  M: number,
  R: number,
  S: number,
  K: number,
  mine: readonly [number, number],
  theirs: readonly [number, number],
): number {
  const t = R >= 2 && R * S * K >= MIN_SPLIT_WORK ? kernelThread() : null;
  if (!t) return mod.fn.add_products(D, G, M, R, S, K, ...mine);
  const h = R >> 1;
  t.args.set([D + h * K * 8, G + h * S * 8, M, R - h, S, K, ...theirs]);
  const fresh = t.memory !== mod.memory;
  if (fresh) t.port.postMessage({ memory: mod.memory });
  t.memory = mod.memory;
  Atomics.store(t.state, 1, fresh ? NEW_MEMORY : 0);
  Atomics.store(t.state, 0, JOB);
  Atomics.notify(t.state, 0);
  let nonzero = 0;
  try {
    nonzero = mod.fn.add_products(D, G, M, h, S, K, ...mine);
  } finally {
    // always wait for the thread, so it is idle before the next job
    const until = performance.now() + SPIN_MS;
    while (Atomics.load(t.state, 0) === JOB && performance.now() < until);
    let now: number;
    while ((now = Atomics.load(t.state, 0)) === JOB) Atomics.wait(t.state, 0, now);
  }
  const failed = Atomics.load(t.state, 0) === FAILED;
  Atomics.store(t.state, 0, IDLE);
  if (failed || Atomics.load(t.state, 0) !== IDLE) {
    t.memory = undefined;
    throw new Error('internal error: the kernel thread failed on its half of a product');
  }
  return nonzero + t.args[8];
}
