import { P, match } from 'ts-pattern';
import {
  type Coding,
  type Graph,
  GraphBuilder,
  type LocSource,
  type Node,
  type NodeOf,
  f32,
  fusedSource,
  width,
} from '../ir/index.js';
import { type ChannelApprox, clipApprox, pwlApprox, signedApprox } from '../fit/approx.js';
import { consumers, matmul, matvec } from '../fit/graph-edit.js';
import { evalAnnAll } from '../sim/ann-eval.js';
import { type PassContext, PassError, needCalibration, rampsOf } from './pass.js';
import { columnOf, sorted } from '../fit/stats.js';

/** A real-valued ANN value as the spiking network carries it: constant + D * (the units of `source`). */
export interface Carried {
  readonly source: string;
  readonly depth: number;
  readonly channels: number;
  readonly units: number;
  /** Decoding matrix [channels, units]; identity for the encoder. */
  readonly decode: readonly number[];
  readonly constant: readonly number[];
}

export const identity = (n: number): number[] =>
  Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 1 : 0));

/** Per channel of `a`, the units of ctx.strategy fitted to the calibration values z of its input. */
export function approximate(
  a: NodeOf<'ann.act'>,
  z: Float64Array,
  ctx: PassContext,
  pass: string,
  coding: Coding,
): ChannelApprox[] {
  if (!a.range) throw new PassError(pass, `%${a.id} has no range: run threshold-balance first`);
  return channelSamples(z, width(a.type), ctx.balance).map((s, c) => {
    const [lo, hi] = [a.range!.lo.data[c], a.range!.hi.data[c]];
    return match(ctx.strategy)
      .with('pwl', () => pwlApprox(a.fn, a.table, s, lo, hi, rampsOf(ctx, coding)))
      .with('clip', () => clipApprox(a.fn, a.table, s, lo, hi))
      .with('signed', () => signedApprox(a.fn, a.table, s, lo, hi))
      .exhaustive();
  });
}

/**
 * Each channel's calibration values of a [rows, w] array, sorted: its own column, or with per-layer
 * balance the whole layer's values (one array, shared).
 */
export function channelSamples(z: Float64Array, w: number, balance: PassContext['balance']): Float64Array[] {
  const pooled = balance === 'layer' ? sorted(z) : undefined;
  return Array.from({ length: w }, (_, c) => pooled ?? sorted(columnOf(z, w, c)));
}

/** The model op a node of the ann graph stands for (its loc's source, else its own name). */
const sourceOf = (n: Node): LocSource => n.loc?.source ?? n.id;

/** What both lowerings' rules start from: the graph they build, and every ANN node's calibration values. */
export abstract class LoweringState {
  readonly b: GraphBuilder;
  /** Every ANN node's values on the calibration inputs. */
  protected readonly z: Map<string, Float64Array>;

  /** `z`: those values where the caller has them already (a pass that lowers the same graph twice). */
  constructor(
    g: Graph,
    protected readonly ctx: PassContext,
    pass: string,
    z?: Map<string, Float64Array>,
  ) {
    this.z = z ?? evalAnnAll(g, needCalibration(pass, ctx));
    this.b = new GraphBuilder(g.name);
  }

  /**
   * The synapse `valueId.syn` carrying W (src's decoded value) to a readout of `out` values, and the
   * offset that readout adds: W's share of src's constants plus `bias`.
   */
  protected readoutSynapse(
    valueId: string,
    W: readonly number[],
    bias: readonly number[],
    out: number,
    src: Carried,
    storage?: 'sparse',
  ): { syn: string; offset: number[] } {
    const weight = matmul(W, src.decode, out, src.channels, src.units);
    const offset = matvec(W, src.constant, out, src.channels).map((v, o) => v + bias[o]);
    const syn = this.b.add({
      kind: 'snn.synapse',
      id: `${valueId}.syn`,
      inputs: [src.source],
      weight: { kind: 'float', values: f32([out, src.units], weight) },
      ...(storage ? { storage } : {}),
    });
    return { syn, offset };
  }

  /** The encoder of the graph's input, sending as `mode` says (delta: with its bias channel); its id. */
  protected addEncoder(x: NodeOf<'ann.input'>, mode: { mode: 'current' } | { mode: 'delta'; biasChannel: number }) {
    return this.b.add({
      kind: 'snn.encoder',
      id: x.id,
      inputs: [],
      dims: x.dims,
      names: x.names,
      domain: x.domain,
      ...mode,
    });
  }
}

/** What a lowering decides; the walk over the ann graph (lowerAnn) is shared. */
export interface LoweringRules {
  /** Adds the encoder for the graph's input; what it carries. */
  encoder(x: NodeOf<'ann.input'>): Carried;
  /** Adds a readout decoding W (src's value) + bias into `out` values named valueId; its id. */
  readout(
    valueId: string,
    W: readonly number[],
    bias: readonly number[],
    out: number,
    src: Carried,
    origin: string,
  ): string;
  /** Adds the neurons of activation a after dense d, which reads src; what they carry. */
  activation(a: NodeOf<'ann.act'>, d: NodeOf<'ann.dense'>, src: Carried): Carried;
}

/**
 * The walk both lowerings share: the input becomes the encoder, each activation (after its dense
 * layer) neurons, a dense layer read by no activation a readout, and the ann ops after readouts (SPINN
 * product, concat, output) stay, reading readouts (an activation read directly by one is decoded in a
 * readout of its own). Anything else is an error naming the op.
 */
export function lowerAnn(g: Graph, pass: string, b: GraphBuilder, rules: LoweringRules): void {
  const users = consumers(g);
  const carried = new Map<string, Carried>();
  const renamed = new Map<string, string>();
  for (const n of g.nodes) {
    match(n)
      .with({ kind: 'ann.input' }, (x) => {
        if (x.normalization) throw new PassError(pass, `%${x.id} still has a normalization: run fold-weights first`);
        carried.set(
          x.id,
          b.withSource(sourceOf(x), () => rules.encoder(x)),
        );
      })
      .with({ kind: 'ann.dense' }, (d) => {
        const src = carried.get(d.inputs[0]);
        if (!src)
          throw new PassError(
            pass,
            `%${d.id} reads %${d.inputs[0]} (${g.nodes.find((m) => m.id === d.inputs[0])?.kind}), ` +
              'which has no spiking form; run fold-weights first',
          );
        const readers = users.get(d.id)!;
        const acts = readers.filter((r) => r.kind === 'ann.act');
        if (acts.length > 0 && acts.length !== readers.length)
          throw new PassError(pass, `%${d.id} feeds both activations and other ops`);
        if (acts.length === 0)
          renamed.set(
            d.id,
            b.withSource(sourceOf(d), () =>
              rules.readout(d.id, d.weight.data, d.bias.data, d.weight.shape[0], src, d.id),
            ),
          );
      })
      .with({ kind: 'ann.act' }, (a) => {
        const d = g.nodes.find((m) => m.id === a.inputs[0]);
        if (d?.kind !== 'ann.dense')
          throw new PassError(
            pass,
            `%${a.id} follows ${d?.kind ?? 'nothing'}; each activation must follow a dense layer`,
          );
        // the neurons, their synapses and relays are the dense layer's weights for the activation
        carried.set(
          a.id,
          b.withSource(fusedSource([sourceOf(d), sourceOf(a)]), () =>
            rules.activation(a, d, carried.get(d.inputs[0])!),
          ),
        );
      })
      .with({ kind: 'ann.product' }, { kind: 'ann.concat' }, { kind: 'ann.output' }, (h) => {
        const inputs = h.inputs.map((i) => {
          if (renamed.has(i)) return renamed.get(i)!;
          const c = carried.get(i);
          if (!c) return i;
          // an activation read directly by an output op: decode it in a readout
          const rid = b.withSource(sourceOf(g.nodes.find((m) => m.id === i)!), () =>
            rules.readout(`${i}.out`, identity(c.channels), Array(c.channels).fill(0), c.channels, c, i),
          );
          renamed.set(i, rid);
          return rid;
        });
        const { type: _t, id, ...rest } = h as Node;
        renamed.set(id, b.add({ ...(rest as Omit<Node, 'type' | 'id'>), id, inputs } as never));
      })
      .with({ kind: 'ann.scale' }, { kind: 'ann.slice' }, (x) => {
        throw new PassError(pass, `%${x.id} (${x.kind}) has no spiking form; run fold-weights first`);
      })
      .with({ kind: P.string.startsWith('snn.') }, () => {
        throw new PassError(pass, 'the graph is already (partly) spiking');
      })
      .exhaustive();
  }
}
