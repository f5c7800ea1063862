import { describe, expect, test } from 'vitest';
import { activationFn } from '../../src/ir/index.js';
import { evalApprox, pwlApprox } from '../../src/passes/approx.js';

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
