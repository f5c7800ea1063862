import { type Graph, IrError, type NodeOf } from '../ir/index.js';

/** A spiking network as the backends see it: an encoder, then layers of (synapse -> neurons or readout). */
export interface SnnChain {
  readonly encoder: NodeOf<'snn.encoder'>;
  readonly layers: readonly {
    readonly synapse: NodeOf<'snn.synapse'>;
    readonly target: NodeOf<'snn.neurons'> | NodeOf<'snn.sigma-delta'> | NodeOf<'snn.readout'>;
  }[];
  readonly output: NodeOf<'ann.output'>;
}

/** The chain of a feed-forward spiking network, or an error saying what a backend cannot express. */
export function snnChain(g: Graph, backend: string): SnnChain {
  const encoder = g.nodes.find((n): n is NodeOf<'snn.encoder'> => n.kind === 'snn.encoder');
  if (!encoder) throw new IrError(`${backend}: the graph is not a spiking network (no snn.encoder); compile it first`);
  const unsupported = g.nodes.filter(
    (n) =>
      n.kind === 'ann.product' || n.kind === 'ann.concat' || (n.kind.startsWith('ann.') && n.kind !== 'ann.output'),
  );
  if (unsupported.length)
    throw new IrError(
      `${backend}: cannot express ${unsupported.map((n) => `%${n.id} (${n.kind})`).join(', ')}: ` +
        'only a chain of dense spiking layers and one readout',
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
  if (readouts.length !== 1 || layers[layers.length - 1].target.kind !== 'snn.readout')
    throw new IrError(`${backend}: expected exactly one readout, after the last spiking layer`);
  const output = g.nodes.find((n): n is NodeOf<'ann.output'> => n.kind === 'ann.output')!;
  return { encoder, layers, output };
}

/** Whether a graph is a sigma-delta network (its neurons snn.sigma-delta, its readouts decode sigma). */
export const isSigmaDelta = (g: Graph): boolean => g.nodes.some((n) => n.kind === 'snn.sigma-delta');

/** Effective weights of a synapse in the units its target integrates (m * 2^e for integer weights). */
export function effectiveWeights(s: NodeOf<'snn.synapse'>): number[] {
  return s.weight.kind === 'float'
    ? [...s.weight.values.data]
    : s.weight.mantissa.data.map((m) => m * 2 ** (s.weight.kind === 'int' ? s.weight.exponent : 0));
}

export const weightShape = (s: NodeOf<'snn.synapse'>): readonly number[] =>
  s.weight.kind === 'float' ? s.weight.values.shape : s.weight.mantissa.shape;
