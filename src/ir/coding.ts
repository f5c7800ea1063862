import type { Graph, Node } from './graph.js';

/**
 * How values travel between a spiking network's layers, a fact of the graph that passes read instead of
 * looking for op kinds themselves:
 *   rate:        binary or ternary spikes of snn.neurons, counted over a readout's window (decode mean);
 *   sigma-delta: graded messages of snn.sigma-delta populations (Loihi 2), each the change of its
 *                neuron's value, summed by the readout (decode sigma); the encoder sends deltas.
 */
export const CODINGS = ['rate', 'sigma-delta'] as const;
export type Coding = (typeof CODINGS)[number];

/**
 * The coding of `g`: sigma-delta if it holds a sigma-delta population, a readout that decodes sigma or a
 * delta encoder; rate if it holds any other spiking op; undefined for an ann graph (not lowered yet).
 * The verifier refuses a graph that mixes the codings' populations and readouts (rule `coding`).
 */
export function codingOf(g: Pick<Graph, 'nodes'>): Coding | undefined {
  let spiking = false;
  for (const n of g.nodes) {
    if (isSigmaDeltaOp(n)) return 'sigma-delta';
    if (n.kind.startsWith('snn.')) spiking = true;
  }
  return spiking ? 'rate' : undefined;
}

/** An op that only a sigma-delta network holds. */
export const isSigmaDeltaOp = (n: Node): boolean =>
  n.kind === 'snn.sigma-delta' ||
  (n.kind === 'snn.readout' && n.decode === 'sigma') ||
  (n.kind === 'snn.encoder' && n.mode === 'delta');

/** An op that only a rate-coded network holds. */
export const isRateOp = (n: Node): boolean =>
  n.kind === 'snn.neurons' || (n.kind === 'snn.readout' && n.decode !== 'sigma');
