/**
 * The words split.ts and its kernel thread (kernel-worker.ts) share: state[0] says who acts, state[1]
 * whether a new memory waits on the port; args hold add_products' arguments and, after it, its result.
 */
export const STARTING = 0;
/** The thread waits for a job. */
export const IDLE = 1;
export const JOB = 2;
export const DONE = 3;
export const FAILED = 4;
export const NEW_MEMORY = 1;
/** How long either side polls the state word before it sleeps on it (waking a thread takes longer). */
export const SPIN_MS = 0.2;
/** Bytes of the shared block: two state words, then 16 float64 (8 arguments, the result). */
export const CONTROL_BYTES = 8 + 16 * 8;

export function controlViews(control: SharedArrayBuffer): { state: Int32Array; args: Float64Array } {
  return { state: new Int32Array(control, 0, 2), args: new Float64Array(control, 8, 16) };
}
