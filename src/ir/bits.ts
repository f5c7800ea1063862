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
  voltage: [-(2 ** 23) + 1, 2 ** 23 - 1],
  /** synaptic weight mantissa widths the IR accepts; target profiles narrow this. */
  weightBits: [1, 16],
  /** weight exponent, signed 4-bit. */
  weightExp: signedRange(4),
} as const satisfies Record<string, readonly [number, number]>;

export const inRange = (x: number, [lo, hi]: readonly [number, number]): boolean =>
  Number.isInteger(x) && x >= lo && x <= hi;
