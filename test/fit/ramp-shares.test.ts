import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { evalApprox, leastSquaresHeights, pwlApprox, samplesOf } from '../../src/fit/approx.js';
import { bendKnots, bendOf, bendTerms, rampShares } from '../../src/fit/ramp-shares.js';

/** n samples evenly spread over [lo, hi], sorted. */
const spread = (lo: number, hi: number, n = 400): Float64Array =>
  Float64Array.from({ length: n }, (_, i) => lo + ((hi - lo) * (i + 0.5)) / n);

/** The mean square of a channel's pwl fit with k ramps against tanh on its samples. */
const fitError = (s: Float64Array, k: number): number => {
  const a = pwlApprox('tanh', undefined, s, s[0], s[s.length - 1], k);
  return s.reduce((sum, z) => sum + (evalApprox(a, z) - Math.tanh(z)) ** 2, 0) / s.length;
};

describe('ramp shares', () => {
  test('sum to the total, each within its bounds, more weight never fewer ramps (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 4, max: 16 }),
        (weights, least, K) => {
          const most = 3 * K;
          const shares = rampShares(weights, K * weights.length, least, most);
          expect(shares.reduce((s, v) => s + v, 0)).toBe(K * weights.length);
          shares.forEach((k) => {
            expect(k).toBeGreaterThanOrEqual(least);
            expect(k).toBeLessThanOrEqual(most);
          });
          // rounding may part two channels by one ramp at most
          weights.forEach((w, i) =>
            weights.forEach((v, j) => {
              if (w > v) expect(shares[i]).toBeGreaterThanOrEqual(shares[j] - 1);
            }),
          );
        },
      ),
    );
  });

  test("a channel where tanh is straight has little bend; one across tanh's knee much", () => {
    const straight = bendOf(bendTerms(Math.tanh, spread(-0.1, 0.1), -0.1, 0.1));
    const knee = bendOf(bendTerms(Math.tanh, spread(-3, 3), -3, 3));
    expect(straight).toBeLessThan(0.1 * knee);
    // far in the tails tanh is flat again
    expect(bendOf(bendTerms(Math.tanh, spread(6, 8), 6, 8))).toBeLessThan(0.01 * knee);
  });

  test('the same ramps shared by bend fit a layer closer than an even share', () => {
    // four channels: two straight, two across the knee (what threshold-balance hands the lowering)
    const channels = [spread(-0.2, 0.3), spread(-2.5, 3), spread(0.1, 0.4), spread(-4, 1.5)];
    const K = 6;
    const weights = channels.map((s) => bendOf(bendTerms(Math.tanh, s, s[0], s[s.length - 1])));
    const shares = rampShares(weights, K * channels.length, 2, 3 * K);
    expect(shares[1] + shares[3]).toBeGreaterThan(shares[0] + shares[2]);
    const layerError = (ks: readonly number[]): number => channels.reduce((s, c, i) => s + fitError(c, ks[i]), 0);
    expect(layerError(shares)).toBeLessThan(0.5 * layerError(channels.map(() => K)));
  });

  test('knots start where tanh bends, not where its inputs crowd: a closer start for the fit', () => {
    // inputs crowded around 0, where tanh is straight: quantiles put most knots there
    const crowded = Float64Array.from(
      { length: 800 },
      (_, i) => (3 * Math.sinh(4 * ((i + 0.5) / 800 - 0.5))) / Math.sinh(2),
    ).sort();
    const [lo, hi] = [crowded[0], crowded[crowded.length - 1]];
    const knots = bendKnots(bendTerms(Math.tanh, crowded, lo, hi), lo, hi, 8);
    expect(knots.length).toBe(9);
    expect(knots[0]).toBe(lo);
    expect(knots[8]).toBe(hi);
    knots.slice(1).forEach((x, i) => expect(x).toBeGreaterThan(knots[i]));
    // the two ramps around 0, where tanh is straight, wider than the quantiles make them (1.12 against 0.86)
    const quantiles = Array.from({ length: 9 }, (_, k) => crowded[Math.round((k / 8) * (crowded.length - 1))]);
    expect(knots[5] - knots[3]).toBeGreaterThan(1.2 * (quantiles[5] - quantiles[3]));
    // as a start, the least-squares fit on them is closer than on the quantiles (pwlApprox then moves either)
    const data = samplesOf(Math.tanh, crowded);
    const mse = (xs: readonly number[]): number => leastSquaresHeights(Math.tanh, xs, data).mse;
    expect(mse(knots)).toBeLessThan(0.9 * mse(quantiles));
    // a straight stretch has no bend: even spacing
    expect(
      bendKnots(
        bendTerms((z) => 2 * z, crowded, -1, 1),
        -1,
        1,
        4,
      ),
    ).toEqual([-1, -0.5, 0, 0.5, 1]);
  });
});
