import { type Graph, width } from '../ir/index.js';

/**
 * The energy model behind `energy_ratio` (the Loihi model below). Published per-operation energies:
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

/**
 * The 45 nm arithmetic model of ANN-to-SNN conversion papers (Horowitz, ISSCC 2014): a binary spike's
 * synaptic operation is a float32 accumulate (0.9 pJ); a graded spike's multiplies its payload by the
 * weight, so it is charged as a multiply-accumulate (4.6 pJ), as is each of the ANN's. Neuron updates
 * and memory are not charged, as in those papers.
 */
export const ARITHMETIC_45NM_PJ = { accumulate: 0.9, multiplyAccumulate: 4.6 } as const;

/** An SNN's and its ANN's energy per inference under one stated model. */
export interface EnergyModelFigures {
  readonly snn_pj: number;
  readonly ann_pj: number;
  readonly ratio: number;
}

/**
 * Energy per inference under both models: `arithmetic_45nm` (ARITHMETIC_45NM_PJ) and `loihi` (ENERGY_PJ,
 * Loihi 1's measured figures). Loihi 2's energy per graded synaptic operation is not published: the
 * loihi model charges a graded operation as a binary one, so it is a lower bound for graded spikes.
 */
export function energyModels(
  synops: number,
  gradedSynops: number,
  neuronUpdates: number,
  annMacsPerInference: number,
): { readonly arithmetic_45nm: EnergyModelFigures; readonly loihi: EnergyModelFigures } {
  const ann45 = annMacsPerInference * ARITHMETIC_45NM_PJ.multiplyAccumulate;
  const snn45 =
    (synops - gradedSynops) * ARITHMETIC_45NM_PJ.accumulate + gradedSynops * ARITHMETIC_45NM_PJ.multiplyAccumulate;
  const loihi = energyEstimate(synops, neuronUpdates, annMacsPerInference);
  return {
    arithmetic_45nm: { snn_pj: snn45, ann_pj: ann45, ratio: snn45 / ann45 },
    loihi: { snn_pj: loihi.snnPicojoules, ann_pj: loihi.annPicojoules, ratio: loihi.ratio },
  };
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
