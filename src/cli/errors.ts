/** A wrong command-line value: reported with its message and a non-zero exit, like any user error. */
export class UsageError extends Error {
  override name = 'UsageError';
}
