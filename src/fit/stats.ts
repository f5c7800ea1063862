/** Sorted copy. */
export function sorted(xs: ArrayLike<number>): Float64Array {
  return Float64Array.from(xs).sort();
}

/** The q-quantile (0..1) of sorted values, by linear interpolation. */
export function quantile(s: Float64Array, q: number): number {
  if (s.length === 0) return 0;
  const pos = Math.min(Math.max(q, 0), 1) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (pos - lo) * (s[hi] - s[lo]);
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : 0;
}

/** Column c of a row-major [rows, cols] array. */
export function columnOf(values: Float64Array, cols: number, c: number): Float64Array {
  const rows = values.length / cols;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) out[r] = values[r * cols + c];
  return out;
}

export { relativeL2 } from '../sim/metrics.js';
