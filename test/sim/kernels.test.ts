import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { assembleKernels, kernelsModuleSource } from '../../tools/build-wasm.mjs';
import { AdamMoments, denseWithBias } from '../../src/sim/kernels.js';
import { Arena, type Slot } from '../../src/sim/arena.js';
import { KernelModule } from '../../src/sim/wasm.js';
import { KERNELS_WASM_BASE64 } from '../../src/sim/kernels-wasm.js';
import { readFileSync } from 'node:fs';

/** The plain loops the kernels replace, term by term in the same order: the kernels must equal them bit for bit. */
const plain = {
  deliver(s: Float64Array, wt: Float64Array, batch: number, fanIn: number, fanOut: number): Float64Array {
    const a = new Float64Array(batch * fanOut);
    for (let b = 0; b < batch; b++)
      for (let j = 0; j < fanIn; j++) {
        const sp = s[b * fanIn + j];
        if (sp === 0) continue;
        for (let o = 0; o < fanOut; o++) a[b * fanOut + o] += sp * wt[j * fanOut + o];
      }
    return a;
  },
  forward(X: Float64Array, W: Float64Array, Y: Float64Array, batch: number, fanIn: number, fanOut: number, k: number) {
    for (let b = 0; b < batch; b++)
      for (let o = 0; o < fanOut; o++) {
        let s = 0;
        for (let i = 0; i < fanIn; i++) s += X[b * fanIn + i] * W[o * fanIn + i];
        Y[b * fanOut + o] += k * s;
      }
  },
  backward(
    X: Float64Array,
    W: Float64Array,
    dY: Float64Array,
    dW: Float64Array,
    dX: Float64Array,
    batch: number,
    fanIn: number,
    fanOut: number,
    k: number,
  ) {
    for (let b = 0; b < batch; b++)
      for (let o = 0; o < fanOut; o++) {
        const g = k * dY[b * fanOut + o];
        if (g === 0) continue;
        for (let i = 0; i < fanIn; i++) dW[o * fanIn + i] += g * X[b * fanIn + i];
        for (let i = 0; i < fanIn; i++) dX[b * fanIn + i] += g * W[o * fanIn + i];
      }
  },
};

/** Named arrays of the given lengths in a fresh kernel module's memory, and its functions. */
function onKernels<K extends string>(sizes: Record<K, number>): Record<K, Slot> & { fn: KernelModule['fn'] } {
  const arena = new Arena(new KernelModule());
  const slots = Object.fromEntries(Object.entries<number>(sizes).map(([key, n]) => [key, arena.alloc(n)]));
  arena.commit();
  return { ...(slots as Record<K, Slot>), fn: arena.mod.fn };
}

const shape = fc.record({
  batch: fc.integer({ min: 1, max: 9 }),
  fanIn: fc.integer({ min: 1, max: 11 }),
  fanOut: fc.integer({ min: 1, max: 11 }),
});
/** Values with exact zeros, signs, counts and awkward magnitudes, so rounding differences would show. */
const value = fc.oneof(
  fc.constant(0),
  fc.integer({ min: -64, max: 64 }),
  fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true }),
);
const arrayOf = (n: number) => fc.array(value, { minLength: n, maxLength: n }).map((a) => Float64Array.from(a));

describe('kernels (WebAssembly SIMD) equal the plain loops bit for bit', () => {
  test('spike delivery: add_products from zeros (property)', () => {
    fc.assert(
      fc.property(
        shape.chain((s) => fc.tuple(fc.constant(s), arrayOf(s.batch * s.fanIn), arrayOf(s.fanIn * s.fanOut))),
        ([{ batch, fanIn, fanOut }, s, wt]) => {
          const k = onKernels({ a: batch * fanOut, s: s.length, wt: wt.length, offs: fanIn, facs: fanIn });
          k.a.view.fill(0);
          k.s.view.set(s);
          k.wt.view.set(wt);
          const nonzero = k.fn.add_products(k.a.at, k.s.at, k.wt.at, batch, fanIn, fanOut, k.offs.at, k.facs.at);
          expect(Array.from(k.a.view)).toEqual(Array.from(plain.deliver(s, wt, batch, fanIn, fanOut)));
          expect(nonzero).toBe(s.filter((x) => x !== 0).length);
        },
      ),
    );
  });

  test("the count model's dense forward and backward, as its kernels compose them (property)", () => {
    fc.assert(
      fc.property(
        shape.chain((s) =>
          fc.tuple(
            fc.constant(s),
            arrayOf(s.batch * s.fanIn),
            arrayOf(s.fanOut * s.fanIn),
            arrayOf(s.batch * s.fanOut),
            fc.constantFrom(1, 64, 0.37),
          ),
        ),
        ([{ batch, fanIn, fanOut }, X, W, dY, scale]) => {
          const most = Math.max(batch, fanIn, fanOut);
          const k = onKernels({
            ...{ X: X.length, W: W.length, Wt: W.length, Y: dY.length, dots: dY.length, dY: dY.length },
            ...{ G: dY.length, GT: dY.length, dW: W.length, dX: X.length, offs: most, facs: most },
          });
          const scratch = [k.offs.at, k.facs.at] as const;
          [k.X, k.W, k.Y, k.dY].forEach((slot, i) => slot.view.set([X, W, dY, dY][i]));
          // forward: Y += scale (X W^T), the product summed from zeros
          k.fn.transpose(k.Wt.at, k.W.at, fanOut, fanIn);
          k.dots.view.fill(0);
          k.fn.add_products(k.dots.at, k.X.at, k.Wt.at, batch, fanIn, fanOut, ...scratch);
          k.fn.add_scaled(k.Y.at, k.dots.at, dY.length, scale);
          const Yp = dY.slice();
          plain.forward(X, W, Yp, batch, fanIn, fanOut, scale);
          expect(Array.from(k.Y.view)).toEqual(Array.from(Yp));
          // backward: G = scale dY; dW += G^T X; dX += G W
          const [dWp, dXp] = [W.map((w) => w / 3), X.map((x) => -x)];
          k.dW.view.set(dWp);
          k.dX.view.set(dXp);
          k.G.view.fill(0);
          k.fn.add_scaled(k.G.at, k.dY.at, dY.length, scale);
          k.fn.transpose(k.GT.at, k.G.at, batch, fanOut);
          k.fn.add_products(k.dW.at, k.GT.at, k.X.at, fanOut, batch, fanIn, ...scratch);
          k.fn.add_products(k.dX.at, k.G.at, k.W.at, batch, fanOut, fanIn, ...scratch);
          plain.backward(X, W, dY, dWp, dXp, batch, fanIn, fanOut, scale);
          expect(Array.from(k.dW.view)).toEqual(Array.from(dWp));
          expect(Array.from(k.dX.view)).toEqual(Array.from(dXp));
        },
      ),
    );
  });

  test("the count model's rounding forward and straight-through backward (property)", () => {
    fc.assert(
      fc.property(
        fc
          .record({
            rows: fc.integer({ min: 1, max: 5 }),
            n: fc.integer({ min: 1, max: 7 }),
            T: fc.integer({ min: 1, max: 64 }),
            theta: fc.oneof(fc.constant(1), fc.double({ min: 0.01, max: 4, noNaN: true })),
            mode: fc.integer({ min: 0, max: 3 }),
          })
          .chain((p) =>
            fc.tuple(
              fc.constant(p),
              arrayOf(p.rows * p.n),
              arrayOf(p.n),
              arrayOf(p.n).map((b) => b.map((x) => x / 64)),
              arrayOf(p.rows * p.n),
            ),
          ),
        ([{ rows, n, T, theta, mode }, pre, opening, bias, dY]) => {
          const total = rows * n;
          const k = onKernels({ pre: total, count: total, o: total, b: total, dY: total, dS: total, db: n });
          k.pre.view.set(pre);
          k.dY.view.set(dY);
          for (let r = 0; r < rows; r++) {
            k.o.view.set(opening, r * n);
            k.b.view.set(bias, r * n);
          }
          const signed = mode % 2 === 1;
          const lo = signed ? -T : 0;
          k.fn.count_forward(k.pre.at, k.count.at, k.o.at, k.b.at, total, T, theta, lo, mode);
          const [q, count] = [new Float64Array(total), new Float64Array(total)];
          for (let i = 0; i < total; i++) {
            q[i] = (opening[i % n] + pre[i] + T * bias[i % n]) / theta;
            const r = mode < 2 ? (signed ? Math.trunc(q[i]) : Math.floor(q[i])) : signed ? q[i] : q[i] - 0.5;
            count[i] = Math.min(Math.max(r, lo), T);
          }
          expect([Array.from(k.pre.view), Array.from(k.count.view)]).toEqual([Array.from(q), Array.from(count)]);
          const [glo, ghi] = signed ? [-T, T] : [0.5, T + 0.5];
          k.db.view.fill(0);
          k.fn.count_backward(k.pre.at, k.dY.at, k.dS.at, k.db.at, rows, n, glo, ghi, theta, T);
          const [dS, db] = [new Float64Array(total), new Float64Array(n)];
          for (let i = 0; i < total; i++) {
            if (q[i] < glo || q[i] > ghi) continue;
            dS[i] = dY[i] / theta;
            db[i % n] += T * dS[i];
          }
          expect([Array.from(k.dS.view), Array.from(k.db.view)]).toEqual([Array.from(dS), Array.from(db)]);
        },
      ),
    );
  });

  test('scale_floor is the integer shift of a synapse: floor(a / 2^-e), a 2^e (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { minLength: 1, maxLength: 9 }),
        fc.integer({ min: -12, max: 6 }),
        (a, e) => {
          const k = onKernels({ a: a.length });
          k.a.view.set(a);
          k.fn.scale_floor(k.a.at, a.length, 2 ** e);
          expect(Array.from(k.a.view)).toEqual(a.map((x) => (e >= 0 ? x * 2 ** e : Math.floor(x / 2 ** -e))));
        },
      ),
    );
  });

  test('dense with bias starts each sum at the bias', () => {
    const [batch, k, w] = [3, 5, 4];
    const x = Float64Array.from({ length: batch * k }, (_, i) => Math.sin(i) * 3);
    const W = Float64Array.from({ length: w * k }, (_, i) => Math.cos(i * 1.7));
    const bias = Float64Array.from({ length: w }, (_, i) => 0.1 * i - 0.2);
    const out = new Float64Array(batch * w);
    denseWithBias(x, W, bias, out, batch, k, w);
    for (let r = 0; r < batch; r++)
      for (let o = 0; o < w; o++) {
        let s = bias[o];
        for (let i = 0; i < k; i++) s += W[o * k + i] * x[r * k + i];
        expect(out[r * w + o]).toBe(s);
      }
  });

  test('Adam moments update exactly as the float64 formula, tensor by tensor', () => {
    const sizes = [5, 2, 1];
    const adam = new AdamMoments(sizes);
    const xs = sizes.map((n, t) => Float64Array.from({ length: n }, (_, i) => Math.sin(i + t)));
    const ref = xs.map((x) => ({ x: x.slice(), m: new Float64Array(x.length), v: new Float64Array(x.length) }));
    const [b1, b2] = [0.9, 0.999];
    for (let step = 1; step <= 3; step++) {
      const [c1, c2] = [1 - b1 ** step, 1 - b2 ** step];
      xs.forEach((x, t) => {
        const g = Float64Array.from(x, (v, i) => Math.cos(v * step + i) - 0.3 * t);
        adam.update(t, x, g, b1, b2, c1, c2, 0.01 * step);
        const r = ref[t];
        for (let i = 0; i < x.length; i++) {
          r.m[i] = b1 * r.m[i] + (1 - b1) * g[i];
          r.v[i] = b2 * r.v[i] + (1 - b2) * g[i] * g[i];
          r.x[i] -= (0.01 * step * (r.m[i] / c1)) / (Math.sqrt(r.v[i] / c2) + 1e-12);
        }
        expect(Array.from(x)).toEqual(Array.from(r.x));
      });
    }
  });
});

test('src/sim/kernels-wasm.ts is kernels.wat assembled (npm run build:wasm)', async () => {
  const bytes = await assembleKernels();
  expect(Buffer.from(KERNELS_WASM_BASE64, 'base64').equals(bytes)).toBe(true);
  expect(readFileSync(new URL('../../src/sim/kernels-wasm.ts', import.meta.url), 'utf8')).toBe(
    kernelsModuleSource(bytes),
  );
});
