import {
  type Graph,
  type Node,
  type NodeOf,
  Node as NodeSchema,
  f32,
  i32,
  normalizeRows,
  DECAY_UNIT,
  FIXED_LIMITS,
  VOLTAGE_SCALE,
  width,
  windowLength,
} from '../ir/index.js';
import { rewrite } from '../fit/graph-edit.js';
import { simulateRows } from '../sim/parallel.js';
import { FEEDBACK_MAX_FAN_IN, roundWithFeedback } from '../fit/feedback-rounding.js';
import { boxOf, maxAbs, worstInput } from '../fit/linalg.js';
import { windowOpenings } from '../fit/start-potential.js';
import { type Pass, type PassContext, PassError, type PassResult, profileOf } from './pass.js';
import type { HardwareProfile } from '../ir/index.js';
import { refitReadout } from '../fit/readout-refit.js';

type Synapse = NodeOf<'snn.synapse'>;

// Loihi's integer ranges have one home, ir/bits.ts
const VOLTAGE_MAX = FIXED_LIMITS.voltage[1];
const VTH_MAX = FIXED_LIMITS.threshold[1];
const BIAS_MANT_MAX = FIXED_LIMITS.biasMantissa[1];

/** Nearest integer, never -0 (an integer field has no negative zero). */
const toInt = (x: number): number => Math.round(x) + 0;

/** An integer weight layer: w ~ m * 2^e / lambda, with the largest lambda the ranges allow. */
interface LayerScale {
  readonly lambda: number;
  readonly exponent: number;
  readonly mantissa: number[];
  /** ||W - W_q|| / ||W||. */
  readonly error: number;
}

/**
 * How the weights of a synapse, in mantissa units, become integers (plain rounding, or rounding that
 * looks at the inputs).
 */
type Rounder = (scaled: number[], mmax: number, exponent: number) => number[];
const plainRounding: Rounder = (scaled) => scaled.map(toInt);

function weightScale(
  id: string,
  W: readonly number[],
  bound: number,
  profile: HardwareProfile,
  extra: (lambda: number) => string | undefined,
  round: Rounder = plainRounding,
  range?: readonly [number, number],
): LayerScale {
  const mmax = 2 ** (profile.weightBits - 1) - 1;
  // within a format's weight range, no exponent above the largest at which every mantissa fits it
  const maxExponent = range ? Math.floor(Math.log2(Math.min(range[1], -range[0]) / mmax)) : 7;
  const wmax = Math.max(maxAbs(W), 1e-12);
  const reasons: string[] = [];
  const problem = (lambda: number): string | undefined =>
    lambda * bound > profile.maxActivation
      ? `the synaptic input could reach ${(lambda * bound).toFixed(0)} > ${profile.maxActivation}`
      : extra(lambda);
  for (let e = Math.min(7, maxExponent); e >= -8; e--) {
    let lambda = (mmax * 2 ** e) / wmax;
    const why = problem(lambda);
    if (why) {
      reasons.push(why);
      continue;
    }
    if (e < 0) {
      // the exponent stays 0 below 2^0, so the weights' resolution is 1 / lambda: take the largest
      // lambda that fits, not only powers of two (every limit grows with lambda, so bisect)
      let bad = (mmax * 2 ** (e + 1)) / wmax;
      for (let it = 0; it < 40; it++) {
        const mid = (lambda + bad) / 2;
        if (problem(mid)) bad = mid;
        else lambda = mid;
      }
    }
    // A negative exponent would floor every accumulated sum (and netx takes integer weights): below
    // 2^0 keep exponent 0 and let the mantissas use fewer than their bits instead.
    const exponent = Math.max(e, 0);
    const mantissa = round(
      W.map((w) => (w * lambda) / 2 ** exponent),
      mmax,
      exponent,
    );
    let num = 0;
    let den = 0;
    W.forEach((w, k) => {
      num += (w - (mantissa[k] * 2 ** exponent) / lambda) ** 2;
      den += w * w;
    });
    return { lambda, exponent, mantissa, error: Math.sqrt(num / Math.max(den, 1e-300)) };
  }
  throw new PassError(
    'quantize',
    `%${id}: no weight exponent in [-8, 7] fits the ${profile.name} ranges (${reasons[reasons.length - 1]})`,
  );
}

/** The box spanned by the calibration inputs. */
function calibrationBox(ctx: PassContext, dims: number): [number, number][] | undefined {
  if (!ctx.calibration?.length) return undefined;
  return boxOf(ctx.calibration).slice(0, dims);
}

/** Bias as mantissa * 2^exp (13-bit mantissa, exp 0..7, or only `only` where a format reads one exponent). */
function biasBits(id: string, b: readonly number[], only?: number): { mant: number[]; exp: number } {
  const big = maxAbs(b);
  for (let exp = only ?? 0; exp <= (only ?? 7); exp++)
    if (big / 2 ** exp <= BIAS_MANT_MAX) return { mant: b.map((v) => toInt(v / 2 ** exp)), exp };
  throw new PassError('quantize', `%${id}: bias ${big.toFixed(0)} exceeds 4095 * 2^${only ?? 7} in Loihi units`);
}

/**
 * quantize: the float spiking network in Loihi's integer arithmetic (profile bit widths). Per layer,
 * weights become signed mantissas with one exponent and a scale lambda (threshold 1 becomes vth =
 * lambda): the largest lambda is chosen whose worst-case synaptic input, threshold, bias and
 * potentials fit their fields, which keeps the most precision. Inputs become graded spikes of the
 * profile's payload width. A field that cannot fit is an error naming the layer, never a wrap.
 */
export const quantize: Pass = {
  name: 'quantize',
  role: 'quantize',
  coding: 'rate',
  description:
    'integer weights, thresholds, biases and decays of a rate-coded network for the target profile (--target)',
  run(g: Graph, ctx: PassContext): PassResult {
    const profile = profileOf('quantize', ctx);
    if (!g.nodes.some((n) => n.kind === 'snn.neurons'))
      throw new PassError('quantize', 'needs a spiking network: run lower-to-snn or lower-to-sigma-delta first');
    const q = new RateQuantizer(g, ctx, profile);
    for (const n of g.nodes) {
      if (n.kind === 'snn.neurons' && n.arith !== 'fixed') q.quantizePopulation(n);
      else if (n.kind === 'snn.readout') q.quantizeReadout(n);
    }
    const { stats, wide } = q;
    stats['max weight error'] = Number(Math.max(...q.errors).toPrecision(3));
    if (wide.length) stats[`a_in may exceed ${profile.hintActivation}`] = wide.map((w) => `%${w}`).join(' ');
    // the readout, fitted again on the counts the integer layers before it produce
    const refit = refitReadout(g, rewrite(g, q.replace), ctx.calibration ?? [], profile.maxActivation);
    return { graph: refit.graph, stats: { ...stats, ...refit.stats } };
  },
};

/** One quantization of a rate-coded network: what its steps share, and the steps (quantize.run's order). */
class RateQuantizer {
  readonly byId: Map<string, Node>;
  readonly replace = new Map<string, Node>();
  readonly stats: Record<string, number | string>;
  readonly errors: number[] = [];
  /** Synapses whose worst input may not fit the chip's narrower accumulator. */
  readonly wide: string[] = [];
  /** Where each population's window opens in the float network (the integer one opens there too). */
  private readonly opening: Map<string, Float64Array>;
  /** The readouts' window: what a rounded bias loses per step, T times over. */
  private readonly T: number;
  private readonly enc: NodeOf<'snn.encoder'>;
  private readonly pmax: number;
  /** Input spikes per unit of each input: x' = round(x * sigma), sigma from the encoder's domain. */
  private readonly sigma: number[];
  private readonly graded: { scale: number[]; offset: number[] };
  /** The float network on the calibration inputs: what each synapse sees, for rounding with feedback. */
  private readonly calibSim: ReturnType<typeof simulateRows> | undefined;

  constructor(
    g: Graph,
    private readonly ctx: PassContext,
    private readonly profile: HardwareProfile,
  ) {
    this.byId = new Map(g.nodes.map((n) => [n.id, n]));
    this.stats = { profile: profile.name };
    // the integer network's windows open where the float network's did, in its own units, plus what
    // the rounded bias loses per step, T times over the window
    this.opening = windowOpenings(g);
    const readout = g.nodes.find((n): n is NodeOf<'snn.readout'> => n.kind === 'snn.readout');
    this.T = readout ? windowLength(readout) : 0;
    // Inputs: graded spikes x' = round(x * sigma), sigma from the encoder's domain.
    const enc = g.nodes.find((n): n is NodeOf<'snn.encoder'> => n.kind === 'snn.encoder')!;
    this.enc = enc;
    this.pmax = 2 ** (profile.inputBits - 1) - 1;
    const norm = enc.normalization ?? { scale: Array(enc.dims).fill(1), offset: Array(enc.dims).fill(0) };
    const domain = enc.domain ?? calibrationBox(ctx, enc.dims);
    if (!domain)
      throw new PassError(
        'quantize',
        `%${enc.id} has no domain and there are no calibration inputs: ` +
          'the input range is needed to scale graded input spikes',
      );
    const xmax = domain.map(([lo, hi], j) =>
      Math.max(Math.abs(lo * norm.scale[j] + norm.offset[j]), Math.abs(hi * norm.scale[j] + norm.offset[j]), 1e-12),
    );
    this.sigma = xmax.map((m) => this.pmax / m);
    const sigma = this.sigma;
    this.graded = { scale: norm.scale.map((s, j) => s * sigma[j]), offset: norm.offset.map((o, j) => o * sigma[j]) };
    this.replace.set(
      enc.id,
      NodeSchema.parse({
        ...enc,
        mode: 'graded',
        payloadBits: profile.inputBits,
        normalization: this.graded,
        type: { dtype: 'graded', shape: [enc.dims] },
      }),
    );
    // what each synapse's inputs are on the calibration data (graded input values, or spike rates of
    // the float network), for rounding weights with feedback
    this.calibSim = ctx.calibration?.length ? simulateRows(g, ctx.calibration) : undefined;
  }

  private rounderInputs(src: Node): Float64Array | undefined {
    if (!this.calibSim || !this.ctx.calibration) return undefined;
    return src.kind === 'snn.encoder'
      ? normalizeRows(this.graded, this.ctx.calibration, this.enc.dims)
      : this.calibSim.rate.get(src.id);
  }

  /** The encoder clips a graded input to [-(pmax + 1), pmax]: an input beyond the domain reaches -(pmax + 1). */
  private inputMax(src: Node): number[] {
    return src.kind === 'snn.encoder' ? Array(this.enc.dims).fill(this.pmax + 1) : Array(width(src.type)).fill(1);
  }

  /** Largest |a_in| a synapse can deliver, in the float network's units. */
  private inputBound(s: Synapse): number {
    if (s.weight.kind !== 'float') return 0;
    const [out, k] = s.weight.values.shape;
    return worstInput(s.weight.values.data, out, k, this.inputMax(this.byId.get(s.inputs[0])!));
  }

  /** A synapse's integer weights at the largest scale lambda at which `extra` finds nothing wrong. */
  private quantSynapse(
    s: Synapse,
    extra: (lambda: number) => string | undefined,
    range?: readonly [number, number],
  ): { node: Node; scale: LayerScale } {
    const profile = this.profile;
    if (s.weight.kind !== 'float') throw new PassError('quantize', `%${s.id} is already quantized`);
    const [out, k] = s.weight.values.shape;
    const src = this.byId.get(s.inputs[0])!;
    const rescale = src.kind === 'snn.encoder' ? this.sigma : Array(k).fill(1);
    const W = s.weight.values.data.map((w, idx) => w / rescale[idx % k]);
    const smax = this.inputMax(src);
    // Worst case of the synaptic input a_in (the bias enters the voltage, not a_in).
    const bound = worstInput(W, out, k, smax);
    // feedback rounding holds fan-in x fan-in matrices and costs fan-in^3: wider synapses round plainly
    const X = k <= FEEDBACK_MAX_FAN_IN ? this.rounderInputs(src) : undefined;
    // rounding with feedback may grow a row's sum of |weights|: it must still fit the synaptic input
    const round: Rounder | undefined = X
      ? (scaled, mmax, exponent) => {
          const q = roundWithFeedback(scaled, out, k, X, mmax);
          return worstInput(q, out, k, smax) * 2 ** exponent > profile.maxActivation
            ? plainRounding(scaled, mmax, exponent)
            : q;
        }
      : undefined;
    const scale = weightScale(s.id, W, bound, profile, extra, round, range);
    if (scale.lambda * bound > profile.hintActivation) this.wide.push(s.id);
    this.errors.push(scale.error);
    this.stats[`weight error %${s.id}`] = Number(scale.error.toPrecision(3));
    const node = NodeSchema.parse({
      ...s,
      type: { dtype: 'i32', shape: [out] },
      weight: {
        kind: 'int',
        mantissa: i32([out, k], scale.mantissa),
        exponent: scale.exponent,
        bits: profile.weightBits,
      },
    });
    return { node, scale };
  }

  /** A population and its synapse in fixed point: threshold, bias, potentials and window openings. */
  quantizePopulation(n: NodeOf<'snn.neurons'>): void {
    const ctx = this.ctx;
    if (n.inputs.length !== 1)
      throw new PassError(
        'quantize',
        `%${n.id} has ${n.inputs.length} input synapses; quantize handles one per population`,
      );
    if (n.currentDecay !== 1 || n.voltageDecay !== 0)
      throw new PassError('quantize', `%${n.id}: only non-leaky IF neurons without synaptic filtering are quantized`);
    const s = this.byId.get(n.inputs[0]) as Synapse;
    // A bias beyond the largest possible synaptic input plus two thresholds fixes the neuron's
    // output (a spike every step, or none): clamping it there is exact and keeps lambda large.
    const reach = this.inputBound(s) + 2 * n.threshold;
    const bias = n.bias.data.map((b) => Math.min(Math.max(b, -reach), reach));
    const fits = (lambda: number): string | undefined => {
      const vth = Math.round(lambda * n.threshold);
      if (vth < 1 || vth > VTH_MAX) return `threshold ${vth} is outside 1..${VTH_MAX}`;
      const big = maxAbs(bias) * VOLTAGE_SCALE * lambda;
      const biasLimit = BIAS_MANT_MAX * 2 ** (ctx.limits.biasExp ?? 7);
      if (big > biasLimit) return `bias ${big.toFixed(0)} exceeds ${biasLimit}`;
      const v0 = maxAbs(n.initialV.data) * VOLTAGE_SCALE * lambda;
      if (v0 > VOLTAGE_MAX) return `initial potential ${v0.toFixed(0)} exceeds 2^23 - 1`;
      if (2 * VOLTAGE_SCALE * vth > VOLTAGE_MAX) return `threshold ${vth} leaves no headroom in the 24-bit voltage`;
      return undefined;
    };
    const { node: syn, scale } = this.quantSynapse(s, fits, ctx.limits.weightRange);
    const vth = toInt(scale.lambda * n.threshold);
    const { mant, exp } = biasBits(
      n.id,
      bias.map((b) => b * VOLTAGE_SCALE * scale.lambda),
      ctx.limits.biasExp,
    );
    const T = this.T;
    const openingV = Array.from(
      this.opening.get(n.id)!,
      (v, i) => v * VOLTAGE_SCALE * scale.lambda + T * (bias[i] * VOLTAGE_SCALE * scale.lambda - mant[i] * 2 ** exp),
    );
    this.replace.set(s.id, syn);
    this.replace.set(
      n.id,
      NodeSchema.parse({
        ...n,
        arith: 'fixed',
        threshold: vth,
        currentDecay: DECAY_UNIT - 1,
        voltageDecay: 0,
        bias: i32([mant.length], mant),
        biasExp: exp,
        initialV: i32(
          [n.initialV.data.length],
          n.initialV.data.map((v) => toInt(v * VOLTAGE_SCALE * scale.lambda)),
        ),
        ...(ctx.limits.restStart ? {} : { openingV: i32([openingV.length], openingV.map(toInt)) }),
      }),
    );
  }

  /** A readout's synapse in fixed point, its decoding scale divided by the synapse's lambda. */
  quantizeReadout(n: NodeOf<'snn.readout'>): void {
    const syns = n.inputs.map((i) => this.byId.get(i) as Synapse);
    if (syns.length !== 1)
      throw new PassError('quantize', `%${n.id} has ${syns.length} input synapses; quantize handles one`);
    // a readout is decoded on the host: no format's weight range applies to it
    const { node: syn, scale } = this.quantSynapse(syns[0], () => undefined);
    this.replace.set(syn.id, syn);
    const w = width(n.type);
    this.replace.set(
      n.id,
      NodeSchema.parse({
        ...n,
        scale: f32(
          [w],
          n.scale.data.map((s) => s / scale.lambda),
        ),
      }),
    );
  }
}
