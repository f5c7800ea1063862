/** A wrong command-line value: reported with its message and a non-zero exit, like any user error. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A compile that met no setting of --tolerance: nothing is written. */
export class ToleranceError extends UsageError {
  override name = 'ToleranceError';
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
