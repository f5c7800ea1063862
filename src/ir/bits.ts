/**
 * Ranges of the integer fields of fixed-point ops, as Loihi holds them
 * (see shared/reference/formats.md, "Loihi fixed-point LIF").
 */
export const signedRange = (bits: number): readonly [number, number] => [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
export const unsignedRange = (bits: number): readonly [number, number] => [0, 2 ** bits - 1];

/**
 * Loihi's fixed-point scale: synaptic input and threshold enter the voltage shifted left by 6 bits
 * (u += a_in << 6, spike when v > vth << 6), so voltages and biases count in units of 1/64.
 */
export const VOLTAGE_SCALE = 64;

/**
 * Decays du and dv are fractions of 2^12: per step the state keeps (DECAY_UNIT - d) / DECAY_UNIT of
 * itself (current: DECAY_UNIT - (du + 1)), so du = DECAY_UNIT - 1 passes each step's input through.
 */
export const DECAY_UNIT = 4096;

/** Width of Loihi's current and voltage registers: u wraps at 2^23, v saturates at +-(2^23 - 1). */
export const STATE_BITS = 24;

/**
 * Loihi 2's sigma-delta neuron in fixed point, as lava-dl's netx builds it (state_exp 6): state counts in
 * units of 2^-SD_STATE_EXP of a message, and threshold and bias mantissas are shifted left by
 * SD_SPIKE_EXP + SD_STATE_EXP into state units. spikec's networks use spike_exp 0 (netx's loader takes
 * it as an argument, `spike_exp`, whose default 6 would make the finest threshold 4,096 state units: 64
 * messages, 2^-9 of a 16-bit message's range), so that a threshold can be as fine as one message.
 */
export const SD_STATE_EXP = 6;
export const SD_SPIKE_EXP = 0;
/** The state units of one sigma-delta threshold or bias mantissa (Lava shifts both by spike_exp + state_exp). */
export const SD_MANTISSA_UNIT = 2 ** (SD_SPIKE_EXP + SD_STATE_EXP);
/**
 * The Lava process model whose fixed-point sigma-delta neuron snn.sigma-delta states (lava.proc.sdn.models;
 * select it with exception_proc_model_map): it keeps the bits a message's shift drops as unsent change.
 */
export const SD_FIXED_PROCESS_MODEL = 'PySigmaDeltaModelFixedCorrected';
/**
 * Lava's earlier fixed-point model, the only one in the released lava-nc 0.10.0 (the corrected one came
 * after it, lava-nc/lava#875): it drops those bits, which changes a stream's messages but not a held
 * query's (the recorded poisson2d queries, test/fixtures/real-tools: the same messages in lava-nc 0.10.0).
 */
export const SD_RELEASED_PROCESS_MODEL = 'PySigmaDeltaModelFixed';

export const FIXED_LIMITS = {
  /** vth, unsigned 17-bit; compared as vth << 6. */
  threshold: [1, 2 ** 17 - 1],
  /** du and dv, unsigned 12-bit. */
  decay: unsignedRange(12),
  /** bias mantissa, signed 13-bit. */
  biasMantissa: signedRange(13),
  /** bias exponent, 3-bit. */
  biasExp: unsignedRange(3),
  /** membrane voltage, 24-bit signed and saturated at +-(2^23 - 1). */
  voltage: [-(2 ** (STATE_BITS - 1)) + 1, 2 ** (STATE_BITS - 1) - 1],
  /** synaptic weight mantissa widths the IR accepts; target profiles narrow this. */
  weightBits: [1, 16],
  /** sigma-delta threshold mantissa (netx's vThMant), unsigned 17-bit. */
  sdThreshold: [1, 2 ** 17 - 1],
  /** sigma-delta bias mantissa (Lava's SigmaDelta bias, 16-bit). */
  sdBias: signedRange(16),
  /** weight exponent, signed 4-bit. */
  weightExp: signedRange(4),
} as const satisfies Record<string, readonly [number, number]>;

export const inRange = (x: number, [lo, hi]: readonly [number, number]): boolean =>
  Number.isInteger(x) && x >= lo && x <= hi;
