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

export function roundWithFeedback(
  W: readonly number[],
  out: number,
  k: number,
  X: Float64Array,
  mmax: number,
): number[] {
  const H = gram(X, k);
  // damping keeps H invertible where inputs never vary (dead or always-saturated columns)
  let trace = 0;
  for (let i = 0; i < k; i++) trace += H[i * k + i];
  const damp = 0.01 * Math.max(trace / k, 1e-12);
  for (let i = 0; i < k; i++) H[i * k + i] += damp;
  const identity = new Float64Array(k * k);
  for (let i = 0; i < k; i++) identity[i * k + i] = 1;
  const Hinv = solveSpd(H, identity, k, k);
  // the upper Cholesky factor U of H^-1 (H^-1 = U^T U) is the transpose of its lower factor: U[i, j] = L[j, i]
  const L = cholesky(Hinv, k);
  const q: number[] = new Array(out * k);
  const w = new Float64Array(k);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < k; i++) w[i] = W[o * k + i];
    for (let i = 0; i < k; i++) {
      const r = Math.min(Math.max(Math.round(w[i]), -mmax), mmax) + 0;
      q[o * k + i] = r;
      const e = (w[i] - r) / L[i * k + i];
      for (let j = i + 1; j < k; j++) w[j] -= e * L[j * k + i];
    }
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
): number[] {
  const H = gram(X, k);
  const q: number[] = new Array(out * k).fill(0);
  for (let o = 0; o < out; o++) {
    const cols = [...Array(k).keys()].filter((i) => W[o * k + i] !== 0);
    const n = cols.length;
    if (n === 0) continue;
    const h = new Float64Array(n * n);
    let trace = 0;
    cols.forEach((a, i) => cols.forEach((b, j) => (h[i * n + j] = H[a * k + b])));
    for (let i = 0; i < n; i++) trace += h[i * n + i];
    const damp = 0.01 * Math.max(trace / n, 1e-12);
    for (let i = 0; i < n; i++) h[i * n + i] += damp;
    const identity = new Float64Array(n * n);
    for (let i = 0; i < n; i++) identity[i * n + i] = 1;
    const L = cholesky(solveSpd(h, identity, n, n), n);
    const w = Float64Array.from(cols, (i) => W[o * k + i]);
    for (let i = 0; i < n; i++) {
      const r = Math.min(Math.max(Math.round(w[i]), -mmax - 1), mmax) + 0;
      q[o * k + cols[i]] = r;
      const e = (w[i] - r) / L[i * n + i];
      for (let j = i + 1; j < n; j++) w[j] -= e * L[j * n + i];
    }
  }
  return q;
}
