/**
 * What one population takes of the hardware once mapped onto cores (map-cores computes it; the json
 * backend and the --report table print it). Here, beside the IR, so that backends read it without
 * importing passes.
 */
export interface CoreUsage {
  readonly layer: string;
  readonly neurons: number;
  readonly fanIn: number;
  readonly synapses: number;
  readonly cores: number;
  /** Largest synaptic memory one of its cores uses, bytes. */
  readonly bytesPerCore: number;
}
