import { z } from 'zod';
import { Tensor, anyNumber } from '../tensor.js';
import { inputFields, nodeBase } from './common.js';

/** Where a range [start, stop) of a node's neurons or synapse rows sits on the hardware. */
export const Placement = z
  .array(
    z
      .object({
        chip: z.number().int().nonnegative(),
        core: z.number().int().nonnegative(),
        start: z.number().int().nonnegative(),
        stop: z.number().int().nonnegative(),
      })
      .strict()
      .readonly(),
  )
  .readonly();
export type Placement = z.infer<typeof Placement>;

/**
 * snn.encoder: how real inputs enter the spiking network, every time step t = 0..T-1.
 *   mode current: s_t = x * normalization.scale + normalization.offset  (direct current)
 *   mode graded:  s_t = the same value as a graded spike, rounded to `payloadBits` signed bits
 */
export const SnnEncoder = z
  .object({
    kind: z.literal('snn.encoder'),
    ...nodeBase,
    ...inputFields,
    mode: z.enum(['current', 'graded']),
    payloadBits: z.number().int().min(1).max(32).optional(),
  })
  .strict()
  .readonly();

/** Synaptic weights, either real or as integer mantissas m with one exponent e: w = m * 2^e. */
export const Weights = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('float'), values: Tensor }).strict().readonly(),
  z
    .object({
      kind: z.literal('int'),
      mantissa: Tensor,
      exponent: z.number().int(),
      bits: z.number().int(),
    })
    .strict()
    .readonly(),
]);
export type Weights = z.infer<typeof Weights>;

/**
 * snn.synapse: dense synapses with one step of delay, as on Loihi.
 *   a_t = W s_{t-1}   (a_0 = 0), with W = mantissa * 2^exponent for integer weights
 * In fixed-point arithmetic the exponent scales the accumulated sum: a = floor(acc * 2^exponent).
 */
export const SnnSynapse = z
  .object({ kind: z.literal('snn.synapse'), ...nodeBase, weight: Weights, placement: Placement.optional() })
  .strict()
  .readonly();

/**
 * Where a spiking value comes from in the ANN it was converted from: element i should carry
 *   (z[channel_i] - offset_i) * scale_i
 * with z the values of ANN node `node`. Calibration measures the spiking network against it.
 */
export const Origin = z
  .object({ node: z.string(), channel: Tensor, offset: Tensor, scale: Tensor })
  .strict()
  .readonly();
export type Origin = z.infer<typeof Origin>;

/**
 * snn.neurons: a population of integrate-and-fire neurons fed by the sum of its input synapses.
 * The update equation of each model and arithmetic lives in src/sim/neurons (one file per model).
 * arith float: threshold > 0, decays are fractions in [0, 1], bias and initialV real.
 * arith fixed: Loihi units: threshold is vth (17-bit, compared as vth << 6), decays are 12-bit du/dv,
 * bias is a 13-bit mantissa scaled by 2^biasExp, initialV a 24-bit integer.
 */
export const SnnNeurons = z
  .object({
    kind: z.literal('snn.neurons'),
    ...nodeBase,
    model: z.enum(['if', 'cuba-lif']),
    arith: z.enum(['float', 'fixed']),
    threshold: anyNumber,
    reset: z.enum(['subtract', 'zero']),
    currentDecay: anyNumber,
    voltageDecay: anyNumber,
    bias: Tensor,
    biasExp: z.number().int().optional(),
    initialV: Tensor,
    spikeSign: z.enum(['unsigned', 'signed']),
    payloadBits: z.number().int().min(0).max(32),
    origin: Origin.optional(),
    placement: Placement.optional(),
  })
  .strict()
  .readonly();

/**
 * snn.readout: a non-spiking accumulator that decodes the network output.
 *   y = scale * (sum_{window[0] <= t < window[1]} a_t) / (window[1] - window[0]) + offset
 * where a_t is the summed current of its input synapses at step t.
 */
export const SnnReadout = z
  .object({
    kind: z.literal('snn.readout'),
    ...nodeBase,
    scale: Tensor,
    offset: Tensor,
    window: z.tuple([z.number().int().nonnegative(), z.number().int().positive()]).readonly(),
    origin: Origin.optional(),
    placement: Placement.optional(),
  })
  .strict()
  .readonly();
