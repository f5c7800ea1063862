import { cholesky, gram, solveSpd } from './linalg.js';

/**
 * Rounds the rows of W [out, k] (already in mantissa units) to integers in [-mmax, mmax] so that the
 * summed input each row delivers, not each weight, stays close: with X [batch, k] what the synapse
 * sees (its source's spike counts or input values) it minimises ||X (W_q - W)^T|| greedily, column by
 * column, each rounding error pushed onto the columns not yet rounded in proportion to how X
 * correlates them (GPTQ, Frantar et al. 2023, with the Cholesky factor of the inverse of H = X^T X).
 * Plain rounding treats every weight alone; a readout summing hundreds of mostly saturated ramps
 * (counts of 0 or T) then adds hundreds of rounding errors coherently.
 */
/** The widest fan-in rounded with feedback: its three k x k float64 matrices take 384 MiB at 4,096. */
export const FEEDBACK_MAX_FAN_IN = 4096;

/**
 * The lower Cholesky factor L of H^-1, H damped so that it stays invertible where inputs never vary
 * (dead or always-saturated columns); the upper factor U of H^-1 = U^T U is its transpose.
 */
function inverseFactor(H: Float64Array, n: number): Float64Array {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += H[i * n + i];
  const damp = 0.01 * Math.max(trace / n, 1e-12);
  for (let i = 0; i < n; i++) H[i * n + i] += damp;
  const identity = new Float64Array(n * n);
  for (let i = 0; i < n; i++) identity[i * n + i] = 1;
  return cholesky(solveSpd(H, identity, n, n), n);
}

/** Rounds w (n weights, overwritten) in order, each error pushed onto the weights after it; calls put(i, r). */
function roundRow(
  w: Float64Array,
  L: Float64Array,
  n: number,
  lo: number,
  hi: number,
  put: (i: number, r: number) => void,
) {
  for (let i = 0; i < n; i++) {
    const r = Math.min(Math.max(Math.round(w[i]), lo), hi) + 0;
    put(i, r);
    const e = (w[i] - r) / L[i * n + i];
    for (let j = i + 1; j < n; j++) w[j] -= e * L[j * n + i];
  }
}

export function roundWithFeedback(
  W: readonly number[],
  out: number,
  k: number,
  X: Float64Array,
  mmax: number,
): number[] {
  const L = inverseFactor(gram(X, k), k);
  const q: number[] = new Array(out * k);
  for (let o = 0; o < out; o++) {
    const w = Float64Array.from({ length: k }, (_, i) => W[o * k + i]);
    roundRow(w, L, k, -mmax, mmax, (i, r) => (q[o * k + i] = r));
  }
  return q;
}

/**
 * roundWithFeedback for sparse rows: each row rounds only its nonzero weights, with feedback among
 * them (H restricted to the row's columns), so a weight that is zero stays zero and the row keeps its
 * synapses. For the sparse layers of sigma-delta networks (a ramp reads one unit and the bias relay).
 */
export function roundSparseWithFeedback(
  W: readonly number[],
  out: number,
  k: number,
  X: Float64Array,
  mmax: number,
  mmin = -mmax - 1,
): number[] {
  const H = gram(X, k);
  const q: number[] = new Array(out * k).fill(0);
  for (let o = 0; o < out; o++) {
    const cols = [...Array(k).keys()].filter((i) => W[o * k + i] !== 0);
    const n = cols.length;
    if (n === 0) continue;
    const h = new Float64Array(n * n);
    cols.forEach((a, i) => cols.forEach((b, j) => (h[i * n + j] = H[a * k + b])));
    const w = Float64Array.from(cols, (i) => W[o * k + i]);
    roundRow(w, inverseFactor(h, n), n, mmin, mmax, (i, r) => (q[o * k + cols[i]] = r));
  }
  return q;
}
