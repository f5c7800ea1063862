import { z } from 'zod';
import { anyNumber } from '../tensor.js';
import { ValueType } from '../types.js';

/** Node names: what `%name` may spell in the textual IR. */
export const NodeId = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'a node name is letters, digits, _ . - (not starting with . or -)');

/** Fields every op has: its name, the names of the nodes it reads (in order), and its result type. */
export const nodeBase = {
  id: NodeId,
  inputs: z.array(NodeId).readonly(),
  type: ValueType,
};

export const Interval = z.tuple([anyNumber, anyNumber]).readonly();

/** Per-dimension affine map applied to raw inputs: x' = x * scale + offset. */
export const Normalization = z
  .object({ scale: z.array(anyNumber).readonly(), offset: z.array(anyNumber).readonly() })
  .strict()
  .readonly();
export type Normalization = z.infer<typeof Normalization>;

/** Fields that describe how raw inputs enter a graph (shared by ann.input and snn.encoder). */
export const inputFields = {
  dims: z.number().int().positive(),
  names: z.array(z.string()).readonly().optional(),
  domain: z.array(Interval).readonly().optional(),
  normalization: Normalization.optional(),
};
