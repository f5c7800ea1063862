import { z } from 'zod';
import { anyNumber } from '../tensor.js';
import { ValueType } from '../types.js';

/** Node names: what `%name` may spell in the textual IR. */
export const NodeId = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'a node name is letters, digits, _ . - (not starting with . or -)');

/**
 * Where an op comes from (MLIR's location): the op of the model it derives from (`source`: its name in
 * the graph the frontend built) and the last pass that created or changed it. The pass manager sets
 * it; printed as a trailing `loc {...}` in IR files and, with --print-debuginfo, in dumps.
 */
export const Loc = z.object({ source: z.string().optional(), pass: z.string().optional() }).strict().readonly();
export type Loc = z.infer<typeof Loc>;

/** Fields every op has: its name, the names of the nodes it reads (in order), its result type and location. */
export const nodeBase = {
  id: NodeId,
  inputs: z.array(NodeId).readonly(),
  type: ValueType,
  loc: Loc.optional(),
};

export const Interval = z.tuple([anyNumber, anyNumber]).readonly();

/** Per-dimension affine map applied to raw inputs: x' = x * scale + offset. */
export const Normalization = z
  .object({ scale: z.array(anyNumber).readonly(), offset: z.array(anyNumber).readonly() })
  .strict()
  .readonly();
export type Normalization = z.infer<typeof Normalization>;

/** Input j's value x as the graph sees it: x * scale[j] + offset[j], or x without a normalization. */
export const normalize = (n: Normalization | undefined, j: number, x: number): number =>
  n ? x * n.scale[j] + n.offset[j] : x;

/** `normalize` over rows of `dims` raw inputs, flattened to [rows, dims]. */
export function normalizeRows(
  n: Normalization | undefined,
  rows: readonly (readonly number[])[],
  dims: number,
): Float64Array {
  const out = new Float64Array(rows.length * dims);
  rows.forEach((row, r) => {
    for (let j = 0; j < dims; j++) out[r * dims + j] = normalize(n, j, row[j]);
  });
  return out;
}

/** Fields that describe how raw inputs enter a graph (shared by ann.input and snn.encoder). */
export const inputFields = {
  dims: z.number().int().positive(),
  names: z.array(z.string()).readonly().optional(),
  domain: z.array(Interval).readonly().optional(),
  normalization: Normalization.optional(),
};
