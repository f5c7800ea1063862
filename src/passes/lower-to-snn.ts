import { BALANCE_OPTION, K_OPTION, RESET_OPTION, STRATEGY_OPTION, T_OPTION } from './options.js';
import { type Graph, type NodeOf, f32, i32 } from '../ir/index.js';
import { matmul, matvec } from '../fit/graph-edit.js';
import { type Carried, LoweringState, type LoweringRules, approximate, identity, lowerAnn } from './lowering.js';
import { type Pass, type PassContext, type PassResult } from './pass.js';

/**
 * lower-to-snn: the ann graph becomes a spiking one. Inputs enter as direct current (snn.encoder);
 * each activation becomes IF neurons, per channel the units of the chosen strategy:
 *   clip   one neuron, f as one clipped ramp;
 *   signed one ternary neuron, f as a symmetric clipped unit;
 *   pwl    K neurons, f as a constant plus K clipped ramps between knots fitted to the data.
 * Spikes take a step per layer, so a layer at depth d integrates its bias alone for d steps before its
 * input arrives; every window opens at half a threshold (openingV; the pass manager settles initialV,
 * start-potential.ts). Within a format without synaptic delay (FormatLimits.zeroDelay: NIR) each layer
 * instead rests until its input arrives (onset 'window') and fires above threshold, as that format's IF.
 * A unit (offset o, threshold theta, slope s) fires at rate r ~ clamp((z - o)/theta); its input weights and
 * bias are divided by theta (so every threshold is 1) and s * theta is folded into the next layer's weights,
 * the constants into its bias. Linear layers read by no activation become snn.readout (their decoding in
 * the synapse weights and offset), so ann ops after them (SPINN product, output) run on readout values.
 */
export const lowerToSnn: Pass = {
  name: 'lower-to-snn',
  options: [T_OPTION, STRATEGY_OPTION, K_OPTION, BALANCE_OPTION, RESET_OPTION],
  needs: ['calibration'],
  lowersToSnn: true,
  description:
    'convert activations to IF neurons (strategy clip, signed or pwl), inputs to an encoder, outputs to readouts',
  run(g, ctx): PassResult {
    if (!g.nodes.some((n) => n.kind === 'ann.act' || n.kind === 'ann.dense'))
      return { graph: g, stats: { neurons: 0 } };
    const rules = new RateRules(g, ctx);
    lowerAnn(g, 'lower-to-snn', rules.b, rules);
    // openingV is where each window opens; the pass manager sets initialV to compensate the prologue
    const { neurons, units } = rules;
    return {
      graph: rules.b.build(),
      stats: {
        neurons,
        channels: units,
        'neurons per channel': Number((neurons / Math.max(units, 1)).toFixed(2)),
        strategy: ctx.strategy,
      },
    };
  },
};

/** lower-to-snn's rules for lowerAnn, and what they count. */
class RateRules extends LoweringState implements LoweringRules {
  neurons = 0;
  /** Channels lowered (the activations' widths, summed). */
  units = 0;

  constructor(g: Graph, ctx: PassContext) {
    super(g, ctx, 'lower-to-snn');
  }

  encoder(x: NodeOf<'ann.input'>): Carried {
    const id = this.addEncoder(x, { mode: 'current' });
    const units = x.dims;
    return {
      source: id,
      depth: 0,
      channels: units,
      units,
      decode: identity(units),
      constant: Array(units).fill(0),
    };
  }

  readout(
    valueId: string,
    W: readonly number[],
    bias: readonly number[],
    out: number,
    src: Carried,
    originNode: string,
  ): string {
    const { syn, offset } = this.readoutSynapse(valueId, W, bias, out, src);
    const d = src.depth + 1;
    return this.b.add({
      kind: 'snn.readout',
      id: valueId,
      inputs: [syn],
      scale: f32([out], Array(out).fill(1)),
      offset: f32([out], offset),
      window: [d, d + this.ctx.T],
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
  }

  activation(a: NodeOf<'ann.act'>, d: NodeOf<'ann.dense'>, src: Carried): Carried {
    const approx = approximate(a, this.z.get(d.id)!, this.ctx, 'lower-to-snn', 'rate');
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
    const signed = this.ctx.strategy === 'signed';
    const syn = this.b.add({
      kind: 'snn.synapse',
      id: `${a.id}.syn`,
      inputs: [src.source],
      weight: { kind: 'float', values: f32([m, src.units], weight) },
    });
    const id = this.b.add({
      kind: 'snn.neurons',
      id: a.id,
      inputs: [syn],
      model: 'if',
      arith: 'float',
      threshold: 1,
      reset: this.ctx.limits.reset ?? this.ctx.reset,
      currentDecay: 1,
      voltageDecay: 0,
      bias: f32([m], bias),
      // half a threshold rounds the counts; a format whose neurons start at rest opens them wherever
      // the prologue takes them, with no stated opening
      initialV: f32([m], Array(m).fill(signed || this.ctx.limits.restStart ? 0 : 0.5)),
      ...(this.ctx.limits.restStart ? {} : { openingV: f32([m], Array(m).fill(signed ? 0 : 0.5)) }),
      ...(this.ctx.limits.zeroDelay ? { onset: 'window', fireAbove: true } : {}),
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
    this.neurons += m;
    this.units += approx.length;
    const decode = new Array<number>(out * m).fill(0);
    unitList.forEach((u, k) => {
      decode[u.channel * m + k] = u.slope * u.theta;
    });
    return {
      source: id,
      depth: src.depth + 1,
      channels: out,
      units: m,
      decode,
      constant: approx.map((c) => c.constant),
    };
  }
}
