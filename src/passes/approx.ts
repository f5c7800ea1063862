import { type ActivationFn, type PwlTable, activationFn } from '../ir/index.js';
import { solveSpd } from './linalg.js';
import { quantile } from './stats.js';

/**
 * One spiking unit: an IF neuron whose rate r (in [0, 1], or [-1, 1] when signed) approximates
 *   clamp((z - offset) / theta, 0 or -1, 1),   contributing slope * theta * r to the activation.
 */
export interface Unit {
  readonly offset: number;
  readonly theta: number;
  readonly slope: number;
  readonly signed: boolean;
}

/** f(z) ~ constant + sum over units of slope * theta * clamp((z - offset) / theta, lo, 1). */
export interface ChannelApprox {
  readonly constant: number;
  readonly units: readonly Unit[];
}

export function evalApprox(a: ChannelApprox, z: number): number {
  let y = a.constant;
  for (const u of a.units) y += u.slope * u.theta * Math.min(Math.max((z - u.offset) / u.theta, u.signed ? -1 : 0), 1);
  return y;
}

/** Fitting samples z with their values y = f(z), computed once for the many fits a search makes. */
interface Samples {
  readonly z: Float64Array;
  readonly y: Float64Array;
}

const samplesOf = (f: (z: number) => number, z: Float64Array): Samples => ({ z, y: Float64Array.from(z, f) });

function mse(a: ChannelApprox, { z, y }: Samples): number {
  let s = 0;
  for (let d = 0; d < z.length; d++) s += (y[d] - evalApprox(a, z[d])) ** 2;
  return s / Math.max(z.length, 1);
}

const ramp = (f: (z: number) => number, a: number, b: number): Unit => ({
  offset: a,
  theta: b - a,
  slope: (f(b) - f(a)) / (b - a),
  signed: false,
});

/** Every 1/m-th value of sorted samples clipped to [lo, hi], at most `m` values (for fitting). */
function subsample(s: Float64Array, lo: number, hi: number, m = 256): Float64Array {
  const step = Math.max(1, Math.floor(s.length / m));
  const out: number[] = [];
  for (let i = 0; i < s.length; i += step) out.push(Math.min(Math.max(s[i], lo), hi));
  return Float64Array.from(out);
}

/**
 * pwl: K clipped ramps between knots that start at quantiles of the calibration samples (clipped to
 * [lo, hi]) and are then moved to minimise the fit error on them, no ramp narrower than (hi - lo) / 4K;
 * a pwl activation uses its own table's knots, relu gets a knot at 0; flat ramps are dropped and
 * neighbours of equal slope merged, so piecewise-linear functions are represented exactly.
 */
export function pwlApprox(
  fn: ActivationFn,
  table: PwlTable | undefined,
  s: Float64Array,
  lo: number,
  hi: number,
  K: number,
): ChannelApprox {
  const f = activationFn(fn, table);
  let knots: number[];
  if (fn === 'pwl' && table) knots = [lo, ...table.x.filter((x) => x > lo && x < hi), hi];
  else {
    const clipped = Float64Array.from(s, (z) => Math.min(Math.max(z, lo), hi)).sort();
    knots = Array.from({ length: K + 1 }, (_, k) => (k === 0 ? lo : k === K ? hi : quantile(clipped, k / K)));
    if (fn === 'relu' && lo < 0 && hi > 0) knots = [...knots.filter((x) => x < 0), 0, ...knots.filter((x) => x > 0)];
    else if (fn !== 'relu' && K > 1 && hi > lo)
      knots = optimizeKnots(f, knots, samplesOf(f, subsample(s, lo, hi, 512)), (hi - lo) / (4 * K));
  }
  const gap = (hi - lo) * 1e-3;
  const clean = [knots[0]];
  for (const x of knots.slice(1)) if (x - clean[clean.length - 1] > gap) clean.push(x);
  if (clean.length === 1) clean.push(clean[0] + Math.max(gap, 1e-6));
  const fitted = leastSquaresHeights(f, clean, samplesOf(f, subsample(s, lo, hi, 1024)));
  const units: Unit[] = [];
  for (let k = 0; k + 1 < clean.length; k++) {
    const u = { ...ramp(f, clean[k], clean[k + 1]), slope: fitted.slopes[k] };
    if (Math.abs(u.slope * u.theta) < 1e-9 * Math.max(1, Math.abs(f(clean[k])))) continue;
    const prev = units[units.length - 1];
    if (
      prev &&
      Math.abs(prev.slope - u.slope) <= 1e-9 * Math.max(1, Math.abs(u.slope)) &&
      Math.abs(prev.offset + prev.theta - u.offset) < 1e-12
    ) {
      units[units.length - 1] = { ...prev, theta: prev.theta + u.theta };
    } else units.push(u);
  }
  return { constant: fitted.constant, units };
}

/** Residual mean square of the least-squares fit with these knots. */
function fitError(f: (z: number) => number, knots: readonly number[], data: Samples): number {
  const { constant, slopes } = leastSquaresHeights(f, knots, data);
  const units = slopes.map((slope, k) => ({ offset: knots[k], theta: knots[k + 1] - knots[k], slope, signed: false }));
  return mse({ constant, units }, data);
}

/**
 * Interior knots moved, one at a time (golden-section search, a few sweeps), to minimise the
 * least-squares fit error on the samples; every ramp stays at least `minWidth` wide, because a
 * very narrow ramp needs a very small threshold, which integer weights cannot reach.
 */
function optimizeKnots(f: (z: number) => number, start: readonly number[], data: Samples, minWidth: number): number[] {
  const K = start.length - 1;
  const lo = start[0];
  const hi = start[K];
  // quantile knots pulled towards uniform ones, so no ramp starts narrower than minWidth
  const knots = start.map((x, k) => (k === 0 || k === K ? x : 0.5 * x + 0.5 * (lo + ((hi - lo) * k) / K)));
  for (let k = 1; k < K; k++) knots[k] = Math.max(knots[k], knots[k - 1] + minWidth);
  for (let k = K - 1; k >= 1; k--) knots[k] = Math.min(knots[k], knots[k + 1] - minWidth);
  if (knots.some((x, k) => k > 0 && !(x - knots[k - 1] >= minWidth * 0.999))) return [...start];
  let best = fitError(f, knots, data);
  const phi = (Math.sqrt(5) - 1) / 2;
  for (let sweep = 0; sweep < 4; sweep++) {
    for (let k = 1; k < K; k++) {
      let a = knots[k - 1] + minWidth;
      let b = knots[k + 1] - minWidth;
      if (!(b > a)) continue;
      const at = (x: number): number => {
        const trial = [...knots];
        trial[k] = x;
        return fitError(f, trial, data);
      };
      let c = b - phi * (b - a);
      let d = a + phi * (b - a);
      let fc = at(c);
      let fd = at(d);
      for (let it = 0; it < 16; it++) {
        if (fc < fd) {
          b = d;
          d = c;
          fd = fc;
          c = b - phi * (b - a);
          fc = at(c);
        } else {
          a = c;
          c = d;
          fc = fd;
          d = a + phi * (b - a);
          fd = at(d);
        }
      }
      const x = fc < fd ? c : d;
      const e = Math.min(fc, fd);
      if (e < best) [best, knots[k]] = [e, x];
    }
  }
  return knots;
}

/**
 * Heights of the ramps between fixed knots by least squares over the samples (ridge-regularised
 * towards interpolation), which halves the error of plain interpolation for curved activations and
 * keeps piecewise-linear ones exact.
 */
function leastSquaresHeights(
  f: (z: number) => number,
  knots: readonly number[],
  data: Samples,
): { constant: number; slopes: number[] } {
  const K = knots.length - 1;
  const n = K + 1;
  const interp = [
    f(knots[0]),
    ...Array.from({ length: K }, (_, k) => (f(knots[k + 1]) - f(knots[k])) / (knots[k + 1] - knots[k])),
  ];
  // the basis of a sample: 1, then how far z has climbed each ramp
  const phi = new Float64Array(n);
  phi[0] = 1;
  const A = new Float64Array(n * n);
  const B = new Float64Array(n);
  const { z: zs, y: ys } = data;
  for (let d = 0; d < zs.length; d++) {
    const z = zs[d];
    for (let k = 0; k < K; k++) phi[k + 1] = Math.min(Math.max(z - knots[k], 0), knots[k + 1] - knots[k]);
    const y = ys[d];
    // the upper triangle only: A is symmetric, and phi[i] phi[j] = phi[j] phi[i] exactly
    for (let i = 0; i < n; i++) {
      B[i] += phi[i] * y;
      for (let j = i; j < n; j++) A[i * n + j] += phi[i] * phi[j];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A[i * n + j] = A[j * n + i];
  const ridge = 1e-6 * Math.max(1, zs.length);
  for (let i = 0; i < n; i++) {
    A[i * n + i] += ridge;
    B[i] += ridge * interp[i];
  }
  try {
    const x = solveSpd(A, B, n, 1);
    if (!x.every(Number.isFinite)) throw new Error('not finite');
    return { constant: x[0], slopes: Array.from(x.subarray(1)) };
  } catch {
    return { constant: interp[0], slopes: interp.slice(1) };
  }
}

/** clip: the one clipped ramp (what ReLU-only converters use) that best fits f on the samples. */
export function clipApprox(
  fn: ActivationFn,
  table: PwlTable | undefined,
  s: Float64Array,
  lo: number,
  hi: number,
): ChannelApprox {
  const f = activationFn(fn, table);
  const data = subsample(s, lo, hi);
  const samples = samplesOf(f, data);
  const qs = [0, 0.01, 0.03, 0.1, 0.2, 0.3, 0.4];
  const starts = [...qs.map((q) => quantile(data, q)), ...(fn === 'relu' && lo < 0 && hi > 0 ? [0] : [])];
  const ends = qs.map((q) => quantile(data, 1 - q));
  let best: ChannelApprox = { constant: f(lo), units: [ramp(f, lo, hi)] };
  let bestErr = mse(best, samples);
  for (const a of starts) {
    for (const b of ends) {
      if (!(b - a > (hi - lo) * 1e-3)) continue;
      const cand = { constant: f(a), units: [ramp(f, a, b)] };
      const e = mse(cand, samples);
      if (e < bestErr) [best, bestErr] = [cand, e];
    }
  }
  return best;
}

/** signed: one ternary unit, f ~ c + s clamp(z - m, -theta, theta), best fit on the samples. */
export function signedApprox(
  fn: ActivationFn,
  table: PwlTable | undefined,
  s: Float64Array,
  lo: number,
  hi: number,
): ChannelApprox {
  const f = activationFn(fn, table);
  const data = subsample(s, lo, hi);
  const samples = samplesOf(f, data);
  const centres = [0.5, 0.4, 0.6, 0.3, 0.7].map((q) => quantile(data, q));
  if (lo < 0 && hi > 0) centres.push(0);
  let best: ChannelApprox | undefined;
  let bestErr = Infinity;
  for (const m of centres) {
    const reach = Math.max(hi - m, m - lo);
    for (const frac of [1, 0.8, 0.6, 0.45, 0.3, 0.2, 0.1]) {
      const theta = reach * frac;
      if (!(theta > 0)) continue;
      const slope = (f(m + theta) - f(m - theta)) / (2 * theta);
      const cand: ChannelApprox = {
        constant: (f(m + theta) + f(m - theta)) / 2,
        units: [{ offset: m, theta, slope, signed: true }],
      };
      const e = mse(cand, samples);
      if (e < bestErr) [best, bestErr] = [cand, e];
    }
  }
  return best!;
}
