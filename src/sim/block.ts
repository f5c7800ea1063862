import { Arena, type Slot } from './arena.js';
import { Neurons } from './neurons.js';
import { type SimProgram, type SynapseOp, widthOf } from './program.js';
import { KernelModule } from './wasm.js';

/** A population in the block: its neurons, the spikes they send and its window's sums. */
interface Population {
  readonly neurons: Neurons;
  /** Its place among the program's populations. */
  readonly index: number;
  readonly depth: number;
  /** Spikes of the step before (what the synapses deliver) and of this step; swapped after each step. */
  prev: Slot;
  cur: Slot;
  readonly meanCurrent: Slot;
  readonly rate: Slot;
}

/** What one block of rows adds to the whole batch's result. */
export interface BlockTotals {
  synops: number;
  /** Of synops, those of the encoder's values (direct current or graded spikes). */
  gradedSynops: number;
  neuronUpdates: number;
  /** Spikes per population in its window, in program order. */
  readonly spikes: number[];
}

/** What the first block records of its first row (`spikec sim --trace`, window openings). */
export interface FirstRow {
  readonly trace?: Map<string, Int8Array[]>;
  readonly startV?: Map<string, Float64Array>;
}

/** One kernel module per thread for the simulator's state (the dense kernels have their own). */
let module: KernelModule | undefined;

/**
 * The simulator's state for up to `rows` inputs at a time, resident in WebAssembly memory: every step
 * runs kernels.wat on it in place (spike delivery, the integer shift of a synapse's sums, neuron
 * updates, the window's sums). Blocks of a few dozen rows keep the state in cache; rows are independent,
 * so simulating a batch block by block gives the same result as all at once.
 */
export class BlockSim {
  private readonly arena: Arena;
  private readonly weights = new Map<string, Slot>();
  /** Integer weights whose sums fit in 32 bits, delivered in i32 lanes (twice the f64 lanes), or by dot products. */
  private readonly weights32 = new Map<string, Slot<Int32Array>>();
  private sums32: Slot<Int32Array> | undefined;
  /** Integer weights whose sums fit in 16 bits, delivered in i16 lanes (four times the f64 lanes). */
  private readonly weights16 = new Map<string, Slot<Int16Array>>();
  private sums16: Slot<Int16Array> | undefined;
  private readonly current = new Map<string, Slot>();
  private readonly encoderCurrent = new Map<string, Slot>();
  private readonly pops: Population[] = [];
  private readonly popOf = new Map<string, Population>();
  private readonly acc = new Map<string, Slot>();
  private readonly input: Slot;
  private readonly offsets: Slot;
  private readonly factors: Slot;

  constructor(
    private readonly p: SimProgram,
    private readonly rows: number,
    private readonly steps: number,
    private readonly windows: ReadonlyMap<string, readonly [number, number]>,
    private readonly T: number,
  ) {
    this.arena = new Arena((module ??= new KernelModule()));
    const a = this.arena;
    let maxFanIn = 1;
    let maxFanOut = 1;
    let maxWidth = 1;
    for (const n of p.order) {
      const w = widthOf(n);
      if (n.kind === 'snn.synapse') {
        const s = p.synapses.get(n.id)!;
        const lanes = lanesOf(s);
        if (lanes === 'i16') this.weights16.set(n.id, a.allocInt16(s.wt.length));
        else if (lanes === 'f64') this.weights.set(n.id, a.alloc(s.wt.length));
        else this.weights32.set(n.id, a.allocInt32(s.wt.length));
        this.current.set(n.id, a.alloc(rows * w));
        if (s.source === p.encoder.id) this.encoderCurrent.set(n.id, a.alloc(rows * w));
        maxFanIn = Math.max(maxFanIn, s.fanIn);
        maxFanOut = Math.max(maxFanOut, s.fanOut);
      } else if (n.kind === 'snn.neurons') {
        const pop: Population = {
          neurons: new Neurons(n, w, rows, a),
          index: this.pops.length,
          depth: p.depth.get(n.id)!,
          prev: a.alloc(rows * w),
          cur: a.alloc(rows * w),
          meanCurrent: a.alloc(rows * w),
          rate: a.alloc(rows * w),
        };
        this.pops.push(pop);
        this.popOf.set(n.id, pop);
        maxWidth = Math.max(maxWidth, w);
      } else if (n.kind === 'snn.readout') this.acc.set(n.id, a.alloc(rows * w));
    }
    this.input = a.alloc(rows * maxWidth);
    if (this.weights32.size) this.sums32 = a.allocInt32(rows * maxFanOut);
    if (this.weights16.size) this.sums16 = a.allocInt16(rows * maxFanOut);
    this.offsets = a.alloc(maxFanIn);
    this.factors = a.alloc(maxFanIn);
    a.commit();
    for (const [id, slot] of this.weights) slot.view.set(p.synapses.get(id)!.wt);
    for (const [id, slot] of this.weights32) slot.view.set(p.synapses.get(id)!.wt);
    for (const [id, slot] of this.weights16) slot.view.set(p.synapses.get(id)!.wt);
    for (const pop of this.pops) pop.neurons.init();
  }

  /**
   * Simulates `rows` inputs (enc: their encoded values, [rows, dims]). Adds each row's window sums to
   * the batch's arrays from row `at` (meanCurrent and rate per population where `out` has them, acc
   * per readout).
   */
  run(
    enc: Float64Array,
    rows: number,
    at: number,
    out: { meanCurrent: Map<string, Float64Array>; rate: Map<string, Float64Array>; acc: Map<string, Float64Array> },
    totals: BlockTotals,
    first?: FirstRow,
  ): void {
    const { p, T } = this;
    const fn = this.arena.mod.fn;
    // the per-neuron sums are kept where the caller asked for them (simulate's perNeuron)
    const perNeuron = this.pops.every((pop) => out.meanCurrent.has(pop.neurons.node.id));
    const scratch = [this.offsets.at, this.factors.at] as const;
    this.reset(rows);
    this.deliverEncoder(enc, rows);
    let encoderNonzero = 0;
    for (let j = 0; j < rows * p.encoder.dims; j++) if (enc[j] !== 0) encoderNonzero++;
    for (let t = 0; t < this.steps; t++) {
      for (const n of p.order) {
        if (n.kind === 'snn.synapse') {
          const s = p.synapses.get(n.id)!;
          const a = this.current.get(n.id)!;
          const k = rows * s.fanOut;
          if (t === 0) a.view.fill(0, 0, k);
          else if (s.source === p.encoder.id) {
            // The encoder's output is the same every step: W x is delivered once, counted every step.
            a.view.set(this.encoderCurrent.get(n.id)!.view.subarray(0, k));
            totals.synops += encoderNonzero * s.fanOut;
            totals.gradedSynops += encoderNonzero * s.fanOut;
          } else if (this.weights16.has(n.id)) {
            const sums = this.sums16!;
            const spikes = this.popOf.get(s.source)!.prev;
            const weights = this.weights16.get(n.id)!;
            const nonzero = fn.add_products_i16(sums.at, spikes.at, weights.at, rows, s.fanIn, s.fanOut, ...scratch);
            totals.synops += nonzero * s.fanOut;
            fn.scale_floor_i16(a.at, sums.at, k, 2 ** s.exponent);
          } else if (this.weights32.has(n.id)) {
            const sums = this.sums32!;
            const spikes = this.popOf.get(s.source)!.prev;
            const weights = this.weights32.get(n.id)!;
            const nonzero =
              s.fanOut === 1
                ? fn.dot_rows_i32(sums.at, spikes.at, weights.at, rows, s.fanIn)
                : fn.add_products_i32(sums.at, spikes.at, weights.at, rows, s.fanIn, s.fanOut, ...scratch);
            totals.synops += nonzero * s.fanOut;
            fn.scale_floor_i32(a.at, sums.at, k, 2 ** s.exponent);
          } else {
            a.view.fill(0, 0, k);
            const spikes = this.popOf.get(s.source)!.prev;
            const weights = this.weights.get(n.id)!;
            const nonzero = fn.add_products(a.at, spikes.at, weights.at, rows, s.fanIn, s.fanOut, ...scratch);
            totals.synops += nonzero * s.fanOut;
            if (s.integer) fn.scale_floor(a.at, k, 2 ** s.exponent);
          }
        } else if (n.kind === 'snn.neurons') {
          const pop = this.popOf.get(n.id)!;
          const k = rows * pop.neurons.n;
          // one synapse: its current is the input (0 + a = a exactly, as a current is never -0)
          let input = this.current.get(n.inputs[0])!;
          if (n.inputs.length > 1) {
            input = this.input;
            input.view.fill(0, 0, k);
            for (const i of n.inputs) fn.add_scaled(input.at, this.current.get(i)!.at, k, 1);
          }
          const { cur } = pop;
          if (n.onset === 'window' && t < pop.depth) {
            // before its window the population rests: no integration, no spikes
            cur.view.fill(0, 0, k);
            if (first?.startV && t === pop.depth - 1)
              first.startV.set(n.id, Float64Array.from(pop.neurons.v.view.subarray(0, pop.neurons.n)));
            first?.trace?.get(n.id)!.push(new Int8Array(pop.neurons.n));
            continue;
          }
          const count = pop.neurons.step(input, cur, rows);
          totals.neuronUpdates += k;
          if (first?.startV && t === pop.depth - 1)
            first.startV.set(n.id, Float64Array.from(pop.neurons.v.view.subarray(0, pop.neurons.n)));
          if (t >= pop.depth && t < pop.depth + T) {
            totals.spikes[pop.index] += count;
            if (perNeuron) {
              fn.add_scaled(pop.meanCurrent.at, input.at, k, 1);
              fn.add_scaled(pop.rate.at, cur.at, k, 1);
            }
          }
          first?.trace?.get(n.id)!.push(Int8Array.from(cur.view.subarray(0, pop.neurons.n)));
        } else if (n.kind === 'snn.readout') {
          const [lo, hi] = this.windows.get(n.id)!;
          if (t < lo || t >= hi) continue;
          const acc = this.acc.get(n.id)!;
          for (const i of n.inputs) fn.add_scaled(acc.at, this.current.get(i)!.at, rows * widthOf(n), 1);
        }
      }
      // what fired this step is what the synapses deliver next step
      for (const pop of this.pops) [pop.prev, pop.cur] = [pop.cur, pop.prev];
    }
    if (perNeuron)
      for (const pop of this.pops) {
        const { node, n } = pop.neurons;
        out.meanCurrent.get(node.id)!.set(pop.meanCurrent.view.subarray(0, rows * n), at * n);
        out.rate.get(node.id)!.set(pop.rate.view.subarray(0, rows * n), at * n);
      }
    for (const [id, acc] of this.acc) {
      const w = acc.n / this.rows;
      out.acc.get(id)!.set(acc.view.subarray(0, rows * w), at * w);
    }
  }

  /** Resting state: u = 0, v = initialV, nothing fired, empty window sums. */
  private reset(rows: number): void {
    for (const pop of this.pops) {
      const k = rows * pop.neurons.n;
      pop.neurons.rest(rows);
      pop.prev.view.fill(0, 0, k);
      pop.cur.view.fill(0, 0, k);
      pop.meanCurrent.view.fill(0, 0, k);
      pop.rate.view.fill(0, 0, k);
    }
    for (const acc of this.acc.values()) acc.view.fill(0);
  }

  /** W x of every synapse fed by the encoder (then shifted, for integer weights). */
  private deliverEncoder(enc: Float64Array, rows: number): void {
    const dims = this.p.encoder.dims;
    for (const [id, c] of this.encoderCurrent) {
      const s: SynapseOp = this.p.synapses.get(id)!;
      const out = c.view;
      out.fill(0, 0, rows * s.fanOut);
      for (let b = 0; b < rows; b++) {
        for (let j = 0; j < dims; j++) {
          const x = enc[b * dims + j];
          if (x === 0) continue;
          const row = j * s.fanOut;
          for (let o = 0; o < s.fanOut; o++) out[b * s.fanOut + o] += x * s.wt[row + o];
        }
      }
      if (s.integer) this.arena.mod.fn.scale_floor(c.at, rows * s.fanOut, 2 ** s.exponent);
    }
  }
}

/**
 * Whether a synapse's spike sums are exact in 32-bit integers: integer weights, and at most fanIn
 * spikes of magnitude 1 times the largest mantissa below 2^31.
 */
function fitsInt32(s: SynapseOp): boolean {
  return s.integer && s.largest * s.fanIn < 2 ** 31;
}

/**
 * The lanes a synapse's spikes are summed in: i16 where every output's sum of |weights| (the most its
 * partial sums can reach with spikes of magnitude 1) is below 2^15; i32 where fitsInt32 (one output:
 * dot products over the inputs); f64 otherwise. Integer sums are exact in any of them, so the choice
 * never changes a result.
 */
function lanesOf(s: SynapseOp): 'i16' | 'i32' | 'f64' {
  if (!fitsInt32(s)) return 'f64';
  return s.fanOut > 1 && s.largestColumnSum < 2 ** 15 ? 'i16' : 'i32';
}
