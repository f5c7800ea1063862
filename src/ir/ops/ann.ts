import { z } from 'zod';
import { Tensor, anyNumber } from '../tensor.js';
import { inputFields, nodeBase } from './common.js';

/**
 * ann.input: the network's real-valued input, one row of `dims` coordinates.
 *   y = x * normalization.scale + normalization.offset   (y = x without normalization)
 * `domain` gives the interval each coordinate is sampled from, when known.
 */
export const AnnInput = z
  .object({ kind: z.literal('ann.input'), ...nodeBase, ...inputFields })
  .strict()
  .readonly();

/** ann.dense: y = W x + b, with W of shape [out, in] and b of shape [out]. */
export const AnnDense = z
  .object({ kind: z.literal('ann.dense'), ...nodeBase, weight: Tensor, bias: Tensor })
  .strict()
  .readonly();

export const ActivationFn = z.enum([
  'tanh',
  'sin',
  'sigmoid',
  'softplus',
  'silu',
  'gelu',
  'gelu_tanh',
  'elu',
  'relu',
  'identity',
  'pwl',
]);
export type ActivationFn = z.infer<typeof ActivationFn>;

/** Knots of a piecewise-linear function: strictly increasing x, values y; constant beyond the end knots. */
export const PwlTable = z
  .object({ x: z.array(anyNumber).readonly(), y: z.array(anyNumber).readonly() })
  .strict()
  .readonly();
export type PwlTable = z.infer<typeof PwlTable>;

/** Per-channel interval of an activation's input that a spiking layer must represent (lo < hi). */
export const ActRange = z.object({ lo: Tensor, hi: Tensor }).strict().readonly();
export type ActRange = z.infer<typeof ActRange>;

/**
 * ann.act: y_i = f(x_i), elementwise.
 * tanh; sin; sigmoid 1/(1+e^-x); softplus ln(1+e^x); silu x sigmoid(x); gelu x Phi(x) = x (1 + erf(x/sqrt 2))/2;
 * gelu_tanh x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))/2 (GELU's tanh form); elu x for x > 0, e^x - 1
 * otherwise (alpha 1); relu max(0,x); identity x;
 * pwl: linear interpolation of `table`, constant beyond its first and last knots.
 * `range` (set by threshold-balance) is the interval of x per channel that conversion represents.
 */
export const AnnAct = z
  .object({
    kind: z.literal('ann.act'),
    ...nodeBase,
    fn: ActivationFn,
    table: PwlTable.optional(),
    range: ActRange.optional(),
  })
  .strict()
  .readonly();

/** ann.scale: y_i = x_i * scale_i + shift_i, elementwise (constant Mul/Add/Sub/Div of an exported model). */
export const AnnScale = z
  .object({ kind: z.literal('ann.scale'), ...nodeBase, scale: Tensor, shift: Tensor })
  .strict()
  .readonly();

/** ann.slice: y = x[start:stop] along the feature axis (SPINN: one input coordinate per branch). */
export const AnnSlice = z
  .object({
    kind: z.literal('ann.slice'),
    ...nodeBase,
    start: z.number().int().nonnegative(),
    stop: z.number().int().nonnegative(),
  })
  .strict()
  .readonly();

/** ann.concat: y = [x_1; x_2; ...], the inputs' features one after another. */
export const AnnConcat = z
  .object({ kind: z.literal('ann.concat'), ...nodeBase })
  .strict()
  .readonly();

/**
 * ann.product: the rank-r inner product that combines the branches of a separable PINN.
 *   y_j = sum_{k<r} prod_b x_b[j*r + k],   every input of width m*r, output width m.
 */
export const AnnProduct = z
  .object({ kind: z.literal('ann.product'), ...nodeBase, rank: z.number().int().positive() })
  .strict()
  .readonly();

/** ann.output: the network's result, y = x; `names` label the output components (u, v, p, ...). */
export const AnnOutput = z
  .object({ kind: z.literal('ann.output'), ...nodeBase, names: z.array(z.string()).readonly().optional() })
  .strict()
  .readonly();
