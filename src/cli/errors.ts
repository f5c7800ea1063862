/** A wrong command-line value: reported with its message and a non-zero exit, like any user error. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A command stopped on request (SIGINT, SIGTERM): its message, and the exit status of that signal. */
export class StoppedBySignal extends Error {
  override name = 'StoppedBySignal';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
