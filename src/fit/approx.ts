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

/**
 * Fitting samples z (ascending) with their values y = f(z), computed once for the many fits a knot
 * search makes, with prefix sums of z, z^2, y and z y: on sorted samples each ramp's basis function is
 * linear between knots, so the normal equations of any knots come from O(K^2) differences of these sums
 * instead of a pass over every sample.
 */
export interface Samples {
  readonly z: Float64Array;
  readonly y: Float64Array;
  /** Prefix sums, [0, z0, z0 + z1, ...]: Pz of z, Pzz of z^2, Py of y, Pzy of z y. */
  readonly Pz: Float64Array;
  readonly Pzz: Float64Array;
  readonly Py: Float64Array;
  readonly Pzy: Float64Array;
  /** The sum of y^2. */
  readonly yy: number;
}

export function samplesOf(f: (z: number) => number, values: Float64Array): Samples {
  const z = Float64Array.from(values).sort();
  const y = Float64Array.from(z, f);
  const prefix = (term: (d: number) => number): Float64Array => {
    const p = new Float64Array(z.length + 1);
    for (let d = 0; d < z.length; d++) p[d + 1] = p[d] + term(d);
    return p;
  };
  let yy = 0;
  for (let d = 0; d < z.length; d++) yy += y[d] * y[d];
  return {
    z,
    y,
    Pz: prefix((d) => z[d]),
    Pzz: prefix((d) => z[d] * z[d]),
    Py: prefix((d) => y[d]),
    Pzy: prefix((d) => z[d] * y[d]),
    yy,
  };
}

/** The index of the first sample >= x. */
function lowerBound(z: Float64Array, x: number): number {
  let [lo, hi] = [0, z.length];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (z[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The normal equations A = sum phi phi^T, B = sum phi y of the ramp basis phi(z) = (1, how far z has
 * climbed each ramp) over the samples. Between knots a_r and a_r+1, phi is 1, the full widths of the
 * ramps below, z - a_r, then zeros: each entry is alpha + beta z, summed from the prefix sums.
 */
function normalEquations(knots: readonly number[], data: Samples): { A: Float64Array; B: Float64Array } {
  const K = knots.length - 1;
  const n = K + 1;
  const A = new Float64Array(n * n);
  const B = new Float64Array(n);
  const alpha = new Float64Array(n);
  const beta = new Float64Array(n);
  const { z, Pz, Pzz, Py, Pzy } = data;
  let start = 0;
  // region r holds the samples in [a_r, a_r+1); region -1 those below a_0, region K those from a_K on
  for (let r = -1; r <= K; r++) {
    const end = r < K ? lowerBound(z, knots[r + 1]) : z.length;
    if (end > start) {
      alpha.fill(0);
      beta.fill(0);
      alpha[0] = 1;
      for (let k = 0; k < r; k++) alpha[k + 1] = knots[k + 1] - knots[k];
      if (r >= 0 && r < K) [alpha[r + 1], beta[r + 1]] = [-knots[r], 1];
      const active = Math.min(r + 1, K) + 1;
      const count = end - start;
      const sz = Pz[end] - Pz[start];
      const szz = Pzz[end] - Pzz[start];
      const sy = Py[end] - Py[start];
      const szy = Pzy[end] - Pzy[start];
      for (let i = 0; i < active; i++) {
        B[i] += alpha[i] * sy + beta[i] * szy;
        for (let j = i; j < active; j++)
          A[i * n + j] +=
            alpha[i] * alpha[j] * count + (alpha[i] * beta[j] + alpha[j] * beta[i]) * sz + beta[i] * beta[j] * szz;
      }
    }
    start = end;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A[i * n + j] = A[j * n + i];
  return { A, B };
}

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
 * [lo, hi]; pulled halfway towards even spacing), or at `start` where the caller knows better, and
 * are then moved to minimise the fit error on them, no ramp narrower than (hi - lo) / 4K;
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
  start?: readonly number[],
): ChannelApprox {
  const f = activationFn(fn, table);
  let knots: number[];
  if (fn === 'pwl' && table) knots = [lo, ...table.x.filter((x) => x > lo && x < hi), hi];
  else {
    const clipped = Float64Array.from(s, (z) => Math.min(Math.max(z, lo), hi)).sort();
    knots = start
      ? [...start]
      : Array.from({ length: K + 1 }, (_, k) => (k === 0 ? lo : k === K ? hi : quantile(clipped, k / K)));
    if (fn === 'relu' && lo < 0 && hi > 0) knots = [...knots.filter((x) => x < 0), 0, ...knots.filter((x) => x > 0)];
    else if (fn !== 'relu' && K > 1 && hi > lo)
      knots = optimizeKnots(f, knots, samplesOf(f, subsample(s, lo, hi, 512)), (hi - lo) / (4 * K), start ? 0 : 0.5);
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
const fitError = (f: (z: number) => number, knots: readonly number[], data: Samples): number =>
  leastSquaresHeights(f, knots, data).mse;

/**
 * Interior knots moved, one at a time (golden-section search, a few sweeps), to minimise the
 * least-squares fit error on the samples; every ramp stays at least `minWidth` wide, because a
 * very narrow ramp needs a very small threshold, which integer weights cannot reach.
 */
function optimizeKnots(
  f: (z: number) => number,
  start: readonly number[],
  data: Samples,
  minWidth: number,
  pull = 0.5,
): number[] {
  const K = start.length - 1;
  const lo = start[0];
  const hi = start[K];
  // quantile knots pulled towards uniform ones, so no ramp starts narrower than minWidth
  const knots = start.map((x, k) => (k === 0 || k === K ? x : (1 - pull) * x + pull * (lo + ((hi - lo) * k) / K)));
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
 * keeps piecewise-linear ones exact; with the residual mean square, (sum y^2 - 2 x.B + x.A x) / n.
 */
export function leastSquaresHeights(
  f: (z: number) => number,
  knots: readonly number[],
  data: Samples,
): { constant: number; slopes: number[]; mse: number } {
  const K = knots.length - 1;
  const n = K + 1;
  const interp = [
    f(knots[0]),
    ...Array.from({ length: K }, (_, k) => (f(knots[k + 1]) - f(knots[k])) / (knots[k + 1] - knots[k])),
  ];
  const { A, B } = normalEquations(knots, data);
  const residual = (x: ArrayLike<number>): number => {
    let s = data.yy;
    for (let i = 0; i < n; i++) {
      s -= 2 * x[i] * B[i];
      for (let j = 0; j < n; j++) s += x[i] * A[i * n + j] * x[j];
    }
    return Math.max(s, 0) / Math.max(data.z.length, 1);
  };
  const ridge = 1e-6 * Math.max(1, data.z.length);
  const Ar = Float64Array.from(A);
  const Br = Float64Array.from(B);
  for (let i = 0; i < n; i++) {
    Ar[i * n + i] += ridge;
    Br[i] += ridge * interp[i];
  }
  let x: ArrayLike<number> = interp;
  try {
    const solved = solveSpd(Ar, Br, n, 1);
    if (solved.every(Number.isFinite)) x = solved;
  } catch {
    // a singular system keeps the interpolating heights
  }
  return { constant: x[0], slopes: Array.from(x).slice(1), mse: residual(x) };
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
