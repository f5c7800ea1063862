import { z } from 'zod';
import { AnnAct, AnnConcat, AnnDense, AnnInput, AnnOutput, AnnProduct, AnnScale, AnnSlice } from './ops/ann.js';
import { SnnEncoder, SnnNeurons, SnnReadout, SnnSigmaDelta, SnnSynapse } from './ops/snn.js';

/** Every op of both dialects, told apart by `kind`. */
export const Node = z.discriminatedUnion('kind', [
  AnnInput,
  AnnDense,
  AnnAct,
  AnnScale,
  AnnSlice,
  AnnConcat,
  AnnProduct,
  AnnOutput,
  SnnEncoder,
  SnnSynapse,
  SnnNeurons,
  SnnSigmaDelta,
  SnnReadout,
]);
export type Node = z.infer<typeof Node>;
export type NodeKind = Node['kind'];
export type NodeOf<K extends NodeKind> = Extract<Node, { kind: K }>;

export const NODE_KINDS: readonly NodeKind[] = Node.options.map((o) => o.def.innerType.shape.kind.value);

/** Fields of a node that are not attributes. */
export const STRUCTURAL_FIELDS = new Set(['kind', 'id', 'inputs', 'type']);

/** A whole network: nodes in definition order (each node's inputs appear before it once verified). */
export const Graph = z
  .object({
    name: z.string(),
    nodes: z.array(Node).readonly(),
  })
  .strict()
  .readonly();
export type Graph = z.infer<typeof Graph>;

export const isSource = (n: Node): boolean => n.kind === 'ann.input' || n.kind === 'snn.encoder';
export const isSink = (n: Node): boolean => n.kind === 'ann.output';
