import { UsageError } from './errors.js';

/** A commander parser for an integer option with a lower (and optionally an upper) bound. */
export function intOption(flag: string, min: number, max?: number): (v: string) => number {
  return (v) => {
    const n = v.trim() === '' ? Number.NaN : Number(v);
    if (max !== undefined && !(Number.isInteger(n) && n >= min && n <= max))
      throw new UsageError(`${flag} must be an integer from ${min} to ${max}, not '${v}'`);
    if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be an integer >= ${min}, not '${v}'`);
    return n;
  };
}

/** A commander parser for a finite positive number. */
export function numberOption(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, not '${v}'`);
    return n;
  };
}

/** A comma-separated list of integers, each within the bounds. */
export function intListOption(flag: string, min: number, max?: number): (v: string) => number[] {
  return (v) => v.split(',').map((s) => intOption(flag, min, max)(s.trim()));
}

/** A commander parser for a fraction in (0, 1). */
export function fractionOption(flag: string): (v: string) => number {
  return (v) => {
    const n = v.trim() === '' ? Number.NaN : Number(v);
    if (!(n > 0 && n < 1)) throw new UsageError(`${flag} must be a number between 0 and 1, not '${v}'`);
    return n;
  };
}
