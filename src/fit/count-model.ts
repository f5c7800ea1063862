import type { Graph, NodeOf } from '../ir/index.js';
import { normalizeRows, width, windowLength } from '../ir/index.js';
import { Arena, type Slot } from '../sim/arena.js';
import { KernelModule } from '../sim/wasm.js';
import { windowOpenings } from './start-potential.js';

/**
 * The spike-count model of a float spiking network, differentiable almost everywhere. A population of
 * integrate-and-fire neurons with subtract reset whose window opens at potential v and which receives
 * S = sum over its synapses of W c_src (T W x from the encoder) + T b in its window spikes
 *   c = clamp(floor((v + S) / θ), 0, T)        unsigned
 *   c = clamp(trunc((v + S) / θ), -T, T)       signed
 * times: exactly, unless its input changes sign within the window (it may then spike early and end
 * below 0) or needs more than one spike in a step. Synapses deliver with one step of delay and each
 * window starts one step after its source's, so the counts line up layer by layer. A readout decodes
 * y = scale (sum W c) / T + offset; ann.product and ann.concat may combine readouts on the host.
 * Gradients pass straight through the rounding and stop where the count saturates.
 */

interface SynapseTerm {
  readonly id: string;
  readonly source: string;
  readonly fromEncoder: boolean;
  readonly fanIn: number;
  readonly fanOut: number;
  /** [fanOut, fanIn], trained in place. */
  readonly W: Float64Array;
}

interface PopulationTerm {
  readonly kind: 'neurons';
  readonly id: string;
  readonly n: number;
  readonly inputs: readonly SynapseTerm[];
  readonly bias: Float64Array;
  readonly threshold: number;
  readonly opening: Float64Array;
  readonly signed: boolean;
  /** Reset to zero (unsigned): counted by resetZeroCount, not floor(q). */
  readonly resetZero: boolean;
}

/**
 * The count of an unsigned neuron that resets to zero, from q = (v + S) / θ, its window's charge in
 * thresholds, as if that charge came in equal steps q / T: it fires every n = floor(T / q) + 1 steps
 * (the first step whose potential is above θ), floor(T / n) times; exact for a constant input from
 * rest (a first layer), approximate for spike trains. Unrounded: T i / (1 + i / 2) with i = q / T, the
 * mean over where a spike falls within a step (each spike loses half a step's input on average).
 */
export function resetZeroCount(q: number, T: number, round: boolean): number {
  if (!(q > 0)) return 0;
  if (q > T) return T;
  return round ? Math.floor(T / (Math.floor(T / q) + 1)) : q / (1 + q / (2 * T));
}

/** d resetZeroCount(q, T, false) / dq; 0 where the count is 0 or saturated. */
const resetZeroSlope = (q: number, T: number): number => (q > 0 && q <= T ? 1 / (1 + q / (2 * T)) ** 2 : 0);

interface ReadoutTerm {
  readonly kind: 'readout';
  readonly id: string;
  readonly n: number;
  readonly inputs: readonly SynapseTerm[];
  readonly scale: readonly number[];
  readonly offset: Float64Array;
}

type HostTerm =
  | {
      readonly kind: 'product';
      readonly id: string;
      readonly n: number;
      readonly rank: number;
      readonly inputs: readonly string[];
    }
  | { readonly kind: 'concat'; readonly id: string; readonly n: number; readonly inputs: readonly string[] };

/**
 * What the simulator measured of each population on a batch, [batch, n]: its counts in its window and
 * its charge q over it (from where the window opens, in thresholds). Given to `forward`, they replace the
 * model's own counts (fit/simulated-counts.ts).
 */
export interface SimulatedPopulations {
  readonly counts: ReadonlyMap<string, ArrayLike<number>>;
  readonly charge: ReadonlyMap<string, ArrayLike<number>>;
}

/** A trainable tensor and where it goes back into the graph. */
export interface Parameter {
  readonly node: string;
  readonly field: 'weight' | 'bias' | 'offset';
  readonly values: Float64Array;
  /** What one unit of the field as stored counts in `values` (1 when absent): the field holds values / unit. */
  readonly unit?: number;
}

/** What one forward pass keeps for the backward pass: every node's values, [batch, width]. */
interface Tape {
  readonly batch: number;
  readonly values: Map<string, Float64Array>;
}

export class CountModel {
  private constructor(
    readonly T: number,
    private readonly encoder: NodeOf<'snn.encoder'>,
    private readonly terms: readonly (PopulationTerm | ReadoutTerm | HostTerm)[],
    private readonly output: { readonly source: string; readonly n: number },
    readonly parameters: readonly Parameter[],
    /** Each population's potential when its window opens (the model holds them fixed). */
    readonly openings: ReadonlyMap<string, Float64Array>,
  ) {}

  /** The memory the model computes in (WebAssembly, kernels.wat). */
  private readonly module = new KernelModule();

  /** The model of `g`, or why it has none (fixed-point arithmetic, reset to zero, an op it cannot differentiate). */
  static of(g: Graph): CountModel | string {
    const enc = g.nodes.filter((n): n is NodeOf<'snn.encoder'> => n.kind === 'snn.encoder');
    if (enc.length !== 1) return 'the network needs exactly one snn.encoder';
    const openings = windowOpenings(g);
    const synapses = new Map<string, SynapseTerm>();
    const terms: (PopulationTerm | ReadoutTerm | HostTerm)[] = [];
    const parameters: Parameter[] = [];
    let output: { source: string; n: number } | undefined;
    const Ts = new Set<number>();
    for (const node of g.nodes) {
      switch (node.kind) {
        case 'snn.encoder':
          break;
        case 'snn.synapse': {
          if (node.weight.kind !== 'float') return `%${node.id} has integer weights: fine-tune before quantize`;
          const [fanOut, fanIn] = node.weight.values.shape;
          const src = g.nodes.find((n) => n.id === node.inputs[0])!;
          const s: SynapseTerm = {
            id: node.id,
            source: src.id,
            fromEncoder: src.kind === 'snn.encoder',
            fanIn,
            fanOut,
            W: Float64Array.from(node.weight.values.data),
          };
          synapses.set(node.id, s);
          parameters.push({ node: node.id, field: 'weight', values: s.W });
          break;
        }
        case 'snn.neurons': {
          if (node.arith !== 'float') return `%${node.id} is fixed-point: fine-tune before quantize`;
          if (node.model !== 'if' || node.currentDecay !== 1 || node.voltageDecay !== 0)
            return `%${node.id} is not integrate-and-fire`;
          if (node.reset === 'zero' && node.spikeSign === 'signed')
            return `%${node.id} sends ternary spikes and resets to zero`;
          const bias = Float64Array.from(node.bias.data);
          terms.push({
            kind: 'neurons',
            id: node.id,
            n: width(node.type),
            inputs: node.inputs.map((i) => synapses.get(i)!),
            bias,
            threshold: node.threshold,
            opening: openings.get(node.id)!,
            signed: node.spikeSign === 'signed',
            resetZero: node.reset === 'zero',
          });
          parameters.push({ node: node.id, field: 'bias', values: bias });
          break;
        }
        case 'snn.readout': {
          Ts.add(windowLength(node));
          const offset = Float64Array.from(node.offset.data);
          terms.push({
            kind: 'readout',
            id: node.id,
            n: width(node.type),
            inputs: node.inputs.map((i) => synapses.get(i)!),
            scale: node.scale.data,
            offset,
          });
          parameters.push({ node: node.id, field: 'offset', values: offset });
          break;
        }
        case 'ann.product':
          terms.push({ kind: 'product', id: node.id, n: width(node.type), rank: node.rank, inputs: node.inputs });
          break;
        case 'ann.concat':
          terms.push({ kind: 'concat', id: node.id, n: width(node.type), inputs: node.inputs });
          break;
        case 'ann.output':
          output = { source: node.inputs[0], n: width(node.type) };
          break;
        default:
          return `${node.kind} (%${node.id}) has no spike-count model`;
      }
    }
    if (!output) return 'the graph has no ann.output';
    if (Ts.size !== 1) return 'the readouts integrate over windows of different lengths';
    return new CountModel([...Ts][0], enc[0], terms, output, parameters, openings);
  }

  private workspace: Workspace | undefined;

  /** The model's tensors for batches of `batch` rows, laid out anew when the batch size changes. */
  private workspaceFor(batch: number): Workspace {
    if (this.workspace?.batch === batch) return this.workspace;
    this.workspace = new Workspace(this.module, this.encoder, this.terms, batch);
    return this.workspace;
  }

  /**
   * The network's outputs for a batch of input rows, [batch, outputs], and the tape for `backward`
   * (views of the model's memory, valid until the next call).
   * Without `round`, counts are continuous (q - 1/2 unsigned, q signed, clamped): the function whose
   * gradient `backward` returns, and what the network would do with infinitely fine counts. With
   * `simulated`, every population's counts and charge are the simulator's, and the readouts and host
   * ops compute from them.
   */
  forward(
    inputs: readonly (readonly number[])[],
    round = true,
    simulated?: SimulatedPopulations,
  ): { out: Float64Array; tape: Tape } {
    const batch = inputs.length;
    const { T } = this;
    const e = this.encoder;
    const ws = this.workspaceFor(batch);
    const fn = this.module.fn;
    ws.loadParameters(this.terms);
    const values = new Map<string, Float64Array>();
    ws.value(e.id).view.set(normalizeRows(e.normalization, inputs, e.dims));
    values.set(e.id, ws.value(e.id).view);
    // sum over synapses of scale (X W^T), each product summed from zeros, then scaled and added
    const receive = (inputs: readonly SynapseTerm[], into: Slot): void => {
      into.view.fill(0);
      for (const s of inputs) {
        ws.dots.view.fill(0, 0, batch * s.fanOut);
        ws.products(ws.dots.at, ws.value(s.source).at, ws.Wt(s.id).at, batch, s.fanIn, s.fanOut);
        fn.add_scaled(into.at, ws.dots.at, batch * s.fanOut, s.fromEncoder ? T : 1);
      }
    };
    for (const t of this.terms) {
      if (t.kind === 'neurons') {
        // the value before rounding decides where the gradient flows; it is kept beside the count
        const pre = ws.pre(t.id);
        const count = ws.value(t.id);
        if (simulated) {
          pre.view.set(simulated.charge.get(t.id)!);
          count.view.set(simulated.counts.get(t.id)!);
          values.set(t.id, count.view);
          continue;
        }
        receive(t.inputs, pre);
        const mode = (round ? 0 : 2) + (t.signed ? 1 : 0);
        fn.count_forward(
          pre.at,
          count.at,
          ws.opening(t.id).at,
          ws.bias(t.id).at,
          pre.n,
          T,
          t.threshold,
          t.signed ? -T : 0,
          mode,
        );
        if (t.resetZero) {
          const [q, c] = [pre.view, count.view];
          for (let k = 0; k < c.length; k++) c[k] = resetZeroCount(q[k], T, round);
        }
        values.set(t.id, count.view);
      } else if (t.kind === 'readout') {
        const slot = ws.value(t.id);
        receive(t.inputs, slot);
        const y = slot.view;
        for (let k = 0; k < y.length; k++) y[k] = (t.scale[k % t.n] * y[k]) / T + t.offset[k % t.n];
        values.set(t.id, y);
      } else if (t.kind === 'product') {
        const xs = t.inputs.map((i) => values.get(i)!);
        const y = new Float64Array(batch * t.n);
        const bw = t.n * t.rank;
        for (let b = 0; b < batch; b++)
          for (let j = 0; j < t.n; j++)
            for (let k = 0; k < t.rank; k++) {
              let p = 1;
              for (const v of xs) p *= v[b * bw + j * t.rank + k];
              y[b * t.n + j] += p;
            }
        values.set(t.id, y);
      } else {
        const y = new Float64Array(batch * t.n);
        let at = 0;
        for (const i of t.inputs) {
          const v = values.get(i)!;
          const w = v.length / batch;
          for (let b = 0; b < batch; b++) for (let j = 0; j < w; j++) y[b * t.n + at + j] = v[b * w + j];
          at += w;
        }
        values.set(t.id, y);
      }
    }
    return { out: Float64Array.from(values.get(this.output.source)!), tape: { batch, values } };
  }

  /**
   * The gradients of the parameters (in the order of `parameters`) of the squared error against
   * `targets` ([batch, outputs]) on a batch of input rows, halved (Adam sees only their direction).
   */
  gradient(inputs: readonly (readonly number[])[], targets: Float64Array): Float64Array[] {
    const { out, tape } = this.forward(inputs);
    return this.backward(
      tape,
      out.map((o, k) => o - targets[k]),
    );
  }

  private gradBuffers: Map<Float64Array, Float64Array> | undefined;

  /**
   * Gradients of the parameters (in the order of `parameters`) given dL/d(outputs), in buffers the
   * next call overwrites. `tape` is the last forward pass's.
   */
  backward(tape: Tape, dOut: Float64Array): Float64Array[] {
    const { T } = this;
    const { batch, values } = tape;
    const ws = this.workspaceFor(batch);
    const fn = this.module.fn;
    ws.clearGradients();
    const hostGrads = new Map<string, Float64Array>();
    const gradOf = (id: string, n: number): Float64Array => {
      const slot = ws.grad(id);
      if (slot) return slot.view;
      let gr = hostGrads.get(id);
      if (!gr) hostGrads.set(id, (gr = new Float64Array(batch * n)));
      return gr;
    };
    gradOf(this.output.source, this.output.n).set(dOut);
    // the gradient buffers are reused from call to call (allocating 80,000 zeros a step costs more than using them)
    this.gradBuffers ??= new Map(this.parameters.map((p) => [p.values, new Float64Array(p.values.length)]));
    const dParams = this.gradBuffers;
    for (const d of dParams.values()) d.fill(0);
    // dW += (scale dA)^T X, summed over the batch in row order; dX += (scale dA) W, over outputs in order
    const intoSynapses = (inputs: readonly SynapseTerm[], dA: Slot): void => {
      for (const s of inputs) {
        // G = 0 + scale dA: a zero's sign is irrelevant here, add_products skips zero factors
        ws.G.view.fill(0, 0, batch * s.fanOut);
        fn.add_scaled(ws.G.at, dA.at, batch * s.fanOut, s.fromEncoder ? T : 1);
        fn.transpose(ws.GT.at, ws.G.at, batch, s.fanOut);
        ws.products(ws.dW(s.id).at, ws.GT.at, ws.value(s.source).at, s.fanOut, batch, s.fanIn);
        if (!s.fromEncoder) ws.products(ws.grad(s.source)!.at, ws.G.at, ws.W(s.id).at, batch, s.fanOut, s.fanIn);
      }
    };
    for (let ti = this.terms.length - 1; ti >= 0; ti--) {
      const t = this.terms[ti];
      const dY = ws.grad(t.id)?.view ?? hostGrads.get(t.id);
      if (!dY) continue;
      if (t.kind === 'neurons') {
        // the gradient of the unrounded count, clamp(q, -T, T) signed and clamp(q - 1/2, 0, T) unsigned
        const [lo, hi] = t.signed ? [-T, T] : [0.5, T + 0.5];
        const pre = ws.pre(t.id);
        const db = ws.db(t.id);
        if (t.resetZero) {
          const [q, dC, dS, dB] = [pre.view, ws.grad(t.id)!.view, ws.dA.view, db.view];
          for (let r = 0; r < batch; r++)
            for (let i = 0; i < t.n; i++) {
              const k = r * t.n + i;
              dS[k] = (dC[k] * resetZeroSlope(q[k], T)) / t.threshold;
              dB[i] += T * dS[k];
            }
        } else fn.count_backward(pre.at, ws.grad(t.id)!.at, ws.dA.at, db.at, batch, t.n, lo, hi, t.threshold, T);
        dParams.get(t.bias)!.set(db.view);
        intoSynapses(t.inputs, ws.dA);
      } else if (t.kind === 'readout') {
        const dA = ws.dA.view;
        const doff = dParams.get(t.offset)!;
        for (let k = 0; k < dY.length; k++) {
          dA[k] = (t.scale[k % t.n] * dY[k]) / T;
          doff[k % t.n] += dY[k];
        }
        intoSynapses(t.inputs, ws.dA);
      } else if (t.kind === 'product') {
        const xs = t.inputs.map((i) => values.get(i)!);
        const bw = t.n * t.rank;
        t.inputs.forEach((id, which) => {
          const dX = gradOf(id, bw);
          for (let b = 0; b < batch; b++)
            for (let j = 0; j < t.n; j++)
              for (let k = 0; k < t.rank; k++) {
                let p = dY[b * t.n + j];
                xs.forEach((v, o) => {
                  if (o !== which) p *= v[b * bw + j * t.rank + k];
                });
                dX[b * bw + j * t.rank + k] += p;
              }
        });
      } else {
        let at = 0;
        for (const i of t.inputs) {
          const w = values.get(i)!.length / batch;
          const dX = gradOf(i, w);
          for (let b = 0; b < batch; b++) for (let j = 0; j < w; j++) dX[b * w + j] += dY[b * t.n + at + j];
          at += w;
        }
      }
    }
    for (const t of this.terms)
      if (t.kind === 'neurons' || t.kind === 'readout')
        for (const s of t.inputs) dParams.get(s.W)!.set(ws.dW(s.id).view);
    return this.parameters.map((p) => dParams.get(p.values)!);
  }
}

/**
 * The count model's tensors for one batch size in its kernel module's memory: the parameters' copies
 * (W, and W^T for the forward products), the bias and window openings repeated for every row, every
 * term's values and gradients, and the kernels' scratch.
 */
class Workspace {
  private readonly values = new Map<string, Slot>();
  private readonly pres = new Map<string, Slot>();
  private readonly biases = new Map<string, Slot>();
  private readonly openings = new Map<string, Slot>();
  private readonly dbs = new Map<string, Slot>();
  private readonly Ws = new Map<string, Slot>();
  private readonly Wts = new Map<string, Slot>();
  private readonly dWs = new Map<string, Slot>();
  private readonly grads = new Map<string, Slot>();
  readonly dots: Slot;
  readonly G: Slot;
  readonly GT: Slot;
  readonly dA: Slot;
  /** add_products' offsets and factors. */
  private readonly scratch: readonly [number, number];

  constructor(
    private readonly module: KernelModule,
    encoder: NodeOf<'snn.encoder'>,
    terms: readonly (PopulationTerm | ReadoutTerm | HostTerm)[],
    readonly batch: number,
  ) {
    const arena = new Arena(module);
    this.values.set(encoder.id, arena.alloc(batch * encoder.dims));
    let widest = 1;
    for (const t of terms) {
      if (t.kind !== 'neurons' && t.kind !== 'readout') continue;
      this.values.set(t.id, arena.alloc(batch * t.n));
      this.grads.set(t.id, arena.alloc(batch * t.n));
      widest = Math.max(widest, t.n);
      if (t.kind === 'neurons') {
        this.pres.set(t.id, arena.alloc(batch * t.n));
        this.biases.set(t.id, arena.alloc(batch * t.n));
        this.openings.set(t.id, arena.alloc(batch * t.n));
        this.dbs.set(t.id, arena.alloc(t.n));
      }
      for (const s of t.inputs) {
        for (const kind of [this.Ws, this.Wts, this.dWs]) kind.set(s.id, arena.alloc(s.W.length));
        widest = Math.max(widest, s.fanIn);
      }
    }
    this.dots = arena.alloc(batch * widest);
    this.G = arena.alloc(batch * widest);
    this.GT = arena.alloc(batch * widest);
    this.dA = arena.alloc(batch * widest);
    const scratch = () => arena.alloc(Math.max(widest, batch)).at;
    this.scratch = [scratch(), scratch()];
    arena.commit();
    for (const t of terms)
      if (t.kind === 'neurons') for (let r = 0; r < batch; r++) this.opening(t.id).view.set(t.opening, r * t.n);
  }

  /** D += G M (kernels.wat's add_products). */
  products(D: number, G: number, M: number, R: number, S: number, K: number): void {
    this.module.fn.add_products(D, G, M, R, S, K, ...this.scratch);
  }

  value = (id: string): Slot => this.values.get(id)!;
  pre = (id: string): Slot => this.pres.get(id)!;
  bias = (id: string): Slot => this.biases.get(id)!;
  opening = (id: string): Slot => this.openings.get(id)!;
  db = (id: string): Slot => this.dbs.get(id)!;
  W = (id: string): Slot => this.Ws.get(id)!;
  Wt = (id: string): Slot => this.Wts.get(id)!;
  dW = (id: string): Slot => this.dWs.get(id)!;
  /** The gradient of a population's or readout's values (host terms keep theirs in plain arrays). */
  grad = (id: string): Slot | undefined => this.grads.get(id);

  /** Copies the parameters in: W and W^T of every synapse, every bias repeated per row. */
  loadParameters(terms: readonly (PopulationTerm | ReadoutTerm | HostTerm)[]): void {
    for (const t of terms) {
      if (t.kind !== 'neurons' && t.kind !== 'readout') continue;
      if (t.kind === 'neurons') for (let r = 0; r < this.batch; r++) this.bias(t.id).view.set(t.bias, r * t.n);
      for (const s of t.inputs) {
        this.W(s.id).view.set(s.W);
        this.module.fn.transpose(this.Wt(s.id).at, this.W(s.id).at, s.fanOut, s.fanIn);
      }
    }
  }

  clearGradients(): void {
    for (const kind of [this.grads, this.dbs, this.dWs]) for (const slot of kind.values()) slot.view.fill(0);
  }
}
