/**
 * How many ramps each channel of an activation gets out of a layer's total, spent where the error is.
 *
 * A piecewise-linear fit of f with knot density rho(z) misses it, on inputs of density p, by about
 * MSE = integral p f''^2 / (120 rho^4) dz; with k knots placed best (rho ~ (p f''^2)^(1/5)) that is
 * I^5 / (120 k^4), I = integral (p f''^2)^(1/5) dz. A channel's error reaches the next layer scaled by
 * its column there (s = |W_next[:, c]|^2), so the layer's error sum_c s_c I_c^5 / k_c^4 under
 * sum_c k_c = total is least at k_c ~ s_c^(1/5) I_c: a channel whose inputs stay where f is nearly
 * linear needs a ramp or two, one spread over f's bend many (de Boor, "A Practical Guide to Splines",
 * ch. XII).
 */

/** Histogram bins over a channel's range for its density. */
const BINS = 32;

/** f'' by a central difference, at a step small against any activation's bend and large against rounding. */
const secondDerivative =
  (f: (z: number) => number) =>
  (z: number): number => {
    const h = 1e-3 * Math.max(1, Math.abs(z));
    return (f(z + h) - 2 * f(z) + f(z - h)) / (h * h);
  };

/**
 * Per bin of [lo, hi] (BINS of them), (p f''^2)^(1/5) times the bin's width, p the density of the samples
 * (those outside [lo, hi] counted at its ends): the terms of the integral I. All 0 where [lo, hi] is empty
 * or there are no samples.
 */
export function bendTerms(f: (z: number) => number, samples: ArrayLike<number>, lo: number, hi: number): Float64Array {
  if (!(hi > lo) || samples.length === 0) return new Float64Array(BINS);
  const width = (hi - lo) / BINS;
  const counts = new Float64Array(BINS);
  for (let i = 0; i < samples.length; i++)
    counts[Math.min(BINS - 1, Math.max(0, Math.floor((samples[i] - lo) / width)))]++;
  const d2 = secondDerivative(f);
  return counts.map((n, b) => ((n / (samples.length * width)) * d2(lo + (b + 0.5) * width) ** 2) ** 0.2 * width);
}

/** I, the integral of (p f''^2)^(1/5) over [lo, hi], from its terms (bendTerms). */
export const bendOf = (terms: Float64Array): number => terms.reduce((s, t) => s + t, 0);

/**
 * k + 1 knots over [lo, hi] at equal shares of I, from its terms (bendTerms over the same [lo, hi]): the
 * best knot density, rho ~ (p f''^2)^(1/5), linear within each bin; evenly spaced where I is 0.
 */
export function bendKnots(terms: Float64Array, lo: number, hi: number, k: number): number[] {
  const total = bendOf(terms);
  const width = (hi - lo) / BINS;
  if (!(total > 0)) return Array.from({ length: k + 1 }, (_, i) => lo + ((hi - lo) * i) / k);
  const knots = [lo];
  let [bin, below] = [0, 0];
  for (let i = 1; i < k; i++) {
    const want = (total * i) / k;
    while (bin < BINS - 1 && below + terms[bin] < want) below += terms[bin++];
    const into = terms[bin] > 0 ? Math.min(1, (want - below) / terms[bin]) : 0;
    knots.push(lo + (bin + into) * width);
  }
  knots.push(hi);
  return knots;
}

/**
 * Ramps per channel, summing to `total`, each within [least, most]: proportional to weight_c =
 * sensitivity_c^(1/5) * bend_c, rounded by largest remainders. Where every weight is 0, an even share.
 */
export function rampShares(weights: readonly number[], total: number, least: number, most: number): number[] {
  const n = weights.length;
  const sum = weights.reduce((s, w) => s + w, 0);
  const ideal = weights.map((w) => (sum > 0 ? (total * w) / sum : total / n));
  // clamp, then spread what the clamps took or gave over the unclamped channels, a few rounds
  let share = ideal.map((v) => Math.min(most, Math.max(least, v)));
  for (let round = 0; round < 8; round++) {
    const excess = share.reduce((s, v) => s + v, 0) - total;
    const free = share.map((v, c) => (excess > 0 ? v > least : v < most) && ideal[c] > 0);
    const freeSum = share.reduce((s, v, c) => s + (free[c] ? v : 0), 0);
    if (Math.abs(excess) < 1e-9 || freeSum <= 0) break;
    share = share.map((v, c) => (free[c] ? Math.min(most, Math.max(least, v - (excess * v) / freeSum)) : v));
  }
  const whole = share.map(Math.floor);
  let left = Math.round(share.reduce((s, v) => s + v, 0)) - whole.reduce((s, v) => s + v, 0);
  const byRemainder = share.map((v, c) => [v - whole[c], c] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, c] of byRemainder) {
    if (left <= 0) break;
    if (whole[c] < most) {
      whole[c]++;
      left--;
    }
  }
  return whole;
}
