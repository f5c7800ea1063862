import {
  FIXED_LIMITS,
  type FormatLimits,
  type Graph,
  type Node,
  type NodeOf,
  Node as NodeSchema,
  SD_MANTISSA_UNIT,
  SD_STATE_EXP,
  i32,
  width,
} from '../ir/index.js';
import { maxAbs } from '../fit/linalg.js';
import { type Pass, type PassContext, PassError, type PassResult, profileOf } from './pass.js';
import type { HardwareProfile } from '../ir/index.js';
import { FEEDBACK_MAX_FAN_IN, roundSparseWithFeedback } from '../fit/feedback-rounding.js';
import { inputBox, sigmaDeltaBounds, sigmaDeltaStateMax, worstState } from '../fit/sigma-delta-bounds.js';

/** Headroom over the float network's bounds for what rounding weights, inputs and messages adds. */
const MARGIN = 1 / 8;
/** How much smaller column balancing may make a neuron's scale (measured best on poisson2d within netx). */
const COLUMN_BALANCE = 2;
const MESSAGE_UNIT = 2 ** SD_STATE_EXP;
/** The largest magnitude of a neuron's own (negative) bias, in mantissas. */
const BIAS_MAX = -FIXED_LIMITS.sdBias[0] - 1;

const toInt = (x: number): number => Math.round(x) + 0;
const PASS = 'quantize-sigma-delta';

/**
 * Every unit's value on the calibration rows, the network evaluated as the ReLU network a held query
 * settles on ([rows, width] per node; thresholds aside): what each synapse sees, for rounding.
 */
function settledValues(g: Graph, rows: readonly (readonly number[])[]): Map<string, Float64Array> {
  const values = new Map<string, Float64Array>();
  const B = rows.length;
  for (const n of g.nodes) {
    if (n.kind === 'snn.encoder') {
      const w = width(n.type);
      const v = new Float64Array(B * w);
      rows.forEach((r, b) => {
        for (let j = 0; j < n.dims; j++) v[b * w + j] = r[j];
        if (n.biasChannel !== undefined) v[b * w + n.dims] = n.biasChannel;
      });
      values.set(n.id, v);
    } else if (n.kind === 'snn.synapse' && n.weight.kind === 'float') {
      const [out, k] = n.weight.values.shape;
      const x = values.get(n.inputs[0])!;
      const W = n.weight.values.data;
      const a = new Float64Array(B * out);
      for (let b = 0; b < B; b++)
        for (let o = 0; o < out; o++) {
          let s = 0;
          for (let i = 0; i < k; i++) s += W[o * k + i] * x[b * k + i];
          a[b * out + o] = s;
        }
      values.set(n.id, a);
    } else if (n.kind === 'snn.sigma-delta') {
      const a = Float64Array.from(values.get(n.inputs[0])!);
      const w = width(n.type);
      for (let k = 0; k < a.length; k++) {
        a[k] += n.bias.data[k % w];
        if (n.activation === 'relu' && a[k] < 0) a[k] = 0;
      }
      values.set(n.id, a);
    }
  }
  return values;
}

/** Which unit of a node is its bias relay (the constant 1 it carries for the next layer), if any. */
function relayOf(n: Node, byId: Map<string, Node>): number | undefined {
  if (n.kind === 'snn.encoder') return n.biasChannel === undefined ? undefined : n.dims;
  if (n.kind !== 'snn.sigma-delta' || n.inputs.length !== 1) return undefined;
  const syn = byId.get(n.inputs[0]) as NodeOf<'snn.synapse'>;
  const src = byId.get(syn.inputs[0])!;
  const srcRelay = relayOf(src, byId);
  if (srcRelay === undefined || syn.weight.kind !== 'float') return undefined;
  const [out, k] = syn.weight.values.shape;
  const row = syn.weight.values.data.slice((out - 1) * k, out * k);
  return row.every((w, i) => w === (i === srcRelay ? 1 : 0)) ? out - 1 : undefined;
}

/**
 * quantize-sigma-delta: quantize for sigma-delta networks, every population in Lava's fixed-point SigmaDelta arithmetic
 * (snn.sigma-delta, arith fixed), the inputs as graded spikes of profile.sdInputBits, weights as
 * profile.weightBits mantissas with one exponent per synapse (within ctx.limits' weight range).
 * Each population gets the largest scale (state units per unit of value) at which its worst case over
 * the input domain (sigmaDeltaBounds, plus MARGIN) fits 24 bits and its weights fit their mantissas;
 * its threshold becomes the nearest mantissa (at least 1) of SD_MANTISSA_UNIT state units, and a
 * neuron's own bias (at most 0: the ramps' knots) the nearest 16-bit mantissa of them (a row whose bias
 * would not fit one gets a smaller scale). A population's relay
 * carries a constant chosen so that the biases it brings use the whole mantissa range of the next
 * synapse. Readouts decode y = sum / scale + offset.
 */
export const quantizeSigmaDelta: Pass = {
  name: 'quantize-sigma-delta',
  role: 'quantize',
  coding: 'sigma-delta',
  description:
    "a sigma-delta network in Lava's fixed-point SigmaDelta arithmetic for the target profile (--target): " +
    'mantissas, thresholds and own biases, graded inputs',
  run: (g, ctx) => quantizeNetwork(g, ctx, profileOf(PASS, ctx)),
};

function quantizeNetwork(g: Graph, ctx: PassContext, profile: HardwareProfile): PassResult {
  if (!profile.sdInputBits)
    throw new PassError(PASS, `${profile.name} has no graded spikes, so no sigma-delta neurons`);
  const q = new SigmaDeltaQuantizer(g, ctx, profile, profile.sdInputBits);
  q.chooseScales();
  if (q.range) q.balanceColumns();
  q.chooseRelayMessages();
  q.quantizeEncoder();
  for (const n of q.layers) q.quantizeLayer(n);
  q.stats['max weight error'] = Number(Math.max(0, ...q.errors).toPrecision(3));
  return { graph: { ...g, nodes: g.nodes.map((n) => q.replace.get(n.id) ?? n) }, stats: q.stats };
}

type FloatSynapse = NodeOf<'snn.synapse'> & { weight: { kind: 'float' } };
type Layer = NodeOf<'snn.sigma-delta'> | NodeOf<'snn.readout'>;

/** One quantization of a sigma-delta network: what its steps share, and the steps (quantizeNetwork's order). */
class SigmaDeltaQuantizer {
  readonly byId: Map<string, Node>;
  readonly enc: NodeOf<'snn.encoder'>;
  readonly bounds: ReturnType<typeof sigmaDeltaBounds>;
  readonly calibrationValues: Map<string, Float64Array> | undefined;
  readonly stateMax: number;
  readonly mmax: number;
  readonly range: FormatLimits['weightRange'];
  readonly eMin: number;
  readonly eMax: number;
  readonly wmax: number;
  readonly pmax: number;
  /** Input messages per unit of each input (x' = round(x * inScale) within the payload). */
  readonly inScale: number[];
  readonly replace = new Map<string, Node>();
  readonly stats: Record<string, number | string>;
  readonly errors: number[] = [];
  readonly relays: Map<string, number | undefined>;
  readonly layers: Layer[];
  /** Messages per unit of value of each source unit (the relay's: its message, which stands for 1). */
  readonly perMessage = new Map<string, number[]>();
  /** Each neuron's scale: state units per unit of value. */
  readonly scale = new Map<string, number[]>();
  /** What each relay should send, in messages of the synapse it feeds. */
  readonly wanted = new Map<string, number>();

  constructor(
    g: Graph,
    ctx: PassContext,
    readonly profile: HardwareProfile,
    inputBits: number,
  ) {
    this.byId = new Map(g.nodes.map((n) => [n.id, n]));
    this.enc = g.nodes.find((n): n is NodeOf<'snn.encoder'> => n.kind === 'snn.encoder')!;
    const enc = this.enc;
    const box = inputBox(enc, ctx.calibration);
    if (!box) throw new PassError(PASS, `%${enc.id} has no domain and there are no calibration inputs to bound it`);
    if (enc.normalization) throw new PassError(PASS, `%${enc.id} still has a normalization: run fold-weights`);
    this.bounds = sigmaDeltaBounds(g, box);
    this.calibrationValues = ctx.calibration?.length ? settledValues(g, ctx.calibration) : undefined;
    this.stateMax = sigmaDeltaStateMax(ctx.limits);
    this.mmax = 2 ** (profile.weightBits - 1) - 1;
    this.range = ctx.limits.weightRange;
    const range = this.range;
    [this.eMin, this.eMax] = range ? [0, Math.floor(Math.log2(Math.min(range[1], -range[0]) / this.mmax))] : [-8, 7];
    this.wmax = this.mmax * 2 ** this.eMax;
    // inputs: x' = round(x * perMessage) within the payload; the bias channel a constant of the payload
    this.pmax = 2 ** (inputBits - 1) - 1;
    this.inScale = box.map(([lo, hi]) => this.pmax / Math.max(Math.abs(lo), Math.abs(hi), 1e-12));
    this.stats = { profile: profile.name, coding: 'sigma-delta' };
    this.relays = new Map<string, number | undefined>(g.nodes.map((n) => [n.id, relayOf(n, this.byId)]));
    this.layers = g.nodes.filter((n): n is Layer => n.kind === 'snn.sigma-delta' || n.kind === 'snn.readout');
  }

  /** Integer weights W = w * rowScale / perMessage as mantissa * 2^e, one exponent for the synapse. */
  quantizeSynapse(
    s: NodeOf<'snn.synapse'>,
    perMessage: readonly number[],
    rowScale: readonly number[],
    relayRow: number | undefined,
    headroom: readonly number[],
    inputMax: readonly number[],
  ): { synapse: NodeOf<'snn.synapse'>; tight: number[] } {
    if (s.weight.kind !== 'float') throw new PassError(PASS, `%${s.id} is already quantized`);
    const [out, k] = s.weight.values.shape;
    const ideal = s.weight.values.data.map((w, idx) => (w * rowScale[Math.floor(idx / k)]) / perMessage[idx % k]);
    // the exponent the weights need; the relay's own weight is fitted to it, not the other way round
    const big = maxAbs(ideal.filter((_, idx) => Math.floor(idx / k) !== relayRow));
    // (a hair above a power of two is rounding: the caller scaled the largest weight to the top mantissa)
    const e = Math.min(this.eMax, Math.max(this.eMin, Math.ceil(Math.log2(Math.max(big, 1e-300) / this.mmax) - 1e-9)));
    const scaled = ideal.map((w) => w / 2 ** e);
    const seen = this.calibrationValues?.get(s.inputs[0]);
    // with calibration inputs, rounding looks at what the synapse sees (each row's own weights only)
    const mantissa =
      seen && k <= FEEDBACK_MAX_FAN_IN
        ? roundSparseWithFeedback(
            scaled,
            out,
            k,
            seen.map((v, idx) => v * perMessage[idx % k]),
            this.mmax,
          )
        : scaled.map((w) => Math.max(-this.mmax - 1, Math.min(this.mmax, toInt(w))));
    if (relayRow !== undefined) mantissa[relayRow * k + k - 1] = Math.max(1, mantissa[relayRow * k + k - 1]);
    // what rounding moved a row's sum by, at worst over the domain: within the row's headroom, or the
    // row is rounded plainly (feedback can grow a row; the bound must hold for the integer network)
    const drift = (o: number): number => {
      let d = 0;
      for (let i = 0; i < k; i++) d += Math.abs(mantissa[o * k + i] - scaled[o * k + i]) * 2 ** e * inputMax[i];
      return d;
    };
    const tight: number[] = [];
    for (let o = 0; o < out; o++) {
      if (o === relayRow || drift(o) <= headroom[o]) continue;
      for (let i = 0; i < k; i++)
        mantissa[o * k + i] = Math.max(-this.mmax - 1, Math.min(this.mmax, toInt(scaled[o * k + i])));
      if (drift(o) > headroom[o]) tight.push(o);
    }
    let num = 0;
    let den = 0;
    ideal.forEach((w, idx) => {
      if (Math.floor(idx / k) === relayRow) return;
      num += (w - mantissa[idx] * 2 ** e) ** 2;
      den += w * w;
    });
    const error = Math.sqrt(num / Math.max(den, 1e-300));
    this.errors.push(error);
    this.stats[`${s.id} weight error`] = Number(error.toPrecision(3));
    const synapse = NodeSchema.parse({
      ...s,
      weight: { kind: 'int', mantissa: i32([out, k], mantissa), exponent: e, bits: this.profile.weightBits },
      type: { dtype: 'i32', shape: [out] },
    }) as NodeOf<'snn.synapse'>;
    return { synapse, tight };
  }

  /** Whether each neuron of `n` but its relay reads at most one unit of `syn` besides the source's relay. */
  readsOneUnit(n: Layer, syn: FloatSynapse): boolean {
    const [out, k] = syn.weight.values.shape;
    const srcRelay = this.relays.get(syn.inputs[0]);
    for (let o = 0; o < out; o++) {
      if (o === this.relays.get(n.id)) continue;
      let read = 0;
      for (let i = 0; i < k; i++) if (i !== srcRelay && syn.weight.values.data[o * k + i] !== 0) read++;
      if (read > 1) return false;
    }
    return true;
  }

  synapseOf(n: Node): FloatSynapse {
    if (n.inputs.length !== 1) throw new PassError(PASS, `%${n.id}: a sigma-delta population reads one synapse`);
    const s = this.byId.get(n.inputs[0]) as NodeOf<'snn.synapse'>;
    if (s.weight.kind !== 'float') throw new PassError(PASS, `%${s.id} is already quantized`);
    return s as FloatSynapse;
  }

  rowsOf(n: Node, syn: FloatSynapse, msgs: readonly number[]): number[] {
    const relay = this.relays.get(n.id);
    const srcRelay = this.relays.get(syn.inputs[0]);
    const pre = this.bounds.preActivation.get(n.id);
    const val = this.bounds.value.get(n.id)!;
    const [out, k] = syn.weight.values.shape;
    return Array.from({ length: out }, (_, o) => {
      if (o === relay) return 0;
      const worst = Math.max(1e-12, worstState(val, pre, n.kind === 'snn.sigma-delta' ? n.bias.data[o] : 0, o));
      let sc = this.stateMax / (worst * (1 + MARGIN));
      // a neuron's own bias must fit its mantissa (a quarter of the state's range at most)
      const own = n.kind === 'snn.sigma-delta' ? -n.bias.data[o] : 0;
      if (own > 0) sc = Math.min(sc, (BIAS_MAX * SD_MANTISSA_UNIT) / own);
      for (let i = 0; i < k; i++) {
        const w = Math.abs(syn.weight.values.data[o * k + i]);
        if (w > 0 && i !== srcRelay) sc = Math.min(sc, (this.wmax * msgs[i]) / w);
      }
      return sc;
    });
  }

  /**
   * 1. Each neuron's scale: the largest at which its worst case fits the state and its weights from units
   * other than relays fit the mantissas, given its sources' scales.
   */
  chooseScales(): void {
    this.perMessage.set(this.enc.id, [...this.inScale, 1]);
    for (const n of this.layers) {
      const syn = this.synapseOf(n);
      const sc = this.rowsOf(n, syn, this.perMessage.get(syn.inputs[0])!);
      this.scale.set(n.id, sc);
      this.perMessage.set(
        n.id,
        sc.map((v) => v / MESSAGE_UNIT),
      );
    }
  }

  /**
   * 1b. Where a format caps weight exponents (netx's integer weights), a column whose largest weight falls
   * short of the mantissa range gets it back from a smaller scale of its source neuron, at most
   * COLUMN_BALANCE times smaller (a source's own threshold and incoming weights coarsen with it). A
   * synapse whose rows each read one unit (a channel's ramps) needs no range: quantizeLayer snaps each
   * row's scale to make its weight a whole mantissa, so its source shrinks only as far as keeps every
   * weight at least one mantissa, and keeps the precision of its own incoming weights.
   */
  balanceColumns(): void {
    for (const n of [...this.layers].reverse()) {
      const syn = this.synapseOf(n);
      const src = syn.inputs[0];
      if (src === this.enc.id) continue;
      const [out, k] = syn.weight.values.shape;
      const [sP, sQ] = [this.scale.get(n.id)!, this.scale.get(src)!];
      const single = this.readsOneUnit(n, syn);
      for (let i = 0; i < k; i++) {
        if (i === this.relays.get(src)) continue;
        let need = 0;
        let least = Infinity;
        for (let o = 0; o < out; o++) {
          const w = Math.abs(syn.weight.values.data[o * k + i]) * sP[o];
          if (o === this.relays.get(n.id) || w === 0) continue;
          need = Math.max(need, w);
          least = Math.min(least, w);
        }
        if (single) sQ[i] = Math.min(sQ[i], least * MESSAGE_UNIT);
        else if (need > 0) sQ[i] = Math.max(sQ[i] / COLUMN_BALANCE, Math.min(sQ[i], (need * MESSAGE_UNIT) / this.wmax));
      }
      this.perMessage.set(
        src,
        sQ.map((v) => v / MESSAGE_UNIT),
      );
    }
  }

  /**
   * 2. What each relay should send: the message at which the biases it brings reach the largest of the
   * other weights of the synapse, so they share its exponent without coarsening it, and at which the
   * population's own relay can pass on what the next layer wants of it (last layer first).
   */
  chooseRelayMessages(): void {
    for (const n of [...this.layers].reverse()) {
      const syn = this.synapseOf(n);
      const srcRelay = this.relays.get(syn.inputs[0]);
      if (srcRelay === undefined) continue;
      const [out, k] = syn.weight.values.shape;
      const sc = this.scale.get(n.id)!;
      const msgs = this.perMessage.get(syn.inputs[0])!;
      let wantedMessage = 0;
      let regular = 0;
      const relay = this.relays.get(n.id);
      // a relay sends only at two thresholds or more (quantizeLayer), whether or not the next layer wants it
      const least = Math.min(...sc.filter((_, o) => o !== relay));
      const sends = n.kind === 'snn.sigma-delta' ? 2 * Math.max(SD_MANTISSA_UNIT, n.threshold * least) : 0;
      for (let o = 0; o < out; o++) {
        if (o === relay) {
          wantedMessage = Math.max(wantedMessage, MESSAGE_UNIT * (this.wanted.get(n.id) ?? 0), sends);
          continue;
        }
        wantedMessage = Math.max(wantedMessage, Math.abs(syn.weight.values.data[o * k + srcRelay]) * sc[o]);
        for (let i = 0; i < k; i++)
          if (i !== srcRelay)
            regular = Math.max(regular, (Math.abs(syn.weight.values.data[o * k + i]) * sc[o]) / msgs[i]);
      }
      const cap = this.mmax * 2 ** Math.max(this.eMin, Math.ceil(Math.log2(Math.max(regular, 1e-300) / this.mmax)));
      this.wanted.set(syn.inputs[0], wantedMessage / cap);
    }
  }

  /** 3. The encoder: graded inputs of the payload, its bias channel the message its relay sends. */
  quantizeEncoder(): void {
    const relayEnc = this.relays.get(this.enc.id);
    if (relayEnc !== undefined) {
      const message = Math.max(1, Math.min(this.pmax, toInt(this.wanted.get(this.enc.id) ?? this.pmax)));
      this.perMessage.set(this.enc.id, [...this.inScale, message]);
    }
    this.replace.set(
      this.enc.id,
      NodeSchema.parse({
        ...this.enc,
        payloadBits: this.profile.sdInputBits,
        normalization: { scale: this.inScale, offset: Array(this.enc.dims).fill(0) },
        ...(relayEnc === undefined ? {} : { biasChannel: this.perMessage.get(this.enc.id)![relayEnc] }),
      }),
    );
  }

  /** 3. Each layer in order, with what its sources actually send in the integer arithmetic. */
  quantizeLayer(n: Layer): void {
    const syn = this.synapseOf(n);
    const src = syn.inputs[0];
    const srcRelay = this.relays.get(src);
    const relay = this.relays.get(n.id);
    const msgs = this.perMessage.get(src)!;
    const [out, k] = syn.weight.values.shape;
    // sources whose scales shrank send smaller messages; a relay that could not grow as wanted leaves
    // bias weights larger: each neuron's scale again, within both
    const sc = this.rowsOf(n, syn, msgs).map((v, o) => {
      const b = srcRelay === undefined ? 0 : Math.abs(syn.weight.values.data[o * k + srcRelay]);
      return Math.min(v, this.scale.get(n.id)![o], b > 0 ? (this.wmax * msgs[srcRelay!]) / b : Infinity);
    });
    // the largest weight at the top of a mantissa: between two exponents, a slightly smaller scale
    // keeps every bit of the weights (a threshold a little coarser costs less than a bit of each weight)
    let big = 0;
    for (let o = 0; o < out; o++)
      for (let i = 0; i < k; i++)
        if (o !== relay) big = Math.max(big, (Math.abs(syn.weight.values.data[o * k + i]) * sc[o]) / msgs[i]);
    const fitted = Math.max(this.eMin, Math.min(this.eMax, Math.floor(Math.log2(Math.max(big, 1e-300) / this.mmax))));
    const shrink = Math.min(1, (this.mmax * 2 ** fitted) / Math.max(big, 1e-300));
    for (let o = 0; o < out; o++) if (o !== relay) sc[o] *= shrink;
    // a row reading one unit: the scale, a little smaller, at which its weight is a whole mantissa
    if (this.readsOneUnit(n, syn))
      for (let o = 0; o < out; o++)
        for (let i = 0; i < k; i++) {
          const w = (Math.abs(syn.weight.values.data[o * k + i]) * sc[o]) / msgs[i] / 2 ** fitted;
          if (o !== relay && i !== srcRelay && w >= 1) sc[o] *= Math.floor(w) / w;
        }
    const least = Math.min(...sc.filter((_, o) => o !== relay));
    const vth =
      n.kind === 'snn.sigma-delta'
        ? Math.max(1, Math.min(FIXED_LIMITS.sdThreshold[1], toInt((n.threshold * least) / SD_MANTISSA_UNIT)))
        : 0;
    // the relay's state: what the next layer wants, at least two thresholds (so it is sent), within 24 bits
    if (relay !== undefined)
      sc[relay] = Math.min(
        this.stateMax / 2,
        Math.max(2 * vth * SD_MANTISSA_UNIT, MESSAGE_UNIT * (this.wanted.get(n.id) ?? 0)),
      );
    // each row's room above its worst case over the domain, and each input's largest message
    const pre = this.bounds.preActivation.get(n.id);
    const val = this.bounds.value.get(n.id)!;
    const worstOf = (o: number): number => worstState(val, pre, n.kind === 'snn.sigma-delta' ? n.bias.data[o] : 0, o);
    const srcBounds = this.bounds.value.get(src)!;
    const inputMax = msgs.map((m, i) => Math.max(Math.abs(srcBounds.lo[i]), Math.abs(srcBounds.hi[i])) * m + 1);
    // a row whose rounded weights could take it past the state, even rounded plainly, gets a smaller scale
    let q: NodeOf<'snn.synapse'> | undefined;
    for (let attempt = 0; !q; attempt++) {
      const headroom = sc.map((v, o) => this.stateMax - worstOf(o) * v);
      const { synapse, tight } = this.quantizeSynapse(syn, msgs, sc, relay, headroom, inputMax);
      if (tight.length === 0) q = synapse;
      else if (attempt === 20)
        throw new PassError(PASS, `%${syn.id}: rows ${tight.join(', ')} do not fit 24 bits once rounded`);
      else for (const o of tight) sc[o] *= 0.8;
    }
    this.replace.set(syn.id, q);
    if (n.kind === 'snn.readout') {
      const decode = n.scale.data.map((v, o) => Math.fround(v / sc[o]));
      this.replace.set(n.id, NodeSchema.parse({ ...n, scale: { ...n.scale, data: decode } }));
      return;
    }
    // a neuron's own bias (the ramps' knots): a 16-bit mantissa of SD_MANTISSA_UNIT state units, finer than
    // a weight from the relay; at most 0, or the neuron would send before its query arrives
    if (n.bias.data.some((b) => b > 0))
      throw new PassError(
        PASS,
        `%${n.id}: a sigma-delta neuron's own bias must be at most 0 (others travel on the relay)`,
      );
    const bias = n.bias.data.map((b, o) => toInt((b * sc[o]) / SD_MANTISSA_UNIT));
    const [biasMin] = FIXED_LIMITS.sdBias;
    if (bias.some((b) => b < biasMin))
      throw new PassError(PASS, `%${n.id}: a bias below ${biasMin} mantissas (${SD_MANTISSA_UNIT} state units each)`);
    const sent = sc.map((v) => v / MESSAGE_UNIT);
    if (relay !== undefined && q.weight.kind === 'int') {
      const state = Math.floor(q.weight.mantissa.data[relay * k + k - 1] * msgs[k - 1] * 2 ** q.weight.exponent);
      if (state < vth * SD_MANTISSA_UNIT || state > this.stateMax)
        throw new PassError(PASS, `%${n.id}: its bias relay (${state}) cannot be sent within 24 bits`);
      sent[relay] = Math.floor(state / MESSAGE_UNIT);
    }
    this.perMessage.set(n.id, sent);
    this.replace.set(n.id, NodeSchema.parse({ ...n, arith: 'fixed', threshold: vth, bias: i32([out], bias) }));
    this.stats[`${n.id} threshold`] = Number(((vth * SD_MANTISSA_UNIT) / least).toPrecision(3));
  }
}
