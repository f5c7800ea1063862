import { type Graph, IrError, type NodeOf, codingOf } from '../ir/index.js';

/** An op the host runs on the decoded readout (a SPINN's slices of it and their rank-r product). */
export type HostOp = NodeOf<'ann.slice'> | NodeOf<'ann.product'> | NodeOf<'ann.concat'>;
const HOST_KINDS: readonly string[] = ['ann.slice', 'ann.product', 'ann.concat'];

/**
 * A spiking network as the backends see it: an encoder, then layers of (synapse -> neurons or readout),
 * then the ops the host runs on the decoded readout (none for an MLP).
 */
export interface SnnChain {
  readonly encoder: NodeOf<'snn.encoder'>;
  readonly layers: readonly {
    readonly synapse: NodeOf<'snn.synapse'>;
    readonly target: NodeOf<'snn.neurons'> | NodeOf<'snn.sigma-delta'> | NodeOf<'snn.readout'>;
  }[];
  /** In order; each reads the readout or host ops before it, and ann.output reads the last (if any). */
  readonly host: readonly HostOp[];
  readonly output: NodeOf<'ann.output'>;
}

/** The chain of a feed-forward spiking network, or an error saying what a backend cannot express. */
export function snnChain(g: Graph, backend: string): SnnChain {
  const encoder = g.nodes.find((n): n is NodeOf<'snn.encoder'> => n.kind === 'snn.encoder');
  if (!encoder) throw new IrError(`${backend}: the graph is not a spiking network (no snn.encoder); compile it first`);
  const unsupported = g.nodes.filter(
    (n) => n.kind.startsWith('ann.') && n.kind !== 'ann.output' && !HOST_KINDS.includes(n.kind),
  );
  if (unsupported.length)
    throw new IrError(
      `${backend}: cannot express ${unsupported.map((n) => `%${n.id} (${n.kind})`).join(', ')}: ` +
        'only a chain of dense spiking layers, one readout and host ops on it',
    );
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const layers: SnnChain['layers'][number][] = [];
  for (const n of g.nodes) {
    if (n.kind !== 'snn.neurons' && n.kind !== 'snn.sigma-delta' && n.kind !== 'snn.readout') continue;
    if (n.inputs.length !== 1)
      throw new IrError(`${backend}: %${n.id} sums ${n.inputs.length} synapses; one per layer is supported`);
    layers.push({ synapse: byId.get(n.inputs[0]) as NodeOf<'snn.synapse'>, target: n });
  }
  const readouts = layers.filter((l) => l.target.kind === 'snn.readout');
  if (readouts.length > 1)
    throw new IrError(
      `${backend}: ${readouts.length} readouts (${readouts.map((r) => `%${r.target.id}`).join(', ')}), one per ` +
        'branch: compile with --target including it, which merges the branches into one chain (merge-branches)',
    );
  if (readouts.length !== 1 || layers[layers.length - 1].target.kind !== 'snn.readout')
    throw new IrError(`${backend}: expected exactly one readout, after the last spiking layer`);
  const host = g.nodes.filter((n): n is HostOp => HOST_KINDS.includes(n.kind));
  const known = new Set([readouts[0].target.id]);
  for (const op of host) {
    const stray = op.inputs.find((i) => !known.has(i));
    if (stray) throw new IrError(`${backend}: host op %${op.id} reads %${stray}, not the readout or a host op`);
    known.add(op.id);
  }
  const output = g.nodes.find((n): n is NodeOf<'ann.output'> => n.kind === 'ann.output')!;
  return { encoder, layers, host, output };
}

/**
 * The host ops as one plain record, for a format's own description of them (netx's `readout/host`,
 * NIR's `spikec_host` metadata), or undefined where there are none: `readout`, the id the decoded
 * readout goes by; `ops`, each reading ids before it; `output`, the id the network's output reads.
 *   slice:   y = x[start:stop]
 *   product: y[j] = sum over k < rank of prod over inputs x of x[j rank + k]  (in that order)
 *   concat:  y = [x_1; x_2; ...]
 */
export function hostRecord(chain: SnnChain): Record<string, unknown> | undefined {
  if (chain.host.length === 0) return undefined;
  const ops = chain.host.map((op) => ({
    op: op.kind.slice('ann.'.length),
    id: op.id,
    inputs: op.inputs,
    ...(op.kind === 'ann.slice' ? { start: op.start, stop: op.stop } : {}),
    ...(op.kind === 'ann.product' ? { rank: op.rank } : {}),
  }));
  return { readout: chain.layers[chain.layers.length - 1].target.id, ops, output: chain.output.inputs[0] };
}

/** Whether a graph is a sigma-delta network (its neurons snn.sigma-delta, its readouts decode sigma). */
/**
 * Whether every synapse of the chain is stored sparse: netx loads all of a file's dense layers one way
 * (sparse_fc_layer), and the Lava script loads its netx file the same way.
 */
export const storedSparse = (chain: SnnChain): boolean => chain.layers.every((l) => l.synapse.storage === 'sparse');

export const isSigmaDelta = (g: Graph): boolean => codingOf(g) === 'sigma-delta';

/** Effective weights of a synapse in the units its target integrates (m * 2^e for integer weights). */
export function effectiveWeights(s: NodeOf<'snn.synapse'>): number[] {
  return s.weight.kind === 'float'
    ? [...s.weight.values.data]
    : s.weight.mantissa.data.map((m) => m * 2 ** (s.weight.kind === 'int' ? s.weight.exponent : 0));
}

export const weightShape = (s: NodeOf<'snn.synapse'>): readonly number[] =>
  s.weight.kind === 'float' ? s.weight.values.shape : s.weight.mantissa.shape;
