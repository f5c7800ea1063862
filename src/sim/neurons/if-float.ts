import type { NodeOf } from '../../ir/index.js';
import { restingState } from './state.js';

/**
 * Integrate-and-fire neurons in floating point (the arithmetic of graphs before quantization).
 * Per time step t, for each neuron, with a_t the summed synaptic input:
 *   u_t = (1 - currentDecay) u_{t-1} + a_t
 *   v_t = (1 - voltageDecay) v_{t-1} + u_t + bias
 *   unsigned: s_t = 1 if v_t >= threshold, else 0
 *   signed:   s_t = +1 if v_t >= threshold, -1 if v_t <= -threshold, else 0
 *   reset subtract: v_t <- v_t - s_t threshold;   reset zero: v_t <- 0 where s_t != 0
 * with v_0 = initialV and u_0 = 0. The IF model is the case voltageDecay = 0; currentDecay = 1 feeds
 * each step's input straight through (no synaptic filtering), as converted networks use.
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
    const { u, v, keepU, keepV, bias, theta, n } = this;
    let count = 0;
    for (let k = 0; k < u.length; k++) {
      const uu = keepU * u[k] + input[k];
      u[k] = uu;
      let vv = keepV * v[k] + uu + bias[k % n];
      let s = 0;
      if (vv >= theta) s = 1;
      else if (this.signed && vv <= -theta) s = -1;
      if (s !== 0) {
        count++;
        vv = this.subtract ? vv - s * theta : 0;
      }
      v[k] = vv;
      spikes[k] = s;
    }
    return count;
  }
}
