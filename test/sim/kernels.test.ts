import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { assembleKernels, kernelsModuleSource } from '../../tools/build-wasm.mjs';
import { AdamMoments, deliverSpikes, denseBackward, denseForward, denseWithBias } from '../../src/sim/kernels.js';
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
  test('spike delivery (property)', () => {
    fc.assert(
      fc.property(
        shape.chain((s) => fc.tuple(fc.constant(s), arrayOf(s.batch * s.fanIn), arrayOf(s.fanIn * s.fanOut))),
        ([{ batch, fanIn, fanOut }, s, wt]) => {
          const a = new Float64Array(batch * fanOut).fill(7);
          const synops = deliverSpikes(s, wt, a, batch, fanIn, fanOut);
          expect(Array.from(a)).toEqual(Array.from(plain.deliver(s, wt, batch, fanIn, fanOut)));
          expect(synops).toBe(s.filter((x) => x !== 0).length * fanOut);
        },
      ),
    );
  });

  test('dense forward and backward (property)', () => {
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
        ([{ batch, fanIn, fanOut }, X, W, dY, k]) => {
          const [Y, Yp] = [dY.slice(), dY.slice()];
          denseForward(X, W, Y, batch, fanIn, fanOut, k);
          plain.forward(X, W, Yp, batch, fanIn, fanOut, k);
          expect(Array.from(Y)).toEqual(Array.from(Yp));
          const [dW, dWp] = [W.map((w) => w / 3), W.map((w) => w / 3)];
          const [dX, dXp] = [X.map((x) => -x), X.map((x) => -x)];
          denseBackward(X, W, dY, dW, dX, batch, fanIn, fanOut, k);
          plain.backward(X, W, dY, dWp, dXp, batch, fanIn, fanOut, k);
          expect(Array.from(dW)).toEqual(Array.from(dWp));
          expect(Array.from(dX)).toEqual(Array.from(dXp));
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
