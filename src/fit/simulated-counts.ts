import type { Graph } from '../ir/index.js';
import { simulateRows } from '../sim/parallel.js';
import type { CountModel } from './count-model.js';
import { type Surrogate, writeBack } from './fit-to-ann.js';

/**
 * A rate-coded network fitted through what it really does: each step simulates the network with the
 * parameters so far (writeBack into `g`) and takes every population's counts and charge from the
 * simulator, then the count model's gradients at those values (straight through the rounding, the
 * slope of its smooth count). For neurons that reset to zero, whose counts depend on when their inputs
 * arrive and not only on how much (count-model.ts, resetZeroCount), the model's own forward pass is
 * far from the network; this surrogate never uses it for the values it fits. A step costs a simulation
 * of the batch.
 */
export class SimulatedCounts implements Surrogate {
  constructor(
    private readonly g: Graph,
    private readonly model: CountModel,
  ) {}

  get parameters(): CountModel['parameters'] {
    return this.model.parameters;
  }

  /** The model's own outputs (for the statistics; the fit never reads them). */
  forward(inputs: readonly (readonly number[])[]): { readonly out: Float64Array } {
    return this.model.forward(inputs);
  }

  gradient(inputs: readonly (readonly number[])[], targets: Float64Array): Float64Array[] {
    const net = writeBack(this.g, this.model);
    const sim = simulateRows(net, inputs, { perNeuron: true });
    const counts = new Map<string, Float64Array>();
    const charge = new Map<string, Float64Array>();
    for (const n of net.nodes) {
      if (n.kind !== 'snn.neurons') continue;
      // rate and mean current (its bias included) per step over the window: counts, and the charge from
      // where the window opens, in thresholds
      const opening = this.model.openings.get(n.id)!;
      counts.set(
        n.id,
        sim.rate.get(n.id)!.map((r) => r * sim.T),
      );
      charge.set(
        n.id,
        sim.meanCurrent.get(n.id)!.map((a, k) => (opening[k % opening.length] + a * sim.T) / n.threshold),
      );
    }
    const { out, tape } = this.model.forward(inputs, true, { counts, charge });
    return this.model.backward(
      tape,
      out.map((o, k) => o - targets[k]),
    );
  }
}
