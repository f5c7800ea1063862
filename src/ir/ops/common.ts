import { z } from 'zod';
import { anyNumber } from '../tensor.js';
import { ValueType } from '../types.js';

/** Node names: what `%name` may spell in the textual IR. */
export const NodeId = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'a node name is letters, digits, _ . - (not starting with . or -)');

/**
 * The ops of the model an op derives from: one name, or (MLIR's fused location) every op it derives from
 * when there are several, e.g. a synapse made of a dense layer's weights for an activation's neurons.
 */
export const LocSource = z.union([z.string(), z.array(z.string()).min(2).readonly()]);
export type LocSource = z.infer<typeof LocSource>;

/**
 * Where an op comes from (MLIR's location): the ops of the model it derives from (`source`: their names
 * in the graph the frontend built) and the last pass that created or changed it. A pass may state the
 * source of the ops it creates; the pass manager sets the rest. Printed as a trailing `loc {...}` in IR
 * files and, with --print-debuginfo, in dumps.
 */
export const Loc = z.object({ source: LocSource.optional(), pass: z.string().optional() }).strict().readonly();

/** One source, or every distinct one fused (the order kept). */
export function fusedSource(sources: readonly LocSource[]): LocSource {
  const all = [...new Set(sources.flatMap((s) => (typeof s === 'string' ? [s] : s)))];
  return all.length === 1 ? all[0] : all;
}
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
