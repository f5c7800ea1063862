import { DECAY_UNIT, type NodeOf, STATE_BITS, VOLTAGE_SCALE } from '../../ir/index.js';
import { restingState } from './state.js';

const TWO23 = 2 ** (STATE_BITS - 1);
const TWO24 = 2 ** STATE_BITS;

/** x >> 12 rounding toward zero, as Lava's sign(x) * (|x| >> 12). */
const decayShift = (x: number): number => (x < 0 ? -Math.floor(-x / DECAY_UNIT) : Math.floor(x / DECAY_UNIT));

/**
 * snn.neurons in fixed arithmetic: Loihi's CUBA neuron as documented on SnnNeurons (src/ir/ops/snn.ts),
 * bit-exactly as Lava's PyLifModelBitAcc (shared/reference/formats.md). Intermediate products reach
 * 2^36 and are exact in float64.
 */
export class LoihiNeurons {
  readonly u: Float64Array;
  readonly v: Float64Array;
  private readonly keepU: number;
  private readonly keepV: number;
  private readonly bias: Float64Array;
  private readonly vth: number;
  private readonly signed: boolean;
  private readonly subtract: boolean;

  constructor(
    node: NodeOf<'snn.neurons'>,
    readonly n: number,
    readonly batch: number,
  ) {
    [this.u, this.v] = restingState(node, n, batch);
    this.keepU = DECAY_UNIT - (node.currentDecay + 1);
    this.keepV = DECAY_UNIT - node.voltageDecay;
    const exp = node.biasExp ?? 0;
    this.bias = Float64Array.from(node.bias.data, (m) => m * 2 ** exp);
    this.vth = node.threshold * VOLTAGE_SCALE;
    this.signed = node.spikeSign === 'signed';
    this.subtract = node.reset === 'subtract';
  }

  /** One step for the whole batch; `input` holds a_in (integers); returns the number of spikes. */
  step(input: Float64Array, spikes: Float64Array): number {
    const { u, v, keepU, keepV, bias, vth, n, signed, subtract } = this;
    let count = 0;
    for (let row = 0; row < u.length; row += n) {
      for (let i = 0; i < n; i++) {
        const k = row + i;
        let uu = decayShift(u[k] * keepU) + input[k] * VOLTAGE_SCALE;
        if (uu > TWO23) uu -= TWO24;
        else if (uu <= -TWO23) uu += TWO24;
        u[k] = uu;
        let vv = decayShift(v[k] * keepV) + uu + bias[i];
        if (vv > TWO23 - 1) vv = TWO23 - 1;
        else if (vv < -TWO23 + 1) vv = -TWO23 + 1;
        let s = 0;
        if (vv > vth) s = 1;
        else if (signed && vv < -vth) s = -1;
        if (s !== 0) {
          count++;
          vv = subtract ? vv - s * vth : 0;
        }
        v[k] = vv;
        spikes[k] = s;
      }
    }
    return count;
  }
}
