/**
 * Hardware profiles: the bit widths and per-core limits a compiled network must respect
 * (shared/reference/formats.md; Loihi 2 figures are published approximations, make them options).
 */
export interface HardwareProfile {
  readonly name: string;
  /** Signed weight mantissa bits. */
  readonly weightBits: number;
  /** Signed bits of a graded input spike's payload. */
  readonly inputBits: number;
  /**
   * Signed bits of a sigma-delta network's graded input spikes (its messages between layers are the
   * 24-bit state's); absent where the chip has no graded spikes, so no sigma-delta neurons.
   */
  readonly sdInputBits?: number;
  /** Largest synaptic input a_in a neuron may receive per step: beyond it u = a_in << 6 wraps at 24 bits. */
  readonly maxActivation: number;
  /**
   * a_in above this may not fit the chip's narrower accumulator (Lava's model does not clip):
   * reported, not refused.
   */
  readonly hintActivation: number;
  readonly neuronsPerCore: number;
  /** Synaptic memory per core, bytes (one byte per 8-bit weight, weightBits / 8 otherwise). */
  readonly synapseBytesPerCore: number;
  readonly maxFanIn: number;
  readonly maxFanOut: number;
  readonly coresPerChip: number;
  readonly chips: number;
}

export const PROFILES: ReadonlyMap<string, HardwareProfile> = new Map(
  [
    {
      name: 'loihi2',
      weightBits: 8,
      inputBits: 8,
      sdInputBits: 16,
      // Lava's bit-accurate Dense declares its output a_out 16 bits wide: the worst case fits it, not
      // only 24-bit u (on the bundled models this changed no error: exponents and lambda halve together)
      maxActivation: 2 ** 15 - 1,
      hintActivation: 2 ** 15 - 1,
      neuronsPerCore: 8192,
      synapseBytesPerCore: 128 * 1024,
      maxFanIn: 16384,
      maxFanOut: 16384,
      coresPerChip: 128,
      chips: 1,
    },
    {
      name: 'loihi1',
      weightBits: 8,
      inputBits: 8,
      maxActivation: 2 ** 17 - 1,
      hintActivation: 2 ** 15 - 1,
      neuronsPerCore: 1024,
      synapseBytesPerCore: 128 * 1024,
      maxFanIn: 4096,
      maxFanOut: 4096,
      coresPerChip: 128,
      chips: 1,
    },
    {
      name: 'generic',
      weightBits: 16,
      inputBits: 16,
      sdInputBits: 16,
      maxActivation: 2 ** 17 - 1,
      hintActivation: 2 ** 17 - 1,
      neuronsPerCore: 65536,
      synapseBytesPerCore: 1 << 30,
      maxFanIn: 1 << 20,
      maxFanOut: 1 << 20,
      coresPerChip: 1024,
      chips: 16,
    },
  ].map((p) => [p.name, p]),
);
