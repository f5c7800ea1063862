import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

const PAGE = 65536;

let compiled: WebAssembly.Module | undefined;

/** add_products' shape: D += G M over R rows, S terms and K outputs, with scratch for S offsets and factors. */
type ProductsKernel = (
  D: number,
  G: number,
  M: number,
  R: number,
  S: number,
  K: number,
  offs: number,
  facs: number,
) => number;

/** The exports of kernels.wat; addresses are byte offsets into the instance's memory. */
export interface KernelExports {
  add_products: ProductsKernel;
  adam(x: number, m: number, v: number, g: number, n: number, ...hyper: number[]): void;
  add_scaled(dst: number, src: number, n: number, f: number): void;
  scale_floor(a: number, n: number, f: number): void;
  /** Spike delivery in i32 lanes, from zeros (kernels.wat). */
  add_products_i32: ProductsKernel;
  scale_floor_i32(dst: number, src: number, n: number, f: number): void;
  /** add_products_i32 in i16 lanes, while every output's sum of |M| is below 2^15 (kernels.wat). */
  add_products_i16: ProductsKernel;
  scale_floor_i16(dst: number, src: number, n: number, f: number): void;
  /** add_products_i32 for one output, as dot products over the inputs (kernels.wat). */
  dot_rows_i32(D: number, G: number, M: number, R: number, S: number): number;
  transpose(dst: number, src: number, rows: number, cols: number): void;
  neuron_step(
    model: number,
    u: number,
    v: number,
    input: number,
    b: number,
    s: number,
    n: number,
    ...p: number[]
  ): number;
  count_forward(pre: number, count: number, o: number, b: number, n: number, ...p: number[]): void;
  count_backward(pre: number, dY: number, dS: number, db: number, rows: number, n: number, ...p: number[]): void;
}

/**
 * An instance of kernels.wat (WebAssembly SIMD) with its own memory. Its central routine is
 *   add_products: D[r, :] += sum over s, ascending, with G[r, s] != 0, of G[r, s] * M[s, :]
 * Each D[r, k] receives its terms one at a time in order of s, exactly as the plain loop
 *   for s: if (G[r, s] !== 0) for k: D[r, k] += G[r, s] * M[s, k]
 * does; SIMD lanes are different k, never partial sums of one, and WebAssembly neither fuses nor
 * reorders floating-point operations. So every kernel is bit-identical to its plain loop (the tests
 * check this), and speed never changes a compiled network's bytes. Skipping a zero G changes nothing:
 * a term 0 * m is a zero (m is finite), and adding a zero leaves an accumulator that starts at +0
 * unchanged. The other routines (neuron updates, the count model's rounding, sums, transposes) are
 * elementwise; each documents in kernels.wat the plain computation it equals.
 */
export class KernelModule {
  readonly memory: WebAssembly.Memory;
  readonly fn: KernelExports;
  constructor() {
    compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
    const exports = new WebAssembly.Instance(compiled).exports;
    this.memory = exports.memory as WebAssembly.Memory;
    this.fn = exports as unknown as KernelExports;
  }

  /** At least `bytes` of memory; views taken before a call may be stale after it. */
  reserve(bytes: number): void {
    if (this.memory.buffer.byteLength < bytes)
      this.memory.grow(Math.ceil((bytes - this.memory.buffer.byteLength) / PAGE));
  }
}
