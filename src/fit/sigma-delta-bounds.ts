import {
  FIXED_LIMITS,
  type FormatLimits,
  type Graph,
  type Node,
  type NodeOf,
  SD_STATE_EXP,
  width,
} from '../ir/index.js';
import { boxOf } from './linalg.js';

/** The largest state a sigma-delta neuron holds (24-bit signed) and a synapse may deliver in a step. */
const STATE_LIMIT = FIXED_LIMITS.voltage[1];

/**
 * The largest state a sigma-delta neuron may reach (and a synapse deliver in a step) within `limits`: 24
 * bits, and where a format's messages are narrower than the state, what they carry (a message is a
 * change of the state shifted right by SD_STATE_EXP).
 */
export function sigmaDeltaStateMax(limits: FormatLimits): number {
  const bits = limits.messageBits;
  return Math.min(STATE_LIMIT, bits ? 2 ** (bits - 1 + SD_STATE_EXP) - 1 : Infinity);
}

/**
 * The input box a network answers for, which its bounds are taken over: its encoder's domain, or the
 * box the calibration inputs span; undefined with neither.
 */
export function inputBox(
  enc: NodeOf<'snn.encoder'>,
  calibration: readonly (readonly number[])[] | undefined,
): readonly (readonly [number, number])[] | undefined {
  return enc.domain ?? (calibration?.length ? boxOf(calibration).slice(0, enc.dims) : undefined);
}

/** Per unit of a node, an interval [lo, hi]. */
export interface Bounds {
  readonly lo: Float64Array;
  readonly hi: Float64Array;
}

const floatWeights = (s: NodeOf<'snn.synapse'>): readonly number[] => {
  if (s.weight.kind !== 'float') throw new Error(`%${s.id}: bounds are taken on the float network`);
  return s.weight.values.data;
};

/** Bounds of W x for x in a box, per row (interval arithmetic). */
function product(W: readonly number[], out: number, k: number, x: Bounds): Bounds {
  const lo = new Float64Array(out);
  const hi = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < k; i++) {
      const w = W[o * k + i];
      if (w === 0) continue;
      lo[o] += Math.min(w * x.lo[i], w * x.hi[i]);
      hi[o] += Math.max(w * x.lo[i], w * x.hi[i]);
    }
  }
  return { lo, hi };
}

/**
 * The one unit of `source` each neuron of a ReLU population reads besides its source's last unit (the
 * bias relay), with its weight and its bias (what that relay brings and its own): neuron r computes
 * relu(g z_c + beta).
 * Undefined when some neuron reads more than one.
 */
function singleInputs(
  pop: NodeOf<'snn.sigma-delta'>,
  syn: NodeOf<'snn.synapse'>,
  relayValue: number,
): { c: number; g: number; beta: number }[] | undefined {
  if (pop.activation !== 'relu') return undefined;
  const W = floatWeights(syn);
  const [out, k] = syn.weight.kind === 'float' ? syn.weight.values.shape : [0, 0];
  const picks: { c: number; g: number; beta: number }[] = [];
  for (let r = 0; r < out; r++) {
    const nz = [];
    for (let i = 0; i < k - 1; i++) if (W[r * k + i] !== 0) nz.push(i);
    if (nz.length > 1) return undefined;
    const beta = W[r * k + k - 1] * relayValue + pop.bias.data[r];
    picks.push({ c: nz[0] ?? -1, g: nz.length ? W[r * k + nz[0]] : 0, beta });
  }
  return picks;
}

/**
 * The largest |state| neuron o of a population holds: its value, its pre-activation sigma + bias and,
 * where it has a bias of its own, its sum sigma alone (Lava keeps sigma, and checks it against 24 bits).
 */
export function worstState(value: Bounds, pre: Bounds | undefined, bias: number, o: number): number {
  let worst = Math.max(Math.abs(value.lo[o]), Math.abs(value.hi[o]));
  if (pre) worst = Math.max(worst, Math.abs(pre.lo[o]), Math.abs(pre.hi[o]));
  if (pre && bias !== 0) worst = Math.max(worst, Math.abs(pre.lo[o] - bias), Math.abs(pre.hi[o] - bias));
  return worst;
}

/**
 * Bounds on the value of every unit of a float sigma-delta network, and on every population's
 * pre-activation (sigma + bias), for inputs anywhere in `box` (one interval per input dimension; the
 * encoder's bias channel is its constant). Interval arithmetic, except where a neuron sums ReLUs of one
 * and the same unit (a pwl activation's ramps): there its range is that piecewise-linear function's
 * exact range over the unit's interval, which interval arithmetic would overstate many times over.
 */
export function sigmaDeltaBounds(
  g: Graph,
  box: readonly (readonly [number, number])[],
): { value: Map<string, Bounds>; preActivation: Map<string, Bounds> } {
  const value = new Map<string, Bounds>();
  const pre = new Map<string, Bounds>();
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const synapseInput = new Map<string, Bounds>();
  for (const n of g.nodes) {
    if (n.kind === 'snn.encoder') {
      const extra = n.biasChannel === undefined ? [] : [n.biasChannel];
      value.set(n.id, {
        lo: Float64Array.from([...box.map(([lo]) => lo), ...extra]),
        hi: Float64Array.from([...box.map(([, hi]) => hi), ...extra]),
      });
    } else if (n.kind === 'snn.synapse') {
      const [out, k] = n.weight.kind === 'float' ? n.weight.values.shape : [0, 0];
      synapseInput.set(n.id, product(floatWeights(n), out, k, value.get(n.inputs[0])!));
    } else if (n.kind === 'snn.sigma-delta' || n.kind === 'snn.readout') {
      const w = width(n.type);
      const lo = new Float64Array(w);
      const hi = new Float64Array(w);
      for (const i of n.inputs) {
        const b = synapseInput.get(i)!;
        for (let o = 0; o < w; o++) [lo[o], hi[o]] = [lo[o] + b.lo[o], hi[o] + b.hi[o]];
      }
      if (n.kind === 'snn.sigma-delta') {
        for (let o = 0; o < w; o++) [lo[o], hi[o]] = [lo[o] + n.bias.data[o], hi[o] + n.bias.data[o]];
        if (n.inputs.length === 1)
          refineRampSums(n, byId.get(n.inputs[0]) as NodeOf<'snn.synapse'>, byId, value, lo, hi);
        pre.set(n.id, { lo: lo.slice(), hi: hi.slice() });
        if (n.activation === 'relu')
          for (let o = 0; o < w; o++) [lo[o], hi[o]] = [Math.max(0, lo[o]), Math.max(0, hi[o])];
      }
      value.set(n.id, { lo, hi });
    }
  }
  return { value, preActivation: pre };
}

/** The exact range of sums of ReLUs of one unit (see sigmaDeltaBounds), narrowing lo and hi in place. */
function refineRampSums(
  n: NodeOf<'snn.sigma-delta'>,
  syn: NodeOf<'snn.synapse'>,
  byId: Map<string, Node>,
  value: Map<string, Bounds>,
  lo: Float64Array,
  hi: Float64Array,
): void {
  const ramps = byId.get(syn.inputs[0]);
  if (ramps?.kind !== 'snn.sigma-delta' || ramps.inputs.length !== 1) return;
  const rampSyn = byId.get(ramps.inputs[0]) as NodeOf<'snn.synapse'>;
  const unitSource = value.get(rampSyn.inputs[0])!;
  const relayValue = unitSource.hi[unitSource.hi.length - 1];
  const picks = singleInputs(ramps, rampSyn, relayValue);
  if (!picks) return;
  const W = floatWeights(syn);
  const k = width(ramps.type);
  const relay = value.get(ramps.id)!.hi[k - 1];
  for (let o = 0; o < lo.length; o++) {
    const used = [...Array(k - 1).keys()].filter((r) => W[o * k + r] !== 0);
    const units = new Set(used.map((r) => picks[r].c));
    if (units.size !== 1) continue;
    const c = [...units][0];
    if (c < 0) continue;
    const f = (z: number): number =>
      used.reduce((s, r) => s + W[o * k + r] * Math.max(0, picks[r].g * z + picks[r].beta), W[o * k + k - 1] * relay);
    const [zlo, zhi] = [unitSource.lo[c], unitSource.hi[c]];
    const at = [zlo, zhi, ...used.map((r) => -picks[r].beta / picks[r].g).filter((z) => z > zlo && z < zhi)];
    const ys = at.map(f).map((y) => y + n.bias.data[o]);
    lo[o] = Math.max(lo[o], Math.min(...ys));
    hi[o] = Math.min(hi[o], Math.max(...ys));
  }
}
