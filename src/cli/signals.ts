/** The exit status of a command stopped by a signal: 128 + its number, as a shell reports it. */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT;

/**
 * Runs `work` with SIGINT and SIGTERM turned into a request to stop (an AbortSignal) instead of an
 * immediate exit, for work that checks it between steps and stops cleanly; the signals' default
 * effect is back when it returns.
 */
export async function stoppable<T>(work: (stop: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const handlers = (Object.keys(SIGNAL_EXIT) as StopSignal[]).map((signal) => {
    const handler = (): void => controller.abort(signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    return await work(controller.signal);
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
