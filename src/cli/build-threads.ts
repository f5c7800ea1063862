import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { extraThreads } from '../sim/threads.js';
import type { BuildSetup, BuiltNetwork } from './build.js';
import { ToleranceError, UsageError } from './errors.js';
import type { NetworkPlan } from './networks.js';
import { isQuiet, say } from './progress.js';

/** The compiled build thread; absent when running from TypeScript sources (tests), which build in turn. */
const SCRIPT = new URL('./build-worker.js', import.meta.url);

/** What a build thread is given: the compile's shared setup, one network's plan, and how to report. */
export interface BuildJob {
  readonly setup: BuildSetup;
  readonly plan: NetworkPlan;
  readonly quiet: boolean;
  /** --verify-each: the verifier after every pass (IR dumps never reach a thread). */
  readonly verifyEach?: boolean;
}

/** What a build thread sends: a line to say, then its network or the error that stopped it. */
export type BuildAnswer =
  | { readonly say: string }
  | { readonly built: BuiltNetwork }
  | { readonly error: { readonly name: string; readonly message: string; readonly stack?: string } };

/** Threads can build networks: the compiled script is there and the machine has a core to spare. */
export const canBuildInThreads = (): boolean => extraThreads() >= 1 && existsSync(fileURLToPath(SCRIPT));

/** The error a thread reported, as the class the CLI reports it by (its stack kept for --verbose). */
function rebuildError(e: { name: string; message: string; stack?: string }): Error {
  const err =
    e.name === 'ToleranceError'
      ? new ToleranceError(e.message)
      : e.name === 'UsageError'
        ? new UsageError(e.message)
        : Object.assign(new Error(e.message), { name: e.name });
  if (e.stack) err.stack = e.stack;
  return err;
}

/**
 * Builds each plan's network in a thread of its own, all at once. Each thread runs buildPlan on the same
 * setup, so the networks are those a build one after another gives, byte for byte. An error is raised
 * once every thread has ended: the first plan's, as a build one after another would raise it.
 */
export async function buildInThreads(
  setup: BuildSetup,
  plans: readonly NetworkPlan[],
  verifyEach?: boolean,
): Promise<BuiltNetwork[]> {
  const workers: Worker[] = [];
  // the cores shared out: each thread's passes simulate on its share (its own simulator threads), so that
  // no core runs two threads at once, which would make every step wait for its slowest chunk
  const share = String(Math.max(1, Math.floor((extraThreads() + 1) / plans.length)));
  const runs = plans.map(
    (plan) =>
      new Promise<BuiltNetwork>((resolve, reject) => {
        const job: BuildJob = { setup, plan, quiet: isQuiet(), verifyEach };
        const w = new Worker(SCRIPT, {
          workerData: job,
          env: { ...process.env, SPIKEC_THREADS: share },
        });
        workers.push(w);
        w.on('message', (a: BuildAnswer) => {
          if ('say' in a) say(a.say);
          else if ('built' in a) resolve(a.built);
          else reject(rebuildError(a.error));
        });
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`the thread building the ${plan.coding} network exited (${code})`)));
      }),
  );
  try {
    // every thread ends before any error is raised, so that the one raised is the first plan's, whichever
    // thread stopped first
    const ended = await Promise.allSettled(runs);
    const failed = ended.find((e) => e.status === 'rejected');
    if (failed) throw failed.reason;
    return ended.map((e) => (e as PromiseFulfilledResult<BuiltNetwork>).value);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
