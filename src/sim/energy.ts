import { type Graph, width } from '../ir/index.js';

/**
 * The energy model behind `energy_ratio`. Published per-operation energies:
 * - Loihi (Davies et al., IEEE Micro 38(1), 2018, Table 1): 23.6 pJ per synaptic spike operation,
 *   52 pJ per active neuron update.
 * - The ANN on conventional hardware (Horowitz, ISSCC 2014, 45 nm): a float32 multiply-accumulate
 *   costs 3.7 pJ (multiply) + 0.9 pJ (add) = 4.6 pJ; activations are not charged.
 * These are order-of-magnitude figures for comparing networks, not a power measurement.
 */
export const ENERGY_PJ = {
  synapticOp: 23.6,
  neuronUpdate: 52,
  annMac: 4.6,
} as const;

export interface EnergyEstimate {
  readonly snnPicojoules: number;
  readonly annPicojoules: number;
  /** SNN energy / ANN energy, per inference. */
  readonly ratio: number;
}

export function energyEstimate(
  synopsPerInference: number,
  neuronUpdatesPerInference: number,
  annMacsPerInference: number,
): EnergyEstimate {
  const snn = synopsPerInference * ENERGY_PJ.synapticOp + neuronUpdatesPerInference * ENERGY_PJ.neuronUpdate;
  const ann = annMacsPerInference * ENERGY_PJ.annMac;
  return { snnPicojoules: snn, annPicojoules: ann, ratio: snn / ann };
}

/** Multiply-accumulates of the ANN per inference. */
export function annMacs(g: Graph): number {
  let macs = 0;
  for (const n of g.nodes) {
    if (n.kind === 'ann.dense') macs += n.weight.shape[0] * n.weight.shape[1];
    if (n.kind === 'ann.product') macs += width(g.nodes.find((m) => m.id === n.inputs[0])!.type) * n.inputs.length;
  }
  return macs;
}
