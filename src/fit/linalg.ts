/** The lower Cholesky factor L of a symmetric positive definite A [n, n] (A = L L^T). Row-major. */
export function cholesky(A: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new Error('matrix is not positive definite');
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  }
  return L;
}

/** X^T X for the rows of X [batch, k]. */
export function gram(X: Float64Array, k: number): Float64Array {
  const G = new Float64Array(k * k);
  const batch = X.length / k;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < k; i++) {
      const xi = X[b * k + i];
      if (xi === 0) continue;
      for (let j = 0; j < k; j++) G[i * k + j] += xi * X[b * k + j];
    }
  }
  return G;
}

/**
 * Solves A X = B for symmetric positive definite A [n, n] and B [n, m] (Cholesky). Row-major. The
 * substitutions run along rows of X (contiguous) for all m columns at once; each X[i, c] still receives
 * its terms in order of k, as a column-by-column substitution would.
 */
export function solveSpd(A: Float64Array, B: Float64Array, n: number, m: number): Float64Array {
  const L = cholesky(A, n);
  const X = Float64Array.from(B);
  // L Y = B
  for (let i = 0; i < n; i++) {
    const row = i * m;
    for (let k = 0; k < i; k++) {
      const l = L[i * n + k];
      const from = k * m;
      for (let c = 0; c < m; c++) X[row + c] -= l * X[from + c];
    }
    const d = L[i * n + i];
    for (let c = 0; c < m; c++) X[row + c] /= d;
  }
  // L^T X = Y
  for (let i = n - 1; i >= 0; i--) {
    const row = i * m;
    for (let k = i + 1; k < n; k++) {
      const l = L[k * n + i];
      const from = k * m;
      for (let c = 0; c < m; c++) X[row + c] -= l * X[from + c];
    }
    const d = L[i * n + i];
    for (let c = 0; c < m; c++) X[row + c] /= d;
  }
  return X;
}

/** The largest |x| (0 for none); a loop, since spreading a large layer into Math.max overflows the stack. */
export function maxAbs(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]));
  return m;
}

/** The largest sum over a row of |W[o, i]| smax[i]: the worst-case input W [out, k] delivers for inputs up to smax. */
export function worstInput(W: readonly number[], out: number, k: number, smax: readonly number[]): number {
  let worst = 0;
  for (let o = 0; o < out; o++) {
    let sum = 0;
    for (let i = 0; i < k; i++) sum += Math.abs(W[o * k + i]) * smax[i];
    worst = Math.max(worst, sum);
  }
  return worst;
}

/** The box [min, max] per column that rows of points span. */
export function boxOf(rows: readonly (readonly number[])[]): [number, number][] {
  return rows[0].map((_, j) => {
    let [lo, hi] = [Infinity, -Infinity];
    for (const r of rows) [lo, hi] = [Math.min(lo, r[j]), Math.max(hi, r[j])];
    return [lo, hi] as [number, number];
  });
}
