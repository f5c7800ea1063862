import { IrError } from './errors.js';
import { type Node, Node as NodeSchema, type NodeOf } from './graph.js';
import { f32 } from './tensor.js';
import { width } from './types.js';

/** A population of spiking neurons, of either coding. */
export type Population = NodeOf<'snn.neurons'> | NodeOf<'snn.sigma-delta'>;
/** What a synapse of a spiking chain feeds: a population or a readout. */
type Layer = Population | NodeOf<'snn.readout'>;

const concat = (tensors: readonly { readonly data: ArrayLike<number> }[]): number[] =>
  tensors.flatMap((t) => Array.from(t.data));

/** A population of spiking neurons, of either coding: what map-cores places and merge-branches merges. */
export const isPopulation = (n: Node): n is Population => n.kind === 'snn.neurons' || n.kind === 'snn.sigma-delta';

/**
 * The attributes every population (or readout) merged into one must share: what its neurons compute
 * besides their per-neuron tensors.
 */
const SHARED: Record<Layer['kind'], readonly string[]> = {
  'snn.neurons': [
    'model',
    'arith',
    'threshold',
    'reset',
    'currentDecay',
    'voltageDecay',
    'biasExp',
    'spikeSign',
    'payloadBits',
  ],
  'snn.sigma-delta': ['activation', 'arith'],
  'snn.readout': ['decode', 'window'],
};

/**
 * One population (or readout) from several of the same op, reading `synapse`: their per-neuron tensors one
 * after another, their shared attributes (SHARED) equal or an IrError naming the difference. Merged
 * sigma-delta populations send as finely as the finest: the least threshold. `pass` goes into its loc.
 */
export function concatLayers(id: string, synapse: string, targets: readonly Layer[], pass: string): Node {
  const first = targets[0];
  for (const t of targets)
    for (const key of SHARED[first.kind]) {
      const [a, b] = [(first as Record<string, unknown>)[key], (t as Record<string, unknown>)[key]];
      if (JSON.stringify(a) !== JSON.stringify(b))
        throw new IrError(
          `%${first.id} and %${t.id} differ in ${key} (${JSON.stringify(a)}, ${JSON.stringify(b)}): ` +
            'they cannot be one population',
        );
    }
  const n = targets.reduce((s, t) => s + width(t.type), 0);
  const { placement: _p, origin: _o, ...rest } = first as NodeOf<'snn.neurons'>;
  const base = { ...rest, id, inputs: [synapse], type: { ...first.type, shape: [n] } };
  const loc = { ...first.loc, pass };
  if (first.kind === 'snn.readout') {
    const rs = targets as NodeOf<'snn.readout'>[];
    return NodeSchema.parse({
      ...base,
      scale: f32([n], concat(rs.map((r) => r.scale))),
      offset: f32([n], concat(rs.map((r) => r.offset))),
      loc,
    });
  }
  if (first.kind === 'snn.sigma-delta') {
    // a sigma-delta threshold says how finely a neuron sends its value: the merged population sends as
    // finely as the finest branch (in float; quantize then rounds the one threshold)
    const sds = targets as NodeOf<'snn.sigma-delta'>[];
    const threshold = Math.min(...sds.map((t) => t.threshold));
    return NodeSchema.parse({ ...base, threshold, bias: f32([n], concat(sds.map((t) => t.bias))), loc });
  }
  const ns = targets as NodeOf<'snn.neurons'>[];
  const opened = ns.filter((t) => t.openingV).length;
  if (opened !== 0 && opened !== ns.length)
    throw new IrError(`%${first.id}: some branches state where their windows open, some not`);
  return NodeSchema.parse({
    ...base,
    bias: f32([n], concat(ns.map((t) => t.bias))),
    initialV: f32([n], concat(ns.map((t) => t.initialV))),
    ...(opened ? { openingV: f32([n], concat(ns.map((t) => t.openingV!))) } : {}),
    loc,
  });
}
