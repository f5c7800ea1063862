/**
 * An error in an IR graph or in a file that should hold one. `where` names the node (or the file
 * and line) so that a user can find the fault without a stack trace.
 */
export class IrError extends Error {
  constructor(
    message: string,
    readonly where?: string,
  ) {
    super(where ? `${where}: ${message}` : message);
    this.name = 'IrError';
  }
}
