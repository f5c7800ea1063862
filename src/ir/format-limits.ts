import { IrError } from './errors.js';

/**
 * What an output format can express of a spiking network, as its loader runs it. Each backend states
 * its own (src/backends); a compile for several formats stays within all of them (mergeFormatLimits),
 * and the passes legalize the network to fit before quantization and verification, so the network
 * spikec verifies is the one the real tool runs. An absent field means the format has no such limit.
 */
export interface FormatLimits {
  /** The only reset the format's neurons perform. */
  readonly reset?: 'subtract' | 'zero';
  /** Every neuron starts at rest (v = 0 at step 0): no window opening can be chosen. */
  readonly restStart?: boolean;
  /** Effective integer weights (mantissa * 2^exponent) the loader keeps unchanged, [lo, hi]. */
  readonly weightRange?: readonly [number, number];
  /** The one bias exponent the format reads (biases are whole multiples of 2^biasExp in voltage units). */
  readonly biasExp?: number;
  /** Whether ternary (signed) spikes can be expressed. */
  readonly signedSpikes?: boolean;
  /** Signed bits of a graded message between layers (sigma-delta): every message must fit them. */
  readonly messageBits?: number;
  /**
   * The format holds one chain of layers (each population fed by the one before it) ending in one
   * readout; the ops after the readout (a SPINN's product) run on the host.
   */
  readonly chain?: boolean;
  /** false: the format has no node for ops after the readout (a SPINN's product of its branches). */
  readonly hostOps?: boolean;
  /** false: the format has no sigma-delta neuron (no graded messages between layers), rate coding only. */
  readonly sigmaDelta?: boolean;
  /**
   * The format has no synaptic delay: every layer reads its input from step 0 and rests until then
   * (neurons' onset 'window'), and its neurons fire strictly above threshold (fireAbove).
   */
  readonly zeroDelay?: boolean;
  /**
   * Its readers compute in real arithmetic on the query's real values: the network stays float (no
   * quantization), and every value is written as float32.
   */
  readonly real?: boolean;
}

/** The limits of formats written together: the narrowest of each, or an error naming two formats that disagree. */
export function mergeFormatLimits(limits: readonly (readonly [string, FormatLimits])[]): FormatLimits {
  const merged: { -readonly [K in keyof FormatLimits]: FormatLimits[K] } = {};
  const said = new Map<string, string>();
  const agree = (field: 'reset' | 'biasExp', format: string, value: string | number | undefined): void => {
    if (value === undefined) return;
    if (merged[field] !== undefined && merged[field] !== value)
      throw new IrError(
        `${format} needs ${field} ${value} and ${said.get(field)} needs ${merged[field]}: ` +
          'write them in separate compiles',
      );
    said.set(field, format);
  };
  for (const [format, l] of limits) {
    agree('reset', format, l.reset);
    agree('biasExp', format, l.biasExp);
    if (l.reset) merged.reset = l.reset;
    if (l.biasExp !== undefined) merged.biasExp = l.biasExp;
    if (l.restStart) merged.restStart = true;
    if (l.zeroDelay) merged.zeroDelay = true;
    if (l.real) merged.real = true;
    if (l.chain) merged.chain = true;
    if (l.sigmaDelta === false) merged.sigmaDelta = false;
    if (l.hostOps === false) merged.hostOps = false;
    if (l.signedSpikes === false) merged.signedSpikes = false;
    if (l.messageBits !== undefined) merged.messageBits = Math.min(l.messageBits, merged.messageBits ?? Infinity);
    if (l.weightRange)
      merged.weightRange = merged.weightRange
        ? [Math.max(l.weightRange[0], merged.weightRange[0]), Math.min(l.weightRange[1], merged.weightRange[1])]
        : l.weightRange;
  }
  return merged;
}
