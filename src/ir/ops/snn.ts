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
 *   mode delta:   s_t = x'_t - x'_{t-1} as a graded spike (x'_{-1} = 0), x' the value of mode graded (its
 *                 rounding in fixed arithmetic): what changed, as a sigma-delta network's input. A query
 *                 held from step 0 sends x' at step 0 and nothing after.
 * biasChannel, where given, appends a channel of that constant value after the `dims` inputs, sent as they
 * are (mode delta: once, with the query). A sigma-delta network carries its biases on it as weights, so
 * that they reach each layer with the query's own wave instead of making every layer send from step 0.
 */
export const SnnEncoder = z
  .object({
    kind: z.literal('snn.encoder'),
    ...nodeBase,
    ...inputFields,
    mode: z.enum(['current', 'graded', 'delta']),
    payloadBits: z.number().int().min(1).max(32).optional(),
    biasChannel: anyNumber.optional(),
  })
  .strict()
  .readonly();

/** Synaptic weights, either real or as integer mantissas m with one exponent e: w = m * 2^e. */
export const Weights = z.discriminatedUnion('kind', [
  z
    .object({ kind: z.literal('float'), values: Tensor })
    .strict()
    .readonly(),
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
 * snn.synapse: synapses with one step of delay, as on Loihi.
 *   a_t = W s_{t-1}   (a_0 = 0), with W = mantissa * 2^exponent for integer weights
 * In fixed-point arithmetic the exponent scales the accumulated sum: a = floor(acc * 2^exponent).
 * storage says what the hardware holds, and so what a value sent costs: dense (the default) stores every
 * weight, zeros included, and a value reaches its whole column, fanOut synaptic operations; sparse
 * stores the nonzero weights only (Lava's Sparse, netx's sparse_fc_layer) and a value reaches its
 * column's nonzero weights. The sum is the same either way. Sparse storage is for sigma-delta networks,
 * whose ramp layers are mostly zeros.
 */
export const SnnSynapse = z
  .object({
    kind: z.literal('snn.synapse'),
    ...nodeBase,
    weight: Weights,
    storage: z.enum(['dense', 'sparse']).optional(),
    placement: Placement.optional(),
  })
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
 * snn.neurons: a population of current-based integrate-and-fire neurons fed by the sum a_t of its
 * input synapses (each a_t = W s_{t-1}, see snn.synapse). Per step t = 0, 1, ... and neuron i:
 *
 * arith float (graphs before quantize; potentials and thresholds in activation units):
 *   u_t = (1 - currentDecay) u_{t-1} + a_t
 *   v_t = (1 - voltageDecay) v_{t-1} + u_t + bias_i
 *   unsigned: s_t = 1 if v_t >= threshold, else 0
 *   signed:   s_t = +1 if v_t >= threshold, -1 if v_t <= -threshold, else 0
 *   fireAbove (NIR's IF and Loihi's rule): strictly, s_t = 1 if v_t > threshold (-1 if v_t < -threshold)
 *   reset subtract: v_t <- v_t - s_t threshold;   reset zero: v_t <- 0 where s_t != 0
 *
 * arith fixed (Loihi's CUBA neuron, bit-exactly as Lava's PyLifModelBitAcc; all state integer, the
 * voltage in units of 2^-6 of a_in: VOLTAGE_SCALE in ir/bits.ts; threshold is vth, 17 bits; decays du, dv
 * are 12-bit; bias a 13-bit mantissa; initialV and openingV 24-bit voltages):
 *   u_t = sign(p) (|p| >> 12) + a_t << 6,   p = u_{t-1} (4096 - (currentDecay + 1)),
 *         then wrapped once to 24 bits (u > 2^23: u - 2^24; u <= -2^23: u + 2^24)
 *   v_t = sign(q) (|q| >> 12) + u_t + bias_i 2^biasExp,   q = v_{t-1} (4096 - voltageDecay),
 *         clipped to [-(2^23 - 1), 2^23 - 1]
 *   unsigned: s_t = 1 if v_t > threshold << 6 (strictly); signed: also -1 if v_t < -(threshold << 6)
 *   reset subtract: v_t <- v_t - s_t (threshold << 6);   reset zero: v_t <- 0 where s_t != 0
 *
 * Both start from u_{-1} = 0 and v_{-1} = initialV. The model `if` is the case voltageDecay = 0;
 * currentDecay = 1 (float) or 4095 (fixed) passes each step's input straight through.
 * A population at depth d (synapses from the encoder) first sees input at step d: its window, the
 * steps its spikes are counted and decoded in, is [d, d + T). onset 'window': before its window the
 * neuron neither integrates (its bias included) nor fires, staying at initialV, so that each layer
 * starts with its input, as in a format without synaptic delay (NIR: every layer reads its input at
 * step 0; spikec's one-step synapses shift layer d by d steps, nothing else). openingV, where given, is the potential
 * v_{d-1} at which that window opens. It is what passes state and keep; initialV is the hardware's
 * step-0 state that the pass manager derives from it through the input-independent prologue
 * (passes/start-potential.ts). payloadBits > 0 sends graded spikes of that many bits (0: binary).
 * src/sim/neurons implements these equations, one file per arithmetic.
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
    openingV: Tensor.optional(),
    onset: z.literal('window').optional(),
    fireAbove: z.literal(true).optional(),
    spikeSign: z.enum(['unsigned', 'signed']),
    payloadBits: z.number().int().min(0).max(32),
    origin: Origin.optional(),
    placement: Placement.optional(),
  })
  .strict()
  .readonly();

/**
 * snn.sigma-delta: a population of sigma-delta neurons (Loihi 2's; Lava's SigmaDelta, lava.proc.sdn), fed
 * by the sum a_t of its input synapses (a_t = W s_{t-1}, see snn.synapse; spikes are graded values). A
 * neuron rebuilds its input from the changes it receives, applies its activation, and sends a change of
 * its own only when the unsent change reaches its threshold. Per step t and neuron i, from
 * sigma = act = residue = 0:
 *   sigma_t   = sigma_{t-1} + a_t
 *   act_t     = relu(sigma_t + bias_i)   (activation relu)   or   sigma_t + bias_i   (identity)
 *   d_t       = act_t - act_{t-1} + residue_{t-1}
 *   sent_t    = d_t if |d_t| >= threshold, else 0;   residue_t = d_t - sent_t
 * arith float: s_t = sent_t, in the units of the activation.
 * arith fixed (Lava's PySigmaDeltaModelFixedCorrected, selected for SigmaDelta by exception_proc_model_map
 * with tag fixed_pt; netx builds its SDNN layers with the same parameters):
 *   all state is integer, in units of 2^-SD_STATE_EXP of a message (ir/bits.ts); threshold and bias are
 *   mantissas of 2^(SD_SPIKE_EXP + SD_STATE_EXP) state units each (threshold is netx's vThMant, unsigned
 *   17 bits; bias signed 16 bits), and the message is the change floored to whole messages, what the floor
 *   drops staying unsent:
 *     s_t = floor(sent_t / 2^SD_STATE_EXP);   residue_t = d_t - s_t 2^SD_STATE_EXP  (when |d_t| >= threshold)
 *   (Lava's default fixed_pt model, PySigmaDeltaModelFixed, loses those bits, so a long stream's sums drift
 *   from the inputs; a held query sends each neuron's value once, and there the two agree: a threshold is at
 *   least one message, more than any residue.)
 * The network holds one query (or a stream, one per step) and settles: with nothing more to send, no
 * neuron changes. Spikes per step: the messages that are not zero.
 */
export const SnnSigmaDelta = z
  .object({
    kind: z.literal('snn.sigma-delta'),
    ...nodeBase,
    activation: z.enum(['relu', 'identity']),
    arith: z.enum(['float', 'fixed']),
    threshold: anyNumber,
    bias: Tensor,
    origin: Origin.optional(),
    placement: Placement.optional(),
  })
  .strict()
  .readonly();

/**
 * snn.readout: a non-spiking accumulator that decodes the network output.
 *   decode mean (the default; rate coding):
 *     y = scale * (sum_{window[0] <= t < window[1]} a_t) / (window[1] - window[0]) + offset
 *   decode sigma (sigma-delta coding; Lava's Sigma, netx's sigma_output layer): the sum of every change
 *   received, read at the end of the window, which is then [0, steps):
 *     y = scale * (sum_{t < window[1]} a_t) + offset
 * where a_t is the summed current of its input synapses at step t.
 */
export const SnnReadout = z
  .object({
    kind: z.literal('snn.readout'),
    ...nodeBase,
    decode: z.enum(['mean', 'sigma']).optional(),
    scale: Tensor,
    offset: Tensor,
    window: z.tuple([z.number().int().nonnegative(), z.number().int().positive()]).readonly(),
    origin: Origin.optional(),
    placement: Placement.optional(),
  })
  .strict()
  .readonly();

/** The steps a readout sums over: rate coding's window T, the divisor of decode mean. */
export const windowLength = (r: z.infer<typeof SnnReadout>): number => r.window[1] - r.window[0];

/** The steps a query runs until every readout of `nodes` has been read: the latest window end (0 if none). */
export const stepsToRead = (nodes: readonly { readonly kind: string }[]): number =>
  Math.max(
    0,
    ...nodes.filter((n): n is z.infer<typeof SnnReadout> => n.kind === 'snn.readout').map((r) => r.window[1]),
  );
