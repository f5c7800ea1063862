import { describe, expect, test } from 'vitest';
import { roundWithFeedback } from '../../src/fit/feedback-rounding.js';

/** ||X (Q - W)^T||^2 summed over rows: what the rounding does to the inputs a synapse delivers. */
function outputError(W: readonly number[], Q: readonly number[], X: Float64Array, out: number, k: number): number {
  const batch = X.length / k;
  let e = 0;
  for (let b = 0; b < batch; b++)
    for (let o = 0; o < out; o++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += (Q[o * k + i] - W[o * k + i]) * X[b * k + i];
      e += s * s;
    }
  return e;
}

describe('rounding with feedback', () => {
  test('gives integers in range; over many layers its inputs are closer to the real ones than plain rounding', () => {
    let s = 12345;
    const rnd = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
    const [out, k, batch, mmax] = [3, 24, 64, 127];
    let [feedback, plain] = [0, 0];
    for (let layer = 0; layer < 50; layer++) {
      // saturated ramps: counts that are mostly 0 or 1, correlated across columns
      const X = Float64Array.from({ length: batch * k }, (_, idx) =>
        rnd() < 0.2 ? rnd() : (idx % k) / k < rnd() ? 1 : 0,
      );
      const W = Array.from({ length: out * k }, () => (rnd() * 2 - 1) * 40);
      const Q = roundWithFeedback(W, out, k, X, mmax);
      for (const q of Q) {
        expect(Number.isInteger(q)).toBe(true);
        expect(Math.abs(q)).toBeLessThanOrEqual(mmax);
      }
      feedback += outputError(W, Q, X, out, k);
      plain += outputError(W, W.map(Math.round), X, out, k);
    }
    expect(feedback).toBeLessThan(0.5 * plain);
  });

  test('clamps to the mantissa range', () => {
    const X = Float64Array.from({ length: 8 * 2 }, (_, i) => (i % 3) / 2);
    expect(roundWithFeedback([300, -300], 1, 2, X, 127)).toEqual([127, -127]);
  });
});
