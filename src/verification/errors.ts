/**
 * Bad data for a verification or a calibration (an inputs file, a domain, a model without a test grid):
 * reported with its message and a non-zero exit, like any user error.
 */
export class DataError extends Error {
  override name = 'DataError';
}
