import { DECAY_UNIT, type NodeOf, STATE_BITS, VOLTAGE_SCALE } from '../ir/index.js';
import type { Arena, Slot } from './arena.js';
import type { KernelModule } from './wasm.js';

/**
 * The bias a neuron adds each step, in its arithmetic's units: the float bias, or for arith 'fixed' the
 * mantissa << biasExp (a voltage in Loihi units, VOLTAGE_SCALE per unit of input).
 */
export function stepBias(node: NodeOf<'snn.neurons'>): Float64Array {
  const scale = node.arith === 'fixed' ? 2 ** (node.biasExp ?? 0) : 1;
  return Float64Array.from(node.bias.data, (m) => m * scale);
}

/**
 * The least float64 above x: the float kernel fires on v >= threshold, and for a float64 v,
 * v >= nextAbove(θ) exactly when v > θ (fireAbove).
 */
export function nextAbove(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`nextAbove needs a positive finite number, got ${x}`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + 1n);
  return view.getFloat64(0);
}

const FIXED_MODEL = 0;
const FLOAT_MODEL = 1;

/**
 * An snn.neurons population for up to `rows` batch rows, its state in an arena, stepped by
 * kernels.wat's neuron_step: the update equation documented on SnnNeurons (src/ir/ops/snn.ts), in float
 * arithmetic or, for arith 'fixed', Loihi's CUBA neuron bit-exactly as Lava's PyLifModelBitAcc
 * (shared/reference/formats.md; integers held in float64, intermediate products below 2^37, exact).
 */
export class Neurons {
  /** Current and voltage, [rows, n]. */
  readonly u: Slot;
  readonly v: Slot;
  /** The bias each step adds (float, or mantissa << biasExp), repeated for every row. */
  private readonly bias: Slot;
  /** Each neuron's potential at rest, in float64 (copied row by row at every rest). */
  private readonly initialV: Float64Array;
  /** neuron_step's constants, in its order of parameters after the arrays. */
  private readonly params: readonly number[];
  private readonly fn: KernelModule['fn'];

  /** Allocates the slots; call `init` after the arena is committed. */
  constructor(
    readonly node: NodeOf<'snn.neurons'>,
    readonly n: number,
    readonly rows: number,
    arena: Arena,
  ) {
    [this.u, this.v, this.bias] = [arena.alloc(rows * n), arena.alloc(rows * n), arena.alloc(rows * n)];
    this.fn = arena.mod.fn;
    this.initialV = Float64Array.from(node.initialV.data);
    const fixed = node.arith === 'fixed';
    this.params = [
      fixed ? DECAY_UNIT - (node.currentDecay + 1) : 1 - node.currentDecay,
      fixed ? DECAY_UNIT - node.voltageDecay : 1 - node.voltageDecay,
      fixed ? node.threshold * VOLTAGE_SCALE : node.fireAbove ? nextAbove(node.threshold) : node.threshold,
      node.spikeSign === 'signed' ? 1 : 0,
      node.reset === 'subtract' ? 1 : 0,
      1 / DECAY_UNIT,
      VOLTAGE_SCALE,
      2 ** (STATE_BITS - 1),
    ];
  }

  /** Writes the bias rows (after the arena's commit). */
  init(): void {
    const bias = stepBias(this.node);
    for (let r = 0; r < this.rows; r++) this.bias.view.set(bias, r * this.n);
  }

  /** Resting state of the first `rows` rows: u = 0, v = initialV. */
  rest(rows: number): void {
    this.u.view.fill(0, 0, rows * this.n);
    for (let r = 0; r < rows; r++) this.v.view.set(this.initialV, r * this.n);
  }

  /**
   * One step of the first `rows` rows: `input` holds a_in ([rows, n], in the same arena), `spikes`
   * receives 1, -1 or 0 per neuron (room for rows * n rounded up to even). Returns the number of spikes.
   */
  step(input: Slot, spikes: Slot, rows: number): number {
    const model = this.node.arith === 'fixed' ? FIXED_MODEL : FLOAT_MODEL;
    const { u, v, bias } = this;
    return this.fn.neuron_step(model, u.at, v.at, input.at, bias.at, spikes.at, rows * this.n, ...this.params);
  }
}
