import { KernelModule } from './wasm.js';

/**
 * Kernels on plain arrays, for callers whose data does not live in a kernel module's memory (the ANN
 * evaluator's dense layers, finetune's Adam): operands are copied in and results copied out. The
 * simulator and the count model keep their tensors in a module's memory instead (arena.ts).
 */

/** An instance of kernels.wat whose memory holds copies of each call's operands. */
class Wasm extends KernelModule {
  /** add_products on copies of D, G and M in the module's memory; D is copied back. Returns G's nonzeros. */
  products(D: Float64Array, G: Float64Array, M: Float64Array, R: number, S: number, K: number): number {
    const d = 0;
    const g = d + R * K * 8;
    const m = g + R * S * 8;
    const offsets = m + S * K * 8;
    const factors = offsets + S * 8;
    this.reserve(factors + S * 8);
    const heap = new Float64Array(this.memory.buffer);
    heap.set(D.subarray(0, R * K), d / 8);
    heap.set(G.subarray(0, R * S), g / 8);
    heap.set(M.subarray(0, S * K), m / 8);
    const nonzero = this.fn.add_products(d, g, m, R, S, K, offsets, factors);
    D.set(heap.subarray(d / 8, d / 8 + R * K));
    return nonzero;
  }
}

/** Weights [w, k] transposed to [k, w] and biases, in float64 once per tensor: IR tensors are immutable. */
const transposedWeights = new WeakMap<object, Float64Array>();
const biases = new WeakMap<object, Float64Array>();

function transposedOf(W: ArrayLike<number>, w: number, k: number): Float64Array {
  let t = transposedWeights.get(W);
  if (!t) {
    t = new Float64Array(w * k);
    for (let o = 0; o < w; o++) for (let i = 0; i < k; i++) t[i * w + o] = W[o * k + i];
    transposedWeights.set(W, t);
  }
  return t;
}

let wasm: Wasm | undefined;
const products = (...args: Parameters<Wasm['products']>): number => (wasm ??= new Wasm()).products(...args);

/**
 * D[r, 0..K) += sum over s ascending of G[r, s] M[s, 0..K) (G's zeros skipped), for D [R, K], G [R, S] and
 * M [S, K], row-major: each D entry adds its terms one at a time in order of s, as the plain loop does.
 */
export const addProducts = (D: Float64Array, G: Float64Array, M: Float64Array, R: number, S: number, K: number): void =>
  void products(D, G, M, R, S, K);

/**
 * out[r, o] = bias[o] + sum_i W[o, i] x[r, i], for x [batch, k] and W [w, k]: each sum starts at the
 * bias and adds its terms in order of i, as the plain loop does.
 */
export function denseWithBias(
  x: Float64Array,
  W: ArrayLike<number>,
  bias: ArrayLike<number>,
  out: Float64Array,
  batch: number,
  k: number,
  w: number,
): void {
  let b = biases.get(bias);
  if (!b) biases.set(bias, (b = Float64Array.from(bias)));
  for (let r = 0; r < batch; r++) out.set(b, r * w);
  products(out, x, transposedOf(W, w, k), batch, k, w);
}

/**
 * Adam's moments for a list of tensors, kept in an instance of kernels.wat of their own so a step
 * copies only the parameters and their gradient: `adam` there updates them exactly as
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g g;  x -= (step (m / c1)) / (sqrt(v / c2) + 1e-12)
 * does in float64.
 */
export class AdamMoments {
  private readonly wasm = new Wasm();
  private readonly offsets: number[] = [];
  private readonly scratch: number;
  constructor(sizes: readonly number[]) {
    let at = 0;
    for (const n of sizes) {
      this.offsets.push(at);
      at += 2 * n * 8;
    }
    this.scratch = at;
    const largest = Math.max(0, ...sizes);
    this.wasm.reserve(at + 2 * largest * 8);
    new Float64Array(this.wasm.memory.buffer, 0, at / 8).fill(0);
  }

  /** One update of tensor `i` (x, in place) with gradient g; c1, c2 are the bias corrections. */
  update(i: number, x: Float64Array, g: Float64Array, b1: number, b2: number, c1: number, c2: number, step: number) {
    const n = x.length;
    const m = this.offsets[i];
    const v = m + n * 8;
    const xs = this.scratch;
    const gs = xs + n * 8;
    const heap = new Float64Array(this.wasm.memory.buffer);
    heap.set(x, xs / 8);
    heap.set(g, gs / 8);
    this.wasm.fn.adam(xs, m, v, gs, n, b1, b2, c1, c2, step);
    x.set(heap.subarray(xs / 8, xs / 8 + n));
  }
}
