import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

/**
 * Dense and spike-delivery kernels for the simulator and the spike-count model, in float64, all built
 * on one WebAssembly SIMD routine (kernels.wat, `add_products`):
 *   D[r, :] += sum over s, ascending, with G[r, s] != 0, of G[r, s] * M[s, :]
 * Each D[r, k] receives its terms one at a time in order of s, exactly as the plain loop
 *   for s: if (G[r, s] !== 0) for k: D[r, k] += G[r, s] * M[s, k]
 * does; SIMD lanes are different k, never partial sums of one, and WebAssembly neither fuses nor
 * reorders floating-point operations. So every kernel is bit-identical to its plain loop (the tests
 * check this), and speed never changes a compiled network's bytes. Skipping a zero G changes nothing:
 * a term 0 * m is a zero (m is finite), and adding a zero leaves an accumulator that starts at +0
 * unchanged.
 */

const PAGE = 65536;

let compiled: WebAssembly.Module | undefined;

/** An instance of kernels.wat with its own memory. */
class Wasm {
  readonly memory: WebAssembly.Memory;
  private readonly addProducts: (...args: number[]) => number;
  readonly adam: (...args: number[]) => void;
  constructor() {
    compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
    const exports = new WebAssembly.Instance(compiled).exports;
    this.memory = exports.memory as WebAssembly.Memory;
    this.addProducts = exports.add_products as (...args: number[]) => number;
    this.adam = exports.adam as (...args: number[]) => void;
  }

  /** At least `bytes` of memory; views taken before a call may be stale after it. */
  reserve(bytes: number): void {
    if (this.memory.buffer.byteLength < bytes)
      this.memory.grow(Math.ceil((bytes - this.memory.buffer.byteLength) / PAGE));
  }

  /**
   * The routine on copies of D, G and M in the module's memory; D is copied back. Returns G's nonzeros.
   * D as {fromZeros: D} starts from zeros (nothing to copy in); G or M given as `Transposed` is written
   * straight into the module's memory in the layout the routine reads.
   */
  products(
    D: Float64Array | { fromZeros: Float64Array },
    G: Operand,
    M: Operand,
    R: number,
    S: number,
    K: number,
  ): number {
    const d = 0;
    const g = d + R * K * 8;
    const m = g + R * S * 8;
    const offsets = m + S * K * 8;
    const factors = offsets + S * 8;
    this.reserve(factors + S * 8);
    const heap = new Float64Array(this.memory.buffer);
    if (D instanceof Float64Array) heap.set(D.subarray(0, R * K), d / 8);
    else heap.fill(0, d / 8, d / 8 + R * K);
    put(heap, g / 8, G, R * S);
    put(heap, m / 8, M, S * K);
    const nonzero = this.addProducts(d, g, m, R, S, K, offsets, factors);
    (D instanceof Float64Array ? D : D.fromZeros).set(heap.subarray(d / 8, d / 8 + R * K));
    return nonzero;
  }
}

/** A [rows, cols] row-major matrix standing for its transpose [cols, rows]. */
type Transposed = readonly [ArrayLike<number>, number, number];
type Operand = Float64Array | Transposed;

/** Writes the first n values of an operand into heap at index `at`, transposing a `Transposed` one. */
function put(heap: Float64Array, at: number, X: Operand, n: number): void {
  if (X instanceof Float64Array) {
    heap.set(X.subarray(0, n), at);
    return;
  }
  const [A, rows, cols] = X;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) heap[at + c * rows + r] = A[r * cols + c];
}

let wasm: Wasm | undefined;
const products = (...args: Parameters<Wasm['products']>): number => (wasm ??= new Wasm()).products(...args);

/**
 * Spike delivery: a[b, o] = sum over j with s[b, j] != 0 of s[b, j] * wt[j, o], for weights
 * transposed to [fanIn, fanOut] (a spike reads one contiguous row). Returns the synaptic operations,
 * one per target of each nonzero input.
 */
export function deliverSpikes(
  s: Float64Array,
  wt: Float64Array,
  a: Float64Array,
  batch: number,
  fanIn: number,
  fanOut: number,
): number {
  return products({ fromZeros: a }, s, wt, batch, fanIn, fanOut) * fanOut;
}

/**
 * A scratch array reused from call to call (one thread runs one kernel at a time, and each kernel
 * is done with it when it returns): allocating and zeroing a few hundred kilobytes per call costs
 * more than the arithmetic on them.
 */
let scratch = new Float64Array(0);
function scratchOf(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(n);
  return scratch.subarray(0, n);
}

/**
 * Y[b, o] += scale * sum_i X[b, i] W[o, i], for X [batch, fanIn] and W [fanOut, fanIn]: each dot
 * product summed from 0 in order of i, then scaled and added, as the plain loop does.
 */
export function denseForward(
  X: Float64Array,
  W: Float64Array,
  Y: Float64Array,
  batch: number,
  fanIn: number,
  fanOut: number,
  scale: number,
): void {
  const dots = scratchOf(batch * fanOut);
  products({ fromZeros: dots }, X, [W, fanOut, fanIn], batch, fanIn, fanOut);
  for (let k = 0; k < dots.length; k++) Y[k] += scale * dots[k];
}

/**
 * The backward pass of denseForward given dY: dW += scale dY^T X (each dW[o, i] summed over the batch
 * in row order) and, when dX is given, dX += scale dY W (each dX[b, i] summed over outputs in order).
 * Terms with a zero gradient are skipped: behind a saturated count (three in four in a pwl network)
 * the gradient is exactly zero.
 */
export function denseBackward(
  X: Float64Array,
  W: Float64Array,
  dY: Float64Array,
  dW: Float64Array,
  dX: Float64Array | undefined,
  batch: number,
  fanIn: number,
  fanOut: number,
  scale: number,
): void {
  const G = scratchOf(dY.length);
  for (let k = 0; k < G.length; k++) G[k] = scale * dY[k];
  products(dW, [G, batch, fanOut], X, fanOut, batch, fanIn);
  if (dX) products(dX, G, W, batch, fanOut, fanIn);
}

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
  for (let r = 0; r < batch; r++) out.set(bias, r * w);
  products(out, x, [W, w, k], batch, k, w);
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
    this.wasm.adam(xs, m, v, gs, n, b1, b2, c1, c2, step);
    x.set(heap.subarray(xs / 8, xs / 8 + n));
  }
}
