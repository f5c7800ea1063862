import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { DONE, FAILED, IDLE, JOB, NEW_MEMORY, SPIN_MS, controlViews } from './kernel-thread-protocol.js';
import { KernelModule } from './wasm.js';

/**
 * The kernel thread of split.ts: waits on a shared word (not on its event loop, so a job starts
 * within microseconds), runs add_products on the arguments beside it, and answers in the same words.
 */
const { control, port } = workerData as { control: SharedArrayBuffer; port: MessagePort };
const { state, args } = controlViews(control);
let bound: KernelModule | undefined;
Atomics.store(state, 0, IDLE);
Atomics.notify(state, 0);
for (;;) {
  // jobs come a few per step of finetune: spin a little before sleeping, as waking takes longer
  const until = performance.now() + SPIN_MS;
  while (Atomics.load(state, 0) !== JOB && performance.now() < until);
  let now: number;
  while ((now = Atomics.load(state, 0)) !== JOB) Atomics.wait(state, 0, now);
  try {
    if (Atomics.load(state, 1) === NEW_MEMORY) {
      const { memory } = receiveMessageOnPort(port)!.message as { memory: WebAssembly.Memory };
      bound = new KernelModule(memory);
    }
    const [D, G, M, R, S, K, offs, facs] = args;
    args[8] = bound!.fn.add_products(D, G, M, R, S, K, offs, facs);
    Atomics.store(state, 0, DONE);
  } catch {
    Atomics.store(state, 0, FAILED);
  }
  Atomics.notify(state, 0);
}
