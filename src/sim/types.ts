/** What the simulator takes and gives back, shared by its rate and sigma-delta engines. */

export interface SimOptions {
  /** Steps each layer integrates; overrides the readouts' windows with [depth, depth + T). */
  readonly T?: number;
  /** Keep per-step spike trains of the first batch element (for `spikec sim --trace`). */
  readonly trace?: boolean;
  /** Record every population's membrane potentials (batch element 0) at the start of its window. */
  readonly startPotentials?: boolean;
  /**
   * Keep every neuron's mean current and rate per row (meanCurrent, rate; default true). Without them
   * (false) they are empty, and a batch of outputs costs less: 10,000 rows of a 769-neuron network hold
   * 120 MB of them.
   */
  readonly perNeuron?: boolean;
  /**
   * Sigma-delta networks only: the input rows are one stream, a query per step, each sent as its change
   * from the one before (src/sim/sigma-delta.ts).
   */
  readonly stream?: boolean;
}

/** Per step, the spikes of a population for batch element 0: binary or ternary, or graded messages. */
export type Trace = Int8Array[] | Float64Array[];

/** Per-population counters. */
export interface LayerCounters {
  readonly id: string;
  readonly neurons: number;
  readonly depth: number;
  /** Spikes in the layer's window, summed over the batch. */
  spikes: number;
}

export interface SimResult {
  /** The graph's outputs, one row per input row. */
  readonly outputs: number[][];
  /** T each layer integrated. */
  readonly T: number;
  /** Steps simulated (the deepest window's end). */
  readonly steps: number;
  readonly batch: number;
  readonly layers: LayerCounters[];
  /** Synaptic operations (one per target of each nonzero input), summed over the batch and all steps. */
  synops: number;
  /** Of synops, those that carried a graded value (sigma-delta messages, a graded or delta encoder's). */
  gradedSynops: number;
  /**
   * Sigma-delta networks: steps each row took to settle (the last step anything was sent or received,
   * plus one), summed over the batch, and the most any row took.
   */
  readonly settle?: { readonly total: number; readonly max: number };
  /** Neuron updates, summed over the batch and all steps. */
  neuronUpdates: number;
  /** Per neurons node: mean input current (synaptic input + bias) over the layer's window, [batch * n]
   * (empty with perNeuron: false). */
  readonly meanCurrent: Map<string, Float64Array>;
  /** Per neurons node: spike count over the layer's window divided by T, [batch * n] (idem). */
  readonly rate: Map<string, Float64Array>;
  /** Per readout node: its decoded value, [batch * n]. */
  readonly readout: Map<string, Float64Array>;
  /** With trace: per neurons node, per step, the spikes of batch element 0. */
  readonly trace?: Map<string, Trace>;
  /**
   * With startPotentials: per neurons node, the potentials of batch element 0 when its window opens
   * (after step depth - 1). Before that no input-dependent spike has reached the layer, so they are
   * the same for every input.
   */
  readonly startV?: Map<string, Float64Array>;
}
