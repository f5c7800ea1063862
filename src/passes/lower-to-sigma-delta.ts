import { BALANCE_OPTION, K_OPTION, SD_THRESHOLD_OPTION, STRATEGY_OPTION } from './options.js';
import { type Graph, type NodeOf, activationFn, f32, normalize } from '../ir/index.js';
import { evalAnnAll } from '../sim/ann-eval.js';
import { annMacs } from '../sim/energy.js';
import { simulateRows } from '../sim/parallel.js';
import { Rng } from '../sim/rng.js';
import { type ChannelApprox, pwlApprox } from '../fit/approx.js';
import { bendKnots, bendOf, bendTerms, rampShares } from '../fit/ramp-shares.js';
import { actRange, matmul, matvec } from '../fit/graph-edit.js';
import { domainOf } from '../fit/fit-to-ann.js';
import { type Carried, LoweringState, type LoweringRules, approximate, channelSamples, lowerAnn } from './lowering.js';
import {
  DEFAULT_K,
  type Pass,
  type PassContext,
  PassError,
  type PassResult,
  needCalibration,
  rampsOf,
} from './pass.js';

/**
 * Operations per ANN multiply-accumulate a held query of the lowered (float) network may take where --K
 * is not given: ramps per activation are scaled from DEFAULT_K to spend it. Quantizing and finetuning
 * the network leave it sending a little less (0.06 to 0.09 operations per MAC on poisson2d and
 * navier-stokes2d), so the network the hardware runs stays within 2 (issue 30's limit).
 */
export const SD_OPS_BUDGET = 2;
/** The fewest ramps a channel gets however straight its function is where its inputs fall. */
const MIN_RAMPS = 2;
/** The fewest and most ramps per activation the budget may choose. */
const BUDGET_K: readonly [number, number] = [4, 2 * DEFAULT_K['sigma-delta']];

/** Whether some activation of g is fitted by ramps (anything but relu, identity and a pwl table). */
const fitsRamps = (g: Graph): boolean =>
  g.nodes.some((n) => n.kind === 'ann.act' && n.fn !== 'relu' && n.fn !== 'identity' && n.fn !== 'pwl');

/** Decoding of n values followed by a bias relay: [n, n + 1], the identity and a zero column. */
const relayless = (n: number): number[] =>
  Array.from({ length: n * (n + 1) }, (_, k) => (k % (n + 1) === Math.floor(k / (n + 1)) ? 1 : 0));

/** A channel's activation as ReLU units: f(z) ~ constant + sum_k coef_k relu(z - knot_k). */
interface ReluRamps {
  readonly constant: number;
  readonly knots: readonly number[];
  readonly coefs: readonly number[];
}

/**
 * A clipped ramp of height s * theta from o is s relu(z - o) - s relu(z - o - theta): the units of a
 * pwl fit become ReLU units at their knots, coefficients of a shared knot summed, zero ones dropped.
 */
export function reluRamps(a: ChannelApprox): ReluRamps {
  const byKnot = new Map<number, number>();
  for (const u of a.units) {
    byKnot.set(u.offset, (byKnot.get(u.offset) ?? 0) + u.slope);
    byKnot.set(u.offset + u.theta, (byKnot.get(u.offset + u.theta) ?? 0) - u.slope);
  }
  const knots = [...byKnot.keys()].sort((x, y) => x - y);
  const scale = Math.max(1e-300, ...a.units.map((u) => Math.abs(u.slope)));
  const kept = knots.filter((k) => Math.abs(byKnot.get(k)!) > 1e-12 * scale);
  return { constant: a.constant, knots: kept, coefs: kept.map((k) => byKnot.get(k)!) };
}

/** A pwl as ReLU units takes its extremes at its knots or, constant beyond them, at its constant. */
const valuesAtKnots = (f: ReluRamps): number[] => [
  f.constant,
  ...f.knots.map((x) => f.knots.reduce((s, k, i) => s + f.coefs[i] * Math.max(0, x - k), f.constant)),
];
const lowest = (f: ReluRamps): number => Math.min(...valuesAtKnots(f));
const highest = (f: ReluRamps): number => Math.max(...valuesAtKnots(f));

/**
 * lower-to-sigma-delta: the ann graph becomes a sigma-delta network (Loihi 2's graded-spike neurons,
 * snn.sigma-delta). Inputs enter through a delta encoder; a neuron sends a change only when it reaches
 * its threshold, so a held query costs each neuron about one message. Per activation:
 *   relu, identity: one unit per channel, the activation itself;
 *   any other f: per channel a unit z' = relu(z - lo) (z = W x + b, lo the range's lower end), ReLU units
 *   relu(z' - (knot_k - lo)) of the pwl fit (ctx.K ramps per channel on average, else as many as spend
 *   SD_OPS_BUDGET, each channel's share where the error is, src/fit/ramp-shares.ts; each knot its
 *   neuron's own bias, at most 0),
 *   and a unit summing them, relu(f(z) - m) with f = constant + sum_k coef_k relu(z - knot_k) and m the
 *   fit's least value (so the ReLU never clips), which is what the next dense layer reads, its bias
 *   taking back W m: synapses grow with K, not K^2. Both shifts are exact (every knot is at or above lo;
 *   f - m >= 0) and make every population a ReLU, the one activation netx's SDNN layers have.
 * Thresholds are ctx.sdThreshold of each population's range (threshold-balance's, or the fitted
 * function's). Linear layers read by no activation become snn.readout with decode sigma. Every synapse is
 * stored sparse: a channel's ramps read only its unit, and its sum only its ramps, so a message reaches
 * its neuron's few synapses instead of a whole column of zeros.
 */
export const lowerToSigmaDelta: Pass = {
  name: 'lower-to-sigma-delta',
  options: [STRATEGY_OPTION, K_OPTION, BALANCE_OPTION, SD_THRESHOLD_OPTION],
  needs: ['calibration'],
  lowersToSnn: true,
  description: 'convert activations to sigma-delta neurons (ReLU ramps of a pwl fit), outputs to sigma readouts',
  run(g, ctx): PassResult {
    if (!g.nodes.some((n) => n.kind === 'ann.act' || n.kind === 'ann.dense'))
      return { graph: g, stats: { neurons: 0 } };
    // what both lowerings read of the ANN: its values on the calibration inputs and over the domain
    const values: AnnValues = { z: evalAnnAll(g, needCalibration('lower-to-sigma-delta', ctx)), reach: reachOf(g) };
    const first = lowerWith(g, ctx, values);
    if (ctx.K !== undefined || !fitsRamps(g)) return first;
    // no --K: a held query's operations grow with K as A + K C, A about the ANN's MACs (each sum reaching
    // the next layer's units): the K at which the budget is spent, from what the default K's network sends
    const K0 = DEFAULT_K['sigma-delta'];
    const calibration = needCalibration('lower-to-sigma-delta', ctx);
    const ops = simulateRows(first.graph, calibration, { perNeuron: false }).synops / calibration.length;
    const perMac = ops / annMacs(ctx.reference ?? g);
    const scaled = perMac > 1 ? Math.floor((K0 * (SD_OPS_BUDGET - 1)) / (perMac - 1)) : BUDGET_K[1];
    const K = Math.max(BUDGET_K[0], Math.min(BUDGET_K[1], scaled));
    const budget = { 'K for the budget': K, [`operations per ANN MAC at K ${K0}`]: Number(perMac.toFixed(3)) };
    if (K === K0) return { graph: first.graph, stats: { ...budget, ...first.stats } };
    const chosen = lowerWith(g, { ...ctx, K }, values);
    return { graph: chosen.graph, stats: { ...budget, ...chosen.stats } };
  },
};

/** The ANN's values a lowering reads: on the calibration inputs (z) and over the domain (reachOf). */
interface AnnValues {
  readonly z: Map<string, Float64Array>;
  readonly reach: Map<string, Float64Array> | undefined;
}

/** The lowering with ctx's K (else the coding's default). */
function lowerWith(g: Graph, ctx: PassContext, values: AnnValues): PassResult {
  const rules = new SigmaDeltaRules(g, ctx, values);
  lowerAnn(g, 'lower-to-sigma-delta', rules.b, rules);
  // every readout reads at the same step: when the deepest one has received everything
  const graph = rules.b.build();
  const nodes = graph.nodes.map((n) =>
    n.kind === 'snn.readout' ? ({ ...n, window: [0, rules.deepest] as const } as NodeOf<'snn.readout'>) : n,
  );
  return {
    graph: { ...graph, nodes },
    stats: { neurons: rules.neurons, ramps: rules.ramps, 'settle steps': rules.deepest, threshold: ctx.sdThreshold },
  };
}

/**
 * The exact interval of each output of the dense layer `id` over the input's domain, where it reads an
 * ann.input that records its domain: lo_o = b_o + sum_j min(W_oj v_j) over v_j at either end of input j's
 * interval (as the graph sees it, normalized), hi_o the same with max. Undefined otherwise.
 */
function exactRanges(g: Graph, id: string): [number, number][] | undefined {
  const dense = g.nodes.find((n) => n.id === id);
  if (dense?.kind !== 'ann.dense') return undefined;
  const input = g.nodes.find((n) => n.id === dense.inputs[0]);
  if (input?.kind !== 'ann.input' || !input.domain) return undefined;
  const ends = input.domain.map(([lo, hi], j) => [
    normalize(input.normalization, j, lo),
    normalize(input.normalization, j, hi),
  ]);
  const [out, k] = dense.weight.shape;
  return Array.from({ length: out }, (_, o) => {
    let [lo, hi] = [dense.bias.data[o], dense.bias.data[o]];
    for (let j = 0; j < k; j++) {
      const [a, b] = ends[j].map((v) => dense.weight.data[o * k + j] * v);
      lo += Math.min(a, b);
      hi += Math.max(a, b);
    }
    // a constant channel (no weight from the input) still needs an interval
    return hi - lo > 1e-6 ? [lo, hi] : [lo - 1e-3 * Math.max(1, Math.abs(lo)), hi + 1e-3 * Math.max(1, Math.abs(hi))];
  });
}

/** Draws of the input's domain whose ANN values each deeper activation's range covers. */
const REACH_DRAWS = 4096;
/** Their seed: neither the calibration inputs' (7) nor the validation inputs' (src/verification/validation.ts). */
const REACH_SEED = 4_157;
/**
 * What a range drawn from the domain adds at either end, as a fraction of its width: the draws'
 * extremes are not the domain's.
 */
const REACH_MARGIN = 0.05;

/**
 * Where each dense layer's outputs reach over the input's recorded domain: their values on REACH_DRAWS
 * draws of it, by dense id. Undefined where the input records no domain.
 */
export function reachOf(g: Graph): Map<string, Float64Array> | undefined {
  const domain = domainOf(g);
  return domain && evalAnnAll(g, new Rng(REACH_SEED).box(domain, REACH_DRAWS));
}

/** Per channel, [min, max] of values ([rows, width], flat) joined with [lo, hi], widened by REACH_MARGIN. */
export function reachRanges(values: Float64Array, lo: ArrayLike<number>, hi: ArrayLike<number>): [number, number][] {
  const w = lo.length;
  const ranges = Array.from({ length: w }, (_, c): [number, number] => [lo[c], hi[c]]);
  for (let k = 0; k < values.length; k++) {
    const r = ranges[k % w];
    r[0] = Math.min(r[0], values[k]);
    r[1] = Math.max(r[1], values[k]);
  }
  return ranges.map(([l, h]) => [l - REACH_MARGIN * (h - l), h + REACH_MARGIN * (h - l)]);
}

/**
 * The activation with its range as the lowering represents it: what queries from the input's domain
 * reach, where the domain is recorded. A percentile of a few hundred calibration draws stops short of
 * the domain's edges, and beyond a sigma-delta range the network is flat: z' = relu(z - lo) clips below
 * it and the last ramp ends at its top (navier-stokes2d: 1% of the values of 1,024 fresh queries fall
 * outside, and the lowered network is 3 times further from the ANN on them than on the calibration
 * inputs). The dense layer reading the input has its exact interval over the domain; deeper ones the
 * extremes of REACH_DRAWS draws of it (and of threshold-balance's range) with a margin. Elsewhere
 * threshold-balance's range. (Rate coding keeps the percentile, which trades those edges for
 * resolution; a sigma-delta ramp's resolution is its threshold, a fraction of the range either way.)
 */
function covering(
  g: Graph,
  a: NodeOf<'ann.act'>,
  d: NodeOf<'ann.dense'>,
  reach: Map<string, Float64Array> | undefined,
): NodeOf<'ann.act'> {
  if (!a.range) return a;
  const ranges = exactRanges(g, d.id) ?? (reach && reachRanges(reach.get(d.id)!, a.range.lo.data, a.range.hi.data));
  return ranges ? { ...a, range: actRange(ranges) } : a;
}

/** The largest width of a population's channel ranges. */
const range = (lo: readonly number[], hi: readonly number[]): number => Math.max(0, ...lo.map((l, c) => hi[c] - l));

/** lower-to-sigma-delta's rules for lowerAnn, and what they count. */
class SigmaDeltaRules extends LoweringState implements LoweringRules {
  neurons = 0;
  ramps = 0;
  /** The deepest readout's window end: the steps a held query takes to settle. */
  deepest = 0;
  /** Each dense layer's values over the input's domain (reachOf). */
  private readonly reach: Map<string, Float64Array> | undefined;

  constructor(
    private readonly graph: Graph,
    ctx: PassContext,
    values: AnnValues,
  ) {
    super(graph, ctx, 'lower-to-sigma-delta', values.z);
    this.reach = values.reach;
  }

  encoder(x: NodeOf<'ann.input'>): Carried {
    return this.carry(this.addEncoder(x, { mode: 'delta', biasChannel: 1 }), 0, x.dims);
  }

  /**
   * A population of m neurons reading `source` (fanIn units, its bias relay last) and, as its last
   * neuron, a relay of the constant 1 for the next layer. Each neuron's bias is its weight from the
   * source's relay, so it arrives with the query; or, where the caller's biases are all at most 0
   * (`own`; quantize refuses any other), the neuron's own bias (a 16-bit mantissa on Loihi 2, finer
   * than an 8-bit weight; at most 0, so nothing is sent before the query arrives).
   */
  population(
    id: string,
    source: string,
    weight: readonly number[],
    fanIn: number,
    bias: readonly number[],
    activation: 'relu' | 'identity',
    range: number,
    own = false,
  ): string {
    const m = bias.length;
    const w = [...weight];
    if (!own) for (let i = 0; i < m; i++) w[i * fanIn + fanIn - 1] = bias[i];
    const relay = Array.from({ length: fanIn }, (_, k) => (k === fanIn - 1 ? 1 : 0));
    const syn = this.b.add({
      kind: 'snn.synapse',
      id: `${id}.syn`,
      inputs: [source],
      weight: { kind: 'float', values: f32([m + 1, fanIn], [...w, ...relay]) },
      storage: 'sparse',
    });
    this.neurons += m + 1;
    return this.b.add({
      kind: 'snn.sigma-delta',
      id,
      inputs: [syn],
      activation,
      arith: 'float',
      threshold: this.ctx.sdThreshold * (range > 0 ? range : 1),
      bias: f32([m + 1], own ? [...bias, 0] : Array(m + 1).fill(0)),
    });
  }

  /** What a population of `channels` neurons (and its relay) carries: its values, decoded as they are. */
  carry(source: string, depth: number, channels: number): Carried {
    return {
      source,
      depth,
      channels,
      units: channels + 1,
      decode: relayless(channels),
      constant: Array(channels).fill(0),
    };
  }

  readout(valueId: string, W: readonly number[], bias: readonly number[], out: number, src: Carried): string {
    const { syn, offset } = this.readoutSynapse(valueId, W, bias, out, src, 'sparse');
    const id = this.b.add({
      kind: 'snn.readout',
      id: valueId,
      inputs: [syn],
      decode: 'sigma',
      scale: f32([out], Array(out).fill(1)),
      offset: f32([out], offset),
      window: [0, src.depth + 2],
    });
    this.deepest = Math.max(this.deepest, src.depth + 2);
    return id;
  }

  /**
   * Per channel of a, the pwl fit of its function on the calibration values of its input: rampsOf(ctx)
   * ramps per channel on average, each channel's share where the error is (rampShares), its knots
   * starting at the best density for its bend (bendKnots); or, for a pwl table, its own knots.
   */
  private fitsOf(a: NodeOf<'ann.act'>, d: NodeOf<'ann.dense'>): ChannelApprox[] {
    const z = this.z.get(d.id)!;
    const ctx = { ...this.ctx, strategy: 'pwl' as const };
    if (a.fn === 'pwl') return approximate(a, z, ctx, 'lower-to-sigma-delta', 'sigma-delta');
    const w = d.weight.shape[0];
    const K = rampsOf(ctx, 'sigma-delta');
    const f = activationFn(a.fn, a.table);
    const samples = channelSamples(z, w, ctx.balance);
    const [lo, hi] = [a.range!.lo.data, a.range!.hi.data];
    const terms = samples.map((s, c) => bendTerms(f, s, lo[c], hi[c]));
    const next = this.graph.nodes.find((n): n is NodeOf<'ann.dense'> => n.kind === 'ann.dense' && n.inputs[0] === a.id);
    // how much a channel's miss weighs in the next layer: its column's squared norm there
    const sensitivity = (c: number): number => {
      if (!next) return 1;
      const [rows, cols] = next.weight.shape;
      let sum = 0;
      for (let o = 0; o < rows; o++) sum += next.weight.data[o * cols + c] ** 2;
      return sum;
    };
    const weights = terms.map((t, c) => sensitivity(c) ** 0.2 * bendOf(t));
    const shares = rampShares(weights, K * w, MIN_RAMPS, 3 * K);
    // each channel's knots start where its share of the bend is spread evenly, then move to fit
    return samples.map((s, c) =>
      pwlApprox(a.fn, a.table, s, lo[c], hi[c], shares[c], bendKnots(terms[c], lo[c], hi[c], shares[c])),
    );
  }

  activation(balanced: NodeOf<'ann.act'>, d: NodeOf<'ann.dense'>, src: Carried): Carried {
    const a = covering(this.graph, balanced, d, this.reach);
    if (!a.range) throw new PassError('lower-to-sigma-delta', `%${a.id} has no range: run threshold-balance first`);
    const out = d.weight.shape[0];
    const WD = matmul(d.weight.data, src.decode, out, src.channels, src.units);
    const bias = matvec(d.weight.data, src.constant, out, src.channels).map((v, o) => v + d.bias.data[o]);
    const zRange = range(a.range.lo.data, a.range.hi.data);
    if (a.fn === 'relu' || a.fn === 'identity') {
      const pop = this.population(a.id, src.source, WD, src.units, bias, a.fn, zRange);
      return this.carry(pop, src.depth + 1, out);
    }
    // z' = relu(z - lo) >= 0 loses nothing: every ramp's knot is at or above lo, so below it the ramps
    // are all 0 either way
    const lo = a.range.lo.data;
    const zpop = this.population(
      `${a.id}.z`,
      src.source,
      WD,
      src.units,
      bias.map((v, c) => v - lo[c]),
      'relu',
      zRange,
    );
    const fits = this.fitsOf(a, d).map(reluRamps);
    const units = fits.flatMap((f, c) => f.knots.map((knot, k) => ({ channel: c, knot, coef: f.coefs[k] })));
    const R = units.length;
    this.ramps += R;
    const pick = new Array<number>(R * (out + 1)).fill(0);
    units.forEach((u, r) => (pick[r * (out + 1) + u.channel] = 1));
    // relu(z' - (knot - lo)): every knot is at or above lo, so each ramp's bias is its own (at most 0)
    const knots = units.map((u) => Math.min(0, lo[u.channel] - u.knot));
    const rampPop = this.population(`${a.id}.ramp`, zpop, pick, out + 1, knots, 'relu', zRange, true);
    const sum = new Array<number>(out * (R + 1)).fill(0);
    units.forEach((u, r) => (sum[u.channel * (R + 1) + r] = u.coef));
    // f - min f >= 0 over the range: one ReLU unit per channel that is f shifted (netx's SDNN layers
    // have no other activation), its shift a constant the next layer's bias takes back. A ramp reaches
    // one synapse, not the two of a pair relu(f), relu(-f): about a quarter of a layer's overhead
    const lows = fits.map(lowest);
    const span = Math.max(...fits.map((f, c) => highest(f) - lows[c]));
    const sumPop = this.population(
      a.id,
      rampPop,
      sum,
      R + 1,
      fits.map((f, c) => f.constant - lows[c]),
      'relu',
      span,
    );
    return { ...this.carry(sumPop, src.depth + 3, out), constant: lows };
  }
}
