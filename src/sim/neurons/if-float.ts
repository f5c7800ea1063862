import type { NodeOf } from '../../ir/index.js';
import { restingState } from './state.js';

/**
 * snn.neurons in float arithmetic: the update equation documented on SnnNeurons (src/ir/ops/snn.ts).
 */
export class FloatNeurons {
  readonly u: Float64Array;
  readonly v: Float64Array;
  private readonly keepU: number;
  private readonly keepV: number;
  private readonly bias: Float64Array;
  private readonly theta: number;
  private readonly signed: boolean;
  private readonly subtract: boolean;

  constructor(
    node: NodeOf<'snn.neurons'>,
    readonly n: number,
    readonly batch: number,
  ) {
    [this.u, this.v] = restingState(node, n, batch);
    this.keepU = 1 - node.currentDecay;
    this.keepV = 1 - node.voltageDecay;
    this.bias = Float64Array.from(node.bias.data);
    this.theta = node.threshold;
    this.signed = node.spikeSign === 'signed';
    this.subtract = node.reset === 'subtract';
  }

  /** One step for the whole batch: `input` and `spikes` are [batch, n]; returns the number of spikes. */
  step(input: Float64Array, spikes: Float64Array): number {
    const { u, v, keepU, keepV, bias, theta, n, signed, subtract } = this;
    let count = 0;
    for (let row = 0; row < u.length; row += n) {
      for (let i = 0; i < n; i++) {
        const k = row + i;
        const uu = keepU * u[k] + input[k];
        u[k] = uu;
        let vv = keepV * v[k] + uu + bias[i];
        let s = 0;
        if (vv >= theta) s = 1;
        else if (signed && vv <= -theta) s = -1;
        if (s !== 0) {
          count++;
          vv = subtract ? vv - s * theta : 0;
        }
        v[k] = vv;
        spikes[k] = s;
      }
    }
    return count;
  }
}
