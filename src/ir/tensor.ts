import { z } from 'zod';

/**
 * Any JS number, NaN and infinities included: the schema only checks types, and the verifier
 * reports non-finite values as such, naming the node.
 */
export const anyNumber = z.custom<number>((x) => typeof x === 'number', 'expected a number');

/** Element types a stored tensor may hold. f32 values are kept as JS numbers exactly representable in float32. */
export const TensorDType = z.enum(['f32', 'f64', 'i32']);
export type TensorDType = z.infer<typeof TensorDType>;

/** A dense row-major tensor held as plain data, so graphs compare, print and serialise as values. */
export const Tensor = z
  .object({
    dtype: TensorDType,
    shape: z.array(z.number().int().nonnegative()).readonly(),
    data: z.array(anyNumber).readonly(),
  })
  .strict()
  .readonly();
export type Tensor = z.infer<typeof Tensor>;

export function isTensor(value: unknown): value is Tensor {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.dtype === 'string' && Array.isArray(v.shape) && Array.isArray(v.data) && Object.keys(v).length === 3;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function tensor(dtype: TensorDType, shape: readonly number[], data: ArrayLike<number>): Tensor {
  const values = Array.from(data, (x) => (dtype === 'f32' ? Math.fround(x) : x));
  return { dtype, shape: [...shape], data: values };
}

export const f32 = (shape: readonly number[], data: ArrayLike<number>): Tensor => tensor('f32', shape, data);
export const i32 = (shape: readonly number[], data: ArrayLike<number>): Tensor => tensor('i32', shape, data);

/** Why the tensor's values do not fit its dtype and shape, or undefined when they do. */
export function tensorProblem(t: Tensor): string | undefined {
  if (t.data.length !== numel(t.shape)) {
    return `holds ${t.data.length} values but its shape [${t.shape.join(',')}] needs ${numel(t.shape)}`;
  }
  for (let i = 0; i < t.data.length; i++) {
    const x = t.data[i];
    if (!Number.isFinite(x)) return `value ${i} is ${x}, not a finite number`;
    if (t.dtype === 'f32' && Math.fround(x) !== x) return `value ${i} (${x}) is not a float32`;
    if (t.dtype === 'i32' && (!Number.isInteger(x) || x < -(2 ** 31) || x >= 2 ** 31)) {
      return `value ${i} (${x}) is not a 32-bit integer`;
    }
  }
  return undefined;
}

export function tensorStats(t: Tensor): { min: number; max: number; mean: number } {
  if (t.data.length === 0) return { min: 0, max: 0, mean: 0 };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const x of t.data) {
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  return { min, max, mean: sum / t.data.length };
}
