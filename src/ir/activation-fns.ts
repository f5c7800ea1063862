import erf from '@stdlib/math-base-special-erf';
import type { ActivationFn, PwlTable } from './ops/ann.js';

/** A piecewise-linear table evaluated at x: interpolation between knots, constant beyond the end knots. */
export function evalPwl(t: PwlTable, x: number): number {
  const n = t.x.length;
  if (x <= t.x[0]) return t.y[0];
  if (x >= t.x[n - 1]) return t.y[n - 1];
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (t.x[mid] <= x) lo = mid;
    else hi = mid;
  }
  const f = (x - t.x[lo]) / (t.x[hi] - t.x[lo]);
  return t.y[lo] + f * (t.y[hi] - t.y[lo]);
}

const softplus = (x: number): number => (x > 30 ? x : Math.log1p(Math.exp(x)));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
/** The constants of GELU's tanh form (Hendrycks and Gimpel 2016), as PyTorch and Keras write them. */
export const GELU_TANH = { scale: Math.sqrt(2 / Math.PI), cubic: 0.044715 } as const;

/** The scalar function of an ann.act (the equations are stated on AnnAct). */
export function activationFn(fn: ActivationFn, table?: PwlTable): (x: number) => number {
  switch (fn) {
    case 'tanh':
      return Math.tanh;
    case 'sin':
      return Math.sin;
    case 'sigmoid':
      return sigmoid;
    case 'softplus':
      return softplus;
    case 'silu':
      return (x) => x * sigmoid(x);
    case 'gelu':
      return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'gelu_tanh':
      return (x) => 0.5 * x * (1 + Math.tanh(GELU_TANH.scale * (x + GELU_TANH.cubic * x * x * x)));
    case 'elu':
      return (x) => (x > 0 ? x : Math.expm1(x));
    case 'relu':
      return (x) => (x > 0 ? x : 0);
    case 'identity':
      return (x) => x;
    case 'pwl':
      if (!table) throw new Error('a pwl activation needs its table');
      return (x) => evalPwl(table, x);
  }
}
