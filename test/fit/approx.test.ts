import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { activationFn } from '../../src/ir/index.js';
import { evalApprox, leastSquaresHeights, pwlApprox, samplesOf } from '../../src/fit/approx.js';

/** Skewed pre-activations: most mass near 0.3, a long tail to 3 (as a tanh layer's inputs often are). */
const samples = Float64Array.from(
  { length: 2000 },
  (_, i) => 0.3 + 2.7 * ((i + 0.5) / 2000) ** 3 - 1.2 * ((2000 - i) / 2000) ** 4,
).sort();
const rms = (fn: 'tanh' | 'sin' | 'silu', K: number): number => {
  const f = activationFn(fn);
  const a = pwlApprox(fn, undefined, samples, samples[0], samples[samples.length - 1], K);
  let s = 0;
  for (const z of samples) s += (f(z) - evalApprox(a, z)) ** 2;
  return Math.sqrt(s / samples.length);
};

describe('pwl knots', () => {
  test('no ramp is narrower than 1/(4K) of the range', () => {
    for (const fn of ['tanh', 'sin', 'silu'] as const) {
      for (const K of [2, 4, 8]) {
        const [lo, hi] = [samples[0], samples[samples.length - 1]];
        const a = pwlApprox(fn, undefined, samples, lo, hi, K);
        for (const u of a.units) expect(u.theta).toBeGreaterThanOrEqual(((hi - lo) / (4 * K)) * 0.999);
      }
    }
  });

  test('the fit error falls as K grows, at least as fast as 1/K', () => {
    for (const fn of ['tanh', 'sin', 'silu'] as const) {
      const errs = [2, 4, 8].map((K) => rms(fn, K));
      for (let i = 1; i < errs.length; i++) expect(errs[i]).toBeLessThan(errs[i - 1] * 0.55);
    }
  });
});

describe('least-squares ramp heights from prefix sums', () => {
  /** The basis and residual the fit stands for, one sample at a time. */
  const plainResidual = (f: (z: number) => number, knots: number[], z: Float64Array, x: number[]): number => {
    let s = 0;
    for (const v of z) {
      let y = x[0];
      for (let k = 0; k + 1 < knots.length; k++)
        y += x[k + 1] * Math.min(Math.max(v - knots[k], 0), knots[k + 1] - knots[k]);
      s += (f(v) - y) ** 2;
    }
    return s / z.length;
  };

  test('the residual equals the per-sample residual, and the heights minimise it', () => {
    const f = activationFn('tanh');
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 3, maxLength: 200 }),
        fc.double({ min: -3, max: 1, noNaN: true }),
        fc.array(fc.double({ min: 0.01, max: 2, noNaN: true }), { minLength: 1, maxLength: 5 }),
        (zs, first, gaps) => {
          const knots = gaps.reduce((ks, g) => [...ks, ks[ks.length - 1] + g], [first]);
          const data = samplesOf(f, Float64Array.from(zs));
          const fit = leastSquaresHeights(f, knots, data);
          const x = [fit.constant, ...fit.slopes];
          const plain = plainResidual(f, knots, data.z, x);
          expect(Math.abs(fit.mse - plain)).toBeLessThan(1e-9 * Math.max(1, plain));
          // nudging any height does not lower the residual beyond the ridge's pull
          for (let i = 0; i < x.length; i++)
            for (const h of [-1e-3, 1e-3]) {
              const y = x.map((v, j) => (j === i ? v + h : v));
              expect(plainResidual(f, knots, data.z, y)).toBeGreaterThan(plain - 1e-6);
            }
        },
      ),
      { numRuns: 200, seed: 42 },
    );
  });
});
