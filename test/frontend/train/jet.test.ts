import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { type Tf, loadTf } from '../../../src/frontend/index.js';
import { TRAINABLE_ACTIVATIONS, initMlp, mlpJet } from '../../../src/frontend/train/index.js';
import { activationFn } from '../../../src/ir/index.js';

let tf: Tf;
beforeAll(async () => {
  tf = await loadTf();
  await tf.setBackend('cpu');
});

describe('Taylor-mode derivatives match finite differences', () => {
  for (const act of TRAINABLE_ACTIVATIONS) {
    test(`${act}: du/dx_i and d2u/dx_i^2 of random MLPs`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 3 }), (seed, d) => {
          const domain = Array.from({ length: d }, (_, i) => [-1 - i, 2 + i] as const);
          const p = initMlp(tf, [d, 8, 8, 2], act, domain, seed);
          const pts = Array.from({ length: 5 }, (_, k) =>
            domain.map(([lo, hi], i) => lo + ((hi - lo) * ((k * 7 + i * 3 + seed) % 11)) / 11 + 0.013),
          );
          const first = Array.from({ length: d }, (_, i) => i);
          const jet = tf.tidy(() => {
            const j = mlpJet(tf, p, tf.tensor2d(pts), { first, second: first });
            return { d1: first.map((i) => j.d1(i).arraySync()), d2: first.map((i) => j.d2(i).arraySync()) };
          });
          // reference: the same network evaluated in float64, differentiated by central differences
          const W = p.W.map((w) => w.arraySync() as number[][]);
          const B = p.b.map((b) => b.arraySync() as number[]);
          const sigma = activationFn(act);
          // the signs of every hidden pre-activation: where they differ between the shifted points, a kink
          // (relu at 0) lies inside the stencil and central differences do not approximate the derivative
          const signs: string[] = [];
          const f = (x: number[][]): number[][] =>
            x.map((row, r) => {
              let h = row.map((v, i) => (v - p.inShift[i]) * p.inScale[i]);
              let pattern = '';
              W.forEach((w, l) => {
                const z = B[l].map((b, o) => b + h.reduce((s, v, i) => s + v * w[i][o], 0));
                if (l < W.length - 1) pattern += z.map((v) => (v > 0 ? '+' : '-')).join('');
                h = l === W.length - 1 ? z : z.map(sigma);
              });
              signs[r] = pattern;
              return h;
            });
          const h1 = 1e-4;
          let checked = 0;
          for (const i of first) {
            const shift = (s: number): number[][] => pts.map((r) => r.map((v, k) => (k === i ? v + s : v)));
            const up = f(shift(h1));
            const upSigns = [...signs];
            const dn = f(shift(-h1));
            const smooth = signs.map((s, r) => s === upSigns[r]);
            const mid = f(pts);
            const midSmooth = signs.map((s, r) => smooth[r] && s === upSigns[r]);
            checked += midSmooth.filter(Boolean).length;
            pts.forEach((_, r) => {
              if (!midSmooth[r]) return;
              for (let o = 0; o < 2; o++) {
                const fd1 = (up[r][o] - dn[r][o]) / (2 * h1);
                const fd2 = (up[r][o] - 2 * mid[r][o] + dn[r][o]) / (h1 * h1);
                expect(Math.abs(jet.d1[i][r][o] - fd1)).toBeLessThan(1e-4 * (1 + Math.abs(fd1)));
                expect(Math.abs(jet.d2[i][r][o] - fd2)).toBeLessThan(2e-3 * (1 + Math.abs(fd2)));
              }
            });
          }
          // kinks are rare: most points of every draw must still be checked, so the property cannot pass vacuously
          expect(checked).toBeGreaterThanOrEqual(Math.ceil((pts.length * d) / 2));
          p.W.forEach((w) => w.dispose());
          p.b.forEach((b) => b.dispose());
        }),
        { numRuns: 8 },
      );
    });
  }

  test('only the derivatives asked for are carried', () => {
    const p = initMlp(
      tf,
      [2, 4, 1],
      'tanh',
      [
        [0, 1],
        [0, 1],
      ],
      1,
    );
    const j = mlpJet(tf, p, tf.tensor2d([[0.5, 0.5]]), { first: [0, 1], second: [0] });
    expect(() => j.d2(1)).toThrow(/does not carry d2u\/dx1/);
  });
});
