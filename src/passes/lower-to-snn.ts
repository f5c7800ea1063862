import { match } from 'ts-pattern';
import { GraphBuilder, type Node, type NodeOf, f32, i32, width } from '../ir/index.js';
import { evalAnnAll } from '../sim/ann-eval.js';
import { type ChannelApprox, clipApprox, pwlApprox, signedApprox } from './approx.js';
import { consumers, matmul, matvec } from './graph-edit.js';
import { type Pass, PassError, type PassResult, type PassContext, needCalibration } from './pass.js';
import { columnOf, sorted } from './stats.js';

/** A real-valued ANN value as the spiking network carries it: constant + D * (rates of `source`). */
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
export function approximate(a: NodeOf<'ann.act'>, z: Float64Array, ctx: PassContext): ChannelApprox[] {
  const w = width(a.type);
  if (!a.range) throw new PassError('lower-to-snn', `%${a.id} has no range: run threshold-balance first`);
  const pooled = ctx.balance === 'layer' ? sorted(z) : undefined;
  return Array.from({ length: w }, (_, c) => {
    const s = pooled ?? sorted(columnOf(z, w, c));
    const [lo, hi] = [a.range!.lo.data[c], a.range!.hi.data[c]];
    return match(ctx.strategy)
      .with('pwl', () => pwlApprox(a.fn, a.table, s, lo, hi, ctx.K))
      .with('clip', () => clipApprox(a.fn, a.table, s, lo, hi))
      .with('signed', () => signedApprox(a.fn, a.table, s, lo, hi))
      .exhaustive();
  });
}

/**
 * lower-to-snn: the ann graph becomes a spiking one. Inputs enter as direct current (snn.encoder);
 * each activation becomes IF neurons, per channel the units of the chosen strategy:
 *   clip   one neuron, f as one clipped ramp;
 *   signed one ternary neuron, f as a symmetric clipped unit;
 *   pwl    K neurons, f as a constant plus K clipped ramps between knots fitted to the data.
 * Spikes take a step per layer, so a layer at depth d integrates its bias alone for d steps before its
 * input arrives; every window opens at half a threshold (openingV; the pass manager settles initialV,
 * start-potential.ts).
 * A unit (offset o, threshold theta, slope s) fires at rate r ~ clamp((z - o)/theta); its input weights and
 * bias are divided by theta (so every threshold is 1) and s * theta is folded into the next layer's weights,
 * the constants into its bias. Linear layers read by no activation become snn.readout (their decoding in
 * the synapse weights and offset), so ann ops after them (SPINN product, output) run on readout values.
 */
export const lowerToSnn: Pass = {
  name: 'lower-to-snn',
  needs: ['calibration'],
  lowersToSnn: true,
  description:
    'convert activations to IF neurons (strategy clip, signed or pwl), inputs to an encoder, outputs to readouts',
  run(g, ctx): PassResult {
    if (!g.nodes.some((n) => n.kind === 'ann.act' || n.kind === 'ann.dense'))
      return { graph: g, stats: { neurons: 0 } };
    const calib = needCalibration('lower-to-snn', ctx);
    const z = evalAnnAll(g, calib);
    const users = consumers(g);
    const b = new GraphBuilder(g.name);
    const carried = new Map<string, Carried>();
    const renamed = new Map<string, string>();
    let neurons = 0;
    let units = 0;

    const readout = (
      valueId: string,
      W: readonly number[],
      bias: readonly number[],
      out: number,
      src: Carried,
      originNode: string,
    ): string => {
      const weight = matmul(W, src.decode, out, src.channels, src.units);
      const offset = matvec(W, src.constant, out, src.channels).map((v, o) => v + bias[o]);
      const syn = b.add({
        kind: 'snn.synapse',
        id: `${valueId}.syn`,
        inputs: [src.source],
        weight: { kind: 'float', values: f32([out, src.units], weight) },
      });
      const d = src.depth + 1;
      return b.add({
        kind: 'snn.readout',
        id: valueId,
        inputs: [syn],
        scale: f32([out], Array(out).fill(1)),
        offset: f32([out], offset),
        window: [d, d + ctx.T],
        origin: {
          node: originNode,
          channel: i32(
            [out],
            Array.from({ length: out }, (_, i) => i),
          ),
          offset: f32([out], Array(out).fill(0)),
          scale: f32([out], Array(out).fill(1)),
        },
      });
    };
    const eye = (n: number): number[] => identity(n);

    for (const n of g.nodes) {
      match(n)
        .with({ kind: 'ann.input' }, (x) => {
          if (x.normalization)
            throw new PassError('lower-to-snn', `%${x.id} still has a normalization: run fold-weights first`);
          const id = b.add({
            kind: 'snn.encoder',
            id: x.id,
            inputs: [],
            dims: x.dims,
            names: x.names,
            domain: x.domain,
            mode: 'current',
          });
          carried.set(x.id, {
            source: id,
            depth: 0,
            channels: x.dims,
            units: x.dims,
            decode: eye(x.dims),
            constant: Array(x.dims).fill(0),
          });
        })
        .with({ kind: 'ann.dense' }, (d) => {
          const src = carried.get(d.inputs[0]);
          if (!src)
            throw new PassError(
              'lower-to-snn',
              `%${d.id} reads %${d.inputs[0]} (${g.nodes.find((m) => m.id === d.inputs[0])?.kind}), ` +
                'which has no spiking form; run fold-weights first',
            );
          const readers = users.get(d.id)!;
          const acts = readers.filter((r) => r.kind === 'ann.act');
          if (acts.length > 0 && acts.length !== readers.length)
            throw new PassError('lower-to-snn', `%${d.id} feeds both activations and other ops`);
          if (acts.length === 0) {
            const out = d.weight.shape[0];
            renamed.set(d.id, readout(d.id, d.weight.data, d.bias.data, out, src, d.id));
          }
        })
        .with({ kind: 'ann.act' }, (a) => {
          const d = g.nodes.find((m) => m.id === a.inputs[0]);
          if (d?.kind !== 'ann.dense')
            throw new PassError(
              'lower-to-snn',
              `%${a.id} follows ${d?.kind ?? 'nothing'}; each activation must follow a dense layer`,
            );
          const src = carried.get(d.inputs[0])!;
          const approx = approximate(a, z.get(d.id)!, ctx);
          const out = d.weight.shape[0];
          const WD = matmul(d.weight.data, src.decode, out, src.channels, src.units);
          const Wc = matvec(d.weight.data, src.constant, out, src.channels);
          const unitList = approx.flatMap((ch, j) => ch.units.map((u) => ({ ...u, channel: j })));
          if (unitList.length === 0) unitList.push({ offset: 0, theta: 1, slope: 0, signed: false, channel: 0 });
          const m = unitList.length;
          const weight = unitList.flatMap((u) =>
            WD.slice(u.channel * src.units, (u.channel + 1) * src.units).map((w) => w / u.theta),
          );
          const bias = unitList.map((u) => (d.bias.data[u.channel] + Wc[u.channel] - u.offset) / u.theta);
          const signed = ctx.strategy === 'signed';
          const syn = b.add({
            kind: 'snn.synapse',
            id: `${a.id}.syn`,
            inputs: [src.source],
            weight: { kind: 'float', values: f32([m, src.units], weight) },
          });
          const id = b.add({
            kind: 'snn.neurons',
            id: a.id,
            inputs: [syn],
            model: 'if',
            arith: 'float',
            threshold: 1,
            reset: ctx.limits.reset ?? ctx.reset,
            currentDecay: 1,
            voltageDecay: 0,
            bias: f32([m], bias),
            // half a threshold rounds the counts; a format whose neurons start at rest opens them wherever
            // the prologue takes them, with no stated opening
            initialV: f32([m], Array(m).fill(signed || ctx.limits.restStart ? 0 : 0.5)),
            ...(ctx.limits.restStart ? {} : { openingV: f32([m], Array(m).fill(signed ? 0 : 0.5)) }),
            spikeSign: signed ? 'signed' : 'unsigned',
            payloadBits: 0,
            origin: {
              node: d.id,
              channel: i32(
                [m],
                unitList.map((u) => u.channel),
              ),
              offset: f32(
                [m],
                unitList.map((u) => u.offset),
              ),
              scale: f32(
                [m],
                unitList.map((u) => 1 / u.theta),
              ),
            },
          });
          neurons += m;
          units += approx.length;
          const decode = new Array<number>(out * m).fill(0);
          unitList.forEach((u, k) => {
            decode[u.channel * m + k] = u.slope * u.theta;
          });
          carried.set(a.id, {
            source: id,
            depth: src.depth + 1,
            channels: out,
            units: m,
            decode,
            constant: approx.map((c) => c.constant),
          });
        })
        .with({ kind: 'ann.product' }, { kind: 'ann.concat' }, { kind: 'ann.output' }, (h) => {
          const inputs = h.inputs.map((i) => {
            if (renamed.has(i)) return renamed.get(i)!;
            const c = carried.get(i);
            if (c) {
              // an activation read directly by an output op: decode it in a readout
              const rid = readout(`${i}.out`, eye(c.channels), Array(c.channels).fill(0), c.channels, c, i);
              renamed.set(i, rid);
              return rid;
            }
            return i;
          });
          const { type: _t, id, ...rest } = h as Node;
          renamed.set(id, b.add({ ...(rest as Omit<Node, 'type' | 'id'>), id, inputs } as never));
        })
        .with({ kind: 'ann.scale' }, { kind: 'ann.slice' }, (x) => {
          throw new PassError('lower-to-snn', `%${x.id} (${x.kind}) has no spiking form; run fold-weights first`);
        })
        .with(
          { kind: 'snn.encoder' },
          { kind: 'snn.synapse' },
          { kind: 'snn.neurons' },
          { kind: 'snn.sigma-delta' },
          { kind: 'snn.readout' },
          () => {
            throw new PassError('lower-to-snn', 'the graph is already (partly) spiking');
          },
        )
        .exhaustive();
    }
    // openingV is where each window opens; the pass manager sets initialV to compensate the prologue
    const graph = b.build();
    return {
      graph,
      stats: {
        neurons,
        channels: units,
        'neurons per channel': Number((neurons / Math.max(units, 1)).toFixed(2)),
        strategy: ctx.strategy,
      },
    };
  },
};
