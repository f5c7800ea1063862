import {
  IrError,
  type Node,
  Node as NodeSchema,
  type NodeOf,
  type Population,
  concatLayers,
  f32,
  i32,
  isPopulation,
  width,
} from '../ir/index.js';
import { consumers } from '../fit/graph-edit.js';
import { type Pass, PassError, type PassResult } from './pass.js';

type Synapse = NodeOf<'snn.synapse'>;
type Target = Population | NodeOf<'snn.readout'>;
/** One depth of a branch: the synapse and what it feeds. */
interface Level {
  readonly synapse: Synapse;
  readonly target: Target;
}

/** The levels of the branch ending at `readout`, from the encoder's side, or why it is not one chain. */
function branchOf(readout: NodeOf<'snn.readout'>, byId: ReadonlyMap<string, Node>, readers: Map<string, Node[]>) {
  const levels: Level[] = [];
  let target: Target = readout;
  for (;;) {
    if (target.inputs.length !== 1)
      throw new PassError('merge-branches', `%${target.id} sums ${target.inputs.length} synapses: not one chain`);
    const synapse = byId.get(target.inputs[0]) as Synapse;
    levels.unshift({ synapse, target });
    const source = byId.get(synapse.inputs[0])!;
    if (source.kind === 'snn.encoder') return levels;
    if (!isPopulation(source))
      throw new PassError('merge-branches', `%${synapse.id} reads ${source.kind} %${source.id}: not one chain`);
    if (readers.get(source.id)!.length !== 1)
      throw new PassError('merge-branches', `%${source.id} feeds ${readers.get(source.id)!.length} synapses`);
    target = source;
  }
}

/** Row-major [rows, cols], each block on the diagonal, or (stacked: each block reads every column) rows stacked. */
function blockDiagonal(blocks: readonly { rows: number; cols: number; values: ArrayLike<number> }[], stacked: boolean) {
  const rows = blocks.reduce((s, b) => s + b.rows, 0);
  const cols = stacked ? blocks[0].cols : blocks.reduce((s, b) => s + b.cols, 0);
  const out = new Array<number>(rows * cols).fill(0);
  let [r0, c0] = [0, 0];
  for (const b of blocks) {
    for (let r = 0; r < b.rows; r++)
      for (let c = 0; c < b.cols; c++) out[(r0 + r) * cols + c0 + c] = b.values[r * b.cols + c];
    r0 += b.rows;
    if (!stacked) c0 += b.cols;
  }
  return { shape: [rows, cols], values: out };
}

/** The merged synapse of one level: the branches' weights block-diagonal, in one weight format. */
function mergeSynapses(id: string, input: string, synapses: readonly Synapse[], stacked: boolean): Node {
  const first = synapses[0];
  const w = first.weight;
  for (const s of synapses)
    if (
      s.weight.kind !== w.kind ||
      (s.weight.kind === 'int' && w.kind === 'int' && (s.weight.exponent !== w.exponent || s.weight.bits !== w.bits)) ||
      (s.storage ?? 'dense') !== (first.storage ?? 'dense')
    )
      throw new PassError('merge-branches', `%${first.id} and %${s.id} hold their weights differently`);
  const blocks = synapses.map((s) => {
    const t = s.weight.kind === 'float' ? s.weight.values : s.weight.mantissa;
    return { rows: t.shape[0], cols: t.shape[1], values: t.data };
  });
  const { shape, values } = blockDiagonal(blocks, stacked);
  const weight =
    w.kind === 'float' ? { kind: 'float', values: f32(shape, values) } : { ...w, mantissa: i32(shape, values) };
  const { placement: _, ...rest } = first;
  return NodeSchema.parse({
    ...rest,
    id,
    inputs: [input],
    type: { ...first.type, shape: [shape[0]] },
    weight,
    loc: { ...first.loc, pass: 'merge-branches' },
  });
}

/**
 * merge-branches: where the chosen formats hold one chain of layers (FormatLimits.chain: lava-netx, nir
 * and lava-py), the parallel branches of a separable network (SPINN: one MLP per input axis, each
 * branch reading the whole encoder, their readouts combined by a rank-r product on the host) become
 * one chain, depth by depth. At each depth one population holds the branches' neurons one after
 * another, fed by one synapse whose weights are the branches' block-diagonal (at the first depth the
 * branches' rows stacked, as each reads every input); one readout holds the branches' outputs one after
 * another, and the host ops read slices of it under the branches' readout names. Exact: every neuron
 * receives what it did (the other branches' weights are zero) and keeps its attributes, so it spikes
 * as it did. One exception: sigma-delta populations take the smallest of their thresholds, so that
 * each neuron sends its value at least as finely as it did (for a few more messages). Branches of
 * different depths, or whose populations at one depth differ in what their neurons compute (a
 * rate-coded threshold, reset, decays, ...), cannot be one chain: a PassError names them.
 * Without the limit, or with one readout, the graph is left as it is.
 */
export const mergeBranches: Pass = {
  name: 'merge-branches',
  description: 'merge the parallel branches of a separable network (SPINN) into one chain, for formats that need one',
  run(g, ctx): PassResult {
    const readouts = g.nodes.filter((n): n is NodeOf<'snn.readout'> => n.kind === 'snn.readout');
    if (!ctx.limits.chain || readouts.length < 2) return { graph: g, stats: { branches: readouts.length } };
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    const readers = consumers(g);
    const branches = readouts.map((r) => branchOf(r, byId, readers));
    const depth = branches[0].length;
    const uneven = branches.find((b) => b.length !== depth);
    if (uneven)
      throw new PassError(
        'merge-branches',
        `%${readouts[0].id} is ${depth} layers from the encoder and ` +
          `%${uneven[uneven.length - 1].target.id} ${uneven.length}: branches of different depths are not one chain`,
      );
    const encoder = byId.get(branches[0][0].synapse.inputs[0])!;
    if (branches.some((b) => b[0].synapse.inputs[0] !== encoder.id))
      throw new PassError('merge-branches', 'the branches read different encoders');
    const merged: Node[] = [];
    let input = encoder.id;
    for (let d = 0; d < depth; d++) {
      const targets = branches.map((b) => b[d].target);
      const id = targets.map((t) => t.id).join('_and_');
      const synapses = branches.map((b) => b[d].synapse);
      merged.push(mergeSynapses(`${id}.syn`, input, synapses, d === 0));
      try {
        merged.push(concatLayers(id, `${id}.syn`, targets, 'merge-branches'));
      } catch (err) {
        if (err instanceof IrError) throw new PassError('merge-branches', err.message);
        throw err;
      }
      input = id;
    }
    // the host ops read slices of the merged readout, under the names of the readouts they read
    let at = 0;
    const slices = readouts.map((r) => {
      const n = width(r.type);
      at += n;
      return NodeSchema.parse({
        kind: 'ann.slice',
        id: r.id,
        inputs: [input],
        type: r.type,
        start: at - n,
        stop: at,
        loc: { ...r.loc, pass: 'merge-branches' },
      });
    });
    const inBranches = new Set(branches.flat().flatMap((l) => [l.synapse.id, l.target.id]));
    const rest = g.nodes.filter((n) => n.id !== encoder.id && !inBranches.has(n.id));
    const nodes = [encoder, ...merged, ...slices, ...rest];
    return { graph: { ...g, nodes }, stats: { branches: branches.length, depth } };
  },
};
