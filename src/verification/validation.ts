import type { Graph } from '../ir/index.js';
import { Rng } from '../sim/rng.js';
import { evalAnn } from '../sim/ann-eval.js';
import { annMacs } from '../sim/energy.js';
import { relativeL2 } from '../sim/metrics.js';
import { simulateRows } from '../sim/parallel.js';

/** Inputs a compile validates each network on, drawn afresh from the domain. */
export const VALIDATION_SAMPLES = 1024;
/** Not the calibration inputs' seed (7): a network is judged on inputs it was never fitted to. */
const VALIDATION_SEED = 20_231_003;

/** Validation inputs: uniform draws from the domain, never the calibration inputs. */
export const validationInputs = (domain: readonly (readonly [number, number])[]): number[][] =>
  new Rng(VALIDATION_SEED).box(domain, VALIDATION_SAMPLES);

/** What a compile reports of a network it built, measured on validation inputs against the ANN. */
export interface ValidationReport {
  readonly coding: 'rate' | 'sigma-delta';
  readonly inputs: number;
  /** Relative L2 error of the network's outputs against the ANN's. */
  readonly error_vs_ann: number;
  /** Synaptic operations per query, as the hardware counts them (snn.synapse's storage). */
  readonly ops_per_query: number;
  readonly ops_per_ann_mac: number;
  /** Spikes (rate coding) or messages (sigma-delta) per query. */
  readonly events_per_query: number;
  /** Steps a query takes: the window's end (rate), or the most any query took to settle (sigma-delta). */
  readonly steps: number;
}

export function validate(ann: Graph, snn: Graph, inputs: readonly (readonly number[])[]): ValidationReport {
  const sim = simulateRows(snn, inputs, { perNeuron: false });
  const batch = inputs.length;
  const ops = sim.synops / batch;
  return {
    coding: sim.settle ? 'sigma-delta' : 'rate',
    inputs: batch,
    error_vs_ann: relativeL2(sim.outputs, evalAnn(ann, inputs)),
    ops_per_query: ops,
    ops_per_ann_mac: ops / annMacs(ann),
    events_per_query: sim.layers.reduce((s, l) => s + l.spikes, 0) / batch,
    steps: sim.settle ? sim.settle.max : sim.steps,
  };
}

/** One line of a compile's report. */
export const formatValidation = (name: string, r: ValidationReport): string =>
  `${name}: ${r.error_vs_ann.toExponential(2)} from the ANN on ${r.inputs} validation inputs, ` +
  `${r.ops_per_ann_mac.toFixed(2)} operations per ANN MAC (${Math.round(r.ops_per_query)} per query), ` +
  `${Math.round(r.events_per_query)} ${r.coding === 'rate' ? 'spikes' : 'messages'} per query, ${r.steps} steps`;
