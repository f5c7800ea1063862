import { IrError, type NodeOf, SD_MANTISSA_UNIT, SD_STATE_EXP, STATE_BITS, stepsToRead } from '../ir/index.js';
import { encode, hostOutputs } from './host.js';
import { type SimProgram, type SynapseOp, widthOf } from './program.js';
import type { LayerCounters, SimOptions, SimResult } from './types.js';

/** A sigma-delta population's state for the whole batch, [rows * n] each. */
interface Population {
  readonly node: NodeOf<'snn.sigma-delta'>;
  readonly n: number;
  readonly sigma: Float64Array;
  readonly act: Float64Array;
  readonly residue: Float64Array;
  /** Messages of the step before (what the synapses deliver) and of this step; swapped after each step. */
  prev: Float64Array;
  cur: Float64Array;
  /** Bias and threshold in state units (fixed: mantissa << SD_SPIKE_EXP + SD_STATE_EXP). */
  readonly bias: Float64Array;
  readonly threshold: number;
  spikes: number;
}

const STATE_LIMIT = 2 ** (STATE_BITS - 1) - 1;
const MESSAGE_UNIT = 2 ** SD_STATE_EXP;

function population(node: NodeOf<'snn.sigma-delta'>, rows: number): Population {
  const n = widthOf(node);
  const unit = node.arith === 'fixed' ? SD_MANTISSA_UNIT : 1;
  return {
    node,
    n,
    sigma: new Float64Array(rows * n),
    act: new Float64Array(rows * n),
    residue: new Float64Array(rows * n),
    prev: new Float64Array(rows * n),
    cur: new Float64Array(rows * n),
    bias: Float64Array.from(node.bias.data, (b) => b * unit),
    threshold: node.threshold * unit,
    spikes: 0,
  };
}

/**
 * One step of a population: the equations documented on SnnSigmaDelta (src/ir/ops/snn.ts), float or
 * Lava's fixed-point model. Writes the messages to pop.cur, marks the rows that sent one, returns how
 * many were sent.
 */
function stepPopulation(pop: Population, input: Float64Array, rows: number, active: Uint8Array): number {
  const { n, sigma, act, residue, cur, bias, threshold } = pop;
  const fixed = pop.node.arith === 'fixed';
  const relu = pop.node.activation === 'relu';
  let sent = 0;
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) {
      const k = r * n + i;
      sigma[k] += input[k];
      let a = sigma[k] + bias[i];
      if (relu && a < 0) a = 0;
      if (fixed && (Math.abs(sigma[k]) > STATE_LIMIT || Math.abs(a) > STATE_LIMIT))
        throw new IrError(
          `sigma-delta state ${Math.abs(sigma[k]) > STATE_LIMIT ? sigma[k] : a} of neuron ${i} exceeds ` +
            `${STATE_BITS} bits (quantize bounds a held query over the input domain; beyond it, or over a long ` +
            'stream that leaves the calibration domain, it can)',
          `%${pop.node.id}`,
        );
      const d = a - act[k] + residue[k];
      act[k] = a;
      if (Math.abs(d) >= threshold) {
        const s = fixed ? Math.floor(d / MESSAGE_UNIT) : d;
        // fixed point: what the message's floor dropped stays unsent (Lava's corrected model)
        residue[k] = fixed ? d - s * MESSAGE_UNIT : 0;
        cur[k] = s;
        if (s !== 0) {
          sent++;
          active[r] = 1;
        }
      } else {
        residue[k] = d;
        cur[k] = 0;
      }
    }
  }
  return sent;
}

/** A synapse's nonzero weights by source unit (CSR): targets and weights of unit i at start[i]..start[i + 1]. */
interface SparseRows {
  readonly start: Int32Array;
  readonly target: Int32Array;
  readonly weight: Float64Array;
}
const sparseRows = new WeakMap<SynapseOp, SparseRows>();
function sparseRowsOf(syn: SynapseOp): SparseRows {
  let rows = sparseRows.get(syn);
  if (rows) return rows;
  const { fanIn, fanOut, wt } = syn;
  const start = new Int32Array(fanIn + 1);
  for (let i = 0; i < fanIn; i++) {
    let nonzero = 0;
    for (let o = 0; o < fanOut; o++) if (wt[i * fanOut + o] !== 0) nonzero++;
    start[i + 1] = start[i] + nonzero;
  }
  const target = new Int32Array(start[fanIn]);
  const weight = new Float64Array(start[fanIn]);
  for (let i = 0, k = 0; i < fanIn; i++)
    for (let o = 0; o < fanOut; o++) if (wt[i * fanOut + o] !== 0) [target[k], weight[k++]] = [o, wt[i * fanOut + o]];
  rows = { start, target, weight };
  sparseRows.set(syn, rows);
  return rows;
}

/**
 * a = W s for every row, from the source's messages (float values, or integers shifted by the weight
 * exponent with floor, as Lava's Dense and Sparse); returns the synaptic operations: per message sent,
 * the synapses the hardware holds for its neuron (snn.synapse's storage: sparse, its nonzero weights;
 * dense, the whole column). Sums run over sources in order, as the dense product does (a zero weight
 * adds nothing).
 */
function deliver(syn: SynapseOp, msgs: Float64Array, out: Float64Array, rows: number, active: Uint8Array): number {
  const { fanIn, fanOut } = syn;
  const { start, target, weight } = sparseRowsOf(syn);
  const scale = 2 ** syn.exponent;
  out.fill(0, 0, rows * fanOut);
  let ops = 0;
  for (let r = 0; r < rows; r++) {
    const o0 = r * fanOut;
    let any = false;
    for (let i = 0; i < fanIn; i++) {
      const s = msgs[r * fanIn + i];
      if (s === 0) continue;
      any = true;
      ops += syn.sparse ? start[i + 1] - start[i] : fanOut;
      for (let k = start[i]; k < start[i + 1]; k++) out[o0 + target[k]] += s * weight[k];
    }
    if (!any) continue;
    active[r] = 1;
    if (syn.integer) for (let o = 0; o < fanOut; o++) out[o0 + o] = Math.floor(out[o0 + o] * scale);
  }
  return ops;
}

/** What a run of the network leaves: its populations, each readout's running sums, its counters. */
interface NetworkRun {
  readonly pops: Map<string, Population>;
  readonly synops: number;
  readonly neuronUpdates: number;
  /** Per lane, the last step anything was sent or received (-1: never). */
  readonly lastActive: Int32Array;
}

/**
 * Steps `lanes` independent copies of the network `steps` times. encoderSent(t) is what the encoder
 * sent at step t ([lanes, width(encoder)]), delivered at t + 1; readouts add every step before
 * `readUntil` (or their window's end); afterStep sees the readouts' running sums after each step.
 */
function runNetwork(
  p: SimProgram,
  lanes: number,
  steps: number,
  encoderSent: (t: number) => Float64Array,
  readUntil: number | undefined,
  acc: Map<string, Float64Array>,
  trace: Map<string, Float64Array[]> | undefined,
  afterStep?: (t: number) => void,
): NetworkRun {
  const pops = new Map<string, Population>();
  const current = new Map<string, Float64Array>();
  // a population's summed input when it has several synapses (scratch, one per population)
  const summed = new Map<string, Float64Array>();
  for (const n of p.order) {
    if (n.kind === 'snn.sigma-delta') {
      pops.set(n.id, population(n, lanes));
      if (n.inputs.length > 1) summed.set(n.id, new Float64Array(lanes * widthOf(n)));
    } else if (n.kind === 'snn.synapse') current.set(n.id, new Float64Array(lanes * widthOf(n)));
    else if (n.kind === 'snn.readout') acc.set(n.id, new Float64Array(lanes * widthOf(n)));
    else if (n.kind === 'snn.neurons') throw new IrError('a sigma-delta network has no snn.neurons', `%${n.id}`);
  }
  const encWidth = widthOf(p.encoder);
  const lastActive = new Int32Array(lanes).fill(-1);
  const active = new Uint8Array(lanes);
  let synops = 0;
  let neuronUpdates = 0;
  for (let t = 0; t < steps; t++) {
    active.fill(0);
    const sentNow = encoderSent(t);
    for (let k = 0; k < sentNow.length; k++) if (sentNow[k] !== 0) active[Math.floor(k / encWidth)] = 1;
    const encPrev = t > 0 ? encoderSent(t - 1) : undefined;
    for (const n of p.order) {
      if (n.kind === 'snn.synapse') {
        const s = p.synapses.get(n.id)!;
        const a = current.get(n.id)!;
        if (s.source === p.encoder.id && !encPrev) a.fill(0);
        else synops += deliver(s, s.source === p.encoder.id ? encPrev! : pops.get(s.source)!.prev, a, lanes, active);
      } else if (n.kind === 'snn.sigma-delta') {
        const pop = pops.get(n.id)!;
        let input = current.get(n.inputs[0])!;
        if (n.inputs.length > 1) {
          input = summed.get(n.id)!.fill(0);
          for (const i of n.inputs) {
            const a = current.get(i)!;
            for (let k = 0; k < input.length; k++) input[k] += a[k];
          }
        }
        pop.spikes += stepPopulation(pop, input, lanes, active);
        neuronUpdates += lanes * pop.n;
        trace?.get(n.id)!.push(pop.cur.slice(0, pop.n));
      } else if (n.kind === 'snn.readout') {
        if (t >= (readUntil ?? n.window[1])) continue;
        const sum = acc.get(n.id)!;
        for (const i of n.inputs) {
          const a = current.get(i)!;
          for (let k = 0; k < sum.length; k++) sum[k] += a[k];
        }
      }
    }
    for (let r = 0; r < lanes; r++) if (active[r]) lastActive[r] = t;
    for (const pop of pops.values()) [pop.prev, pop.cur] = [pop.cur, pop.prev];
    afterStep?.(t);
  }
  return { pops, synops, neuronUpdates, lastActive };
}

/**
 * Runs a sigma-delta network (SimProgram.coding 'sigma-delta'). Every message counts as a graded
 * synaptic operation per synapse its neuron has; every neuron updates every step.
 * Static (the default): each input row is a query held from step 0 (the delta encoder sends it at step
 * 0 and nothing after), all rows side by side, for the readouts' window or opts.T steps; reports the
 * steps each row took to settle.
 * Stream (opts.stream): the rows are one stream, a query per step: the encoder sends query k's change
 * from query k - 1 at step k, and, the network being a pipeline one step per layer, query k's output is
 * the readouts' sum at step k + depth. Only what changed travels.
 */
export function simulateSigmaDelta(
  p: SimProgram,
  inputs: readonly (readonly number[])[],
  opts: SimOptions = {},
): SimResult {
  const readouts = p.order.filter((n): n is NodeOf<'snn.readout'> => n.kind === 'snn.readout');
  if (readouts.length === 0) throw new IrError('the network has no snn.readout');
  const window = stepsToRead(readouts);
  const rows = inputs.length;
  const enc = encode(p, inputs);
  const encWidth = widthOf(p.encoder);
  const trace = opts.trace
    ? new Map([...p.order].filter((n) => n.kind === 'snn.sigma-delta').map((n) => [n.id, [] as Float64Array[]]))
    : undefined;
  const acc = new Map<string, Float64Array>();
  const readout = new Map<string, Float64Array>();
  const decode = (r: NodeOf<'snn.readout'>, sums: Float64Array, into: Float64Array, at: number): void => {
    const w = widthOf(r);
    for (let o = 0; o < w; o++) into[at * w + o] = r.scale.data[o] * sums[o] + r.offset.data[o];
  };
  let run: NetworkRun;
  let steps: number;
  if (opts.stream) {
    if (rows === 0) throw new IrError('a stream needs at least one query');
    // query k leaves the readout at step k + depth (the readout's window ends one step after it)
    const depth = window - 1;
    steps = rows + depth;
    const silent = new Float64Array(encWidth);
    const change = (t: number): Float64Array =>
      t >= rows
        ? silent
        : Float64Array.from(
            { length: encWidth },
            (_, j) => enc[t * encWidth + j] - (t > 0 ? enc[(t - 1) * encWidth + j] : 0),
          );
    const sent = Array.from({ length: rows }, (_, t) => change(t));
    for (const r of readouts) readout.set(r.id, new Float64Array(rows * widthOf(r)));
    run = runNetwork(
      p,
      1,
      steps,
      (t) => (t < rows ? sent[t] : silent),
      Infinity,
      acc,
      trace,
      (t) => {
        const k = t - depth;
        if (k >= 0) for (const r of readouts) decode(r, acc.get(r.id)!, readout.get(r.id)!, k);
      },
    );
  } else {
    steps = opts.T ?? window;
    if (!(steps >= 1)) throw new IrError(`steps must be at least 1 (got ${steps})`);
    const silent = new Float64Array(enc.length);
    run = runNetwork(
      p,
      rows,
      steps,
      (t) => (t === 0 ? enc : silent),
      opts.T === undefined ? window : Infinity,
      acc,
      trace,
    );
    for (const r of readouts) {
      const w = widthOf(r);
      const values = new Float64Array(rows * w);
      for (let k = 0; k < rows; k++) decode(r, acc.get(r.id)!.subarray(k * w, (k + 1) * w), values, k);
      readout.set(r.id, values);
    }
  }
  const layers: LayerCounters[] = [...run.pops.values()].map((pop) => ({
    id: pop.node.id,
    neurons: pop.n,
    depth: p.depth.get(pop.node.id)!,
    spikes: pop.spikes,
  }));
  let total = 0;
  let max = 0;
  for (const last of run.lastActive) {
    total += last + 1;
    max = Math.max(max, last + 1);
  }
  return {
    outputs: hostOutputs(p.graph, inputs, readout),
    T: steps,
    steps,
    batch: rows,
    layers,
    synops: run.synops,
    gradedSynops: run.synops,
    neuronUpdates: run.neuronUpdates,
    meanCurrent: new Map(),
    rate: new Map(),
    readout,
    settle: opts.stream ? { total: steps, max: steps } : { total, max },
    ...(trace ? { trace } : {}),
  };
}
