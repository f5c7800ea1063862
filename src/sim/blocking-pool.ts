import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  MessageChannel,
  type MessagePort,
  Worker,
  parentPort,
  receiveMessageOnPort,
  workerData,
} from 'node:worker_threads';
import { extraThreads } from './threads.js';

/** How long a new thread may take to load its script before it is given up. */
const STARTUP_MS = 20_000;
/** What a thread writes to its flag once it serves. */
const READY = 2;

/** A thread this one can block on: it answers on `port` and then sets `done[0]`. */
interface BlockingThread {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly done: Int32Array;
}

/**
 * Worker threads that synchronous code can hand jobs to and block on (Atomics.wait, then
 * receiveMessageOnPort), so a pass, which is a plain function, can use every core. One thread per
 * core besides this one, started on first use and kept for the life of the process (unref'd, so they
 * never keep it alive). Empty when running from TypeScript sources (tests), where the worker scripts
 * are not compiled; callers then do every job themselves, which must give the same result.
 */
export class BlockingPool {
  private threads: BlockingThread[] | undefined;
  constructor(private readonly script: URL) {}

  /** Threads besides this one. */
  get size(): number {
    return this.started().length;
  }

  private started(): BlockingThread[] {
    if (this.threads) return this.threads;
    this.threads = [];
    // from TypeScript sources the compiled worker script is not there: no threads
    if (!existsSync(fileURLToPath(this.script))) return this.threads;
    for (let i = 0; i < extraThreads(); i++) {
      const { port1, port2 } = new MessageChannel();
      const done = new Int32Array(new SharedArrayBuffer(4));
      const worker = new Worker(this.script, { workerData: { port: port2, done }, transferList: [port2] });
      worker.unref();
      port1.unref();
      // a thread that has not started serving within STARTUP_MS is given up (and a job is never sent to it)
      if (Atomics.wait(done, 0, 0, STARTUP_MS) === 'timed-out' || Atomics.load(done, 0) !== READY) {
        void worker.terminate();
        break;
      }
      this.threads.push({ worker, port: port1, done });
    }
    return this.threads;
  }

  /** Posts job i to thread i (at most `size` jobs); collect the answers with `wait`. */
  post(jobs: readonly unknown[]): void {
    const threads = this.started();
    jobs.forEach((job, i) => {
      Atomics.store(threads[i].done, 0, 0);
      threads[i].worker.postMessage(job);
    });
  }

  /** Blocks until the first `count` threads answer; undefined for a job its thread failed on. */
  wait(count: number): unknown[] {
    return this.started()
      .slice(0, count)
      .map((t) => {
        while (Atomics.wait(t.done, 0, 0, 1000) === 'timed-out');
        const answer = receiveMessageOnPort(t.port)?.message as { result?: unknown } | undefined;
        return answer?.result;
      });
  }
}

/** The worker side of a BlockingPool: answers every job with `handle(job)`, or with nothing if it throws. */
export function serveBlocking(handle: (job: never) => unknown): void {
  const { port, done } = workerData as { port: MessagePort; done: Int32Array };
  Atomics.store(done, 0, READY);
  Atomics.notify(done, 0);
  parentPort!.on('message', (job) => {
    try {
      port.postMessage({ result: handle(job as never) });
    } catch {
      port.postMessage({});
    } finally {
      Atomics.store(done, 0, 1);
      Atomics.notify(done, 0);
    }
  });
}
