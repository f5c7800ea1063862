import { z } from 'zod';

/**
 * Element types of the values that flow along edges.
 * f32/f64: real activations; i32: integer currents (fixed-point synapse output);
 * spike: binary spikes {0,1}; tspike: ternary spikes {-1,0,+1}; graded: spikes with an integer payload.
 */
export const DType = z.enum(['f32', 'f64', 'i32', 'spike', 'tspike', 'graded']);
export type DType = z.infer<typeof DType>;

/** The type of one node's result per batch element: a feature vector of `shape[0]` values. */
export const ValueType = z
  .object({ dtype: DType, shape: z.array(z.number().int().nonnegative()).readonly() })
  .strict()
  .readonly();
export type ValueType = z.infer<typeof ValueType>;

export const vtype = (dtype: DType, width: number): ValueType => ({ dtype, shape: [width] });
export const width = (t: ValueType): number => t.shape.reduce((a, b) => a * b, 1);
export const sameType = (a: ValueType, b: ValueType): boolean =>
  a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
export const showType = (t: ValueType): string => `${t.dtype}[${t.shape.join(',')}]`;
