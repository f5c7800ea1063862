import type { Graph, NodeOf } from '../ir/index.js';
import { normalizeRows, width } from '../ir/index.js';
import { denseBackward, denseForward } from '../sim/kernels.js';
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
}

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

/** A trainable tensor and where it goes back into the graph. */
export interface Parameter {
  readonly node: string;
  readonly field: 'weight' | 'bias' | 'offset';
  readonly values: Float64Array;
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
          if (node.reset !== 'subtract' || node.model !== 'if' || node.currentDecay !== 1 || node.voltageDecay !== 0)
            return `%${node.id} is not integrate-and-fire with subtract reset`;
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
          });
          parameters.push({ node: node.id, field: 'bias', values: bias });
          break;
        }
        case 'snn.readout': {
          Ts.add(node.window[1] - node.window[0]);
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

  /**
   * The network's outputs for a batch of input rows, [batch, outputs], and the tape for `backward`.
   * Without `round`, counts are continuous (q - 1/2 unsigned, q signed, clamped): the function whose
   * gradient `backward` returns, and what the network would do with infinitely fine counts.
   */
  forward(inputs: readonly (readonly number[])[], round = true): { out: Float64Array; tape: Tape } {
    const batch = inputs.length;
    const { T } = this;
    const e = this.encoder;
    const values = new Map<string, Float64Array>();
    values.set(e.id, normalizeRows(e.normalization, inputs, e.dims));
    const received = (inputs: readonly SynapseTerm[], n: number): Float64Array => {
      const sum = new Float64Array(batch * n);
      for (const s of inputs)
        denseForward(values.get(s.source)!, s.W, sum, batch, s.fanIn, s.fanOut, s.fromEncoder ? T : 1);
      return sum;
    };
    for (const t of this.terms) {
      if (t.kind === 'neurons') {
        // the value before rounding decides where the gradient flows; it is kept beside the count
        const pre = received(t.inputs, t.n);
        const count = new Float64Array(pre.length);
        const { n, opening, bias, threshold, signed } = t;
        const lo = signed ? -T : 0;
        for (let row = 0; row < pre.length; row += n) {
          for (let i = 0; i < n; i++) {
            const k = row + i;
            const q = (pre[k] = (opening[i] + pre[k] + T * bias[i]) / threshold);
            const r = round ? (signed ? Math.trunc(q) : Math.floor(q)) : signed ? q : q - 0.5;
            count[k] = Math.min(Math.max(r, lo), T);
          }
        }
        values.set(`${t.id}#pre`, pre);
        values.set(t.id, count);
      } else if (t.kind === 'readout') {
        const y = received(t.inputs, t.n);
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
    return { out: values.get(this.output.source)!, tape: { batch, values } };
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
   * next call overwrites.
   */
  backward(tape: Tape, dOut: Float64Array): Float64Array[] {
    const { T } = this;
    const { batch, values } = tape;
    const grads = new Map<string, Float64Array>();
    const gradOf = (id: string, n: number): Float64Array => {
      let gr = grads.get(id);
      if (!gr) grads.set(id, (gr = new Float64Array(batch * n)));
      return gr;
    };
    gradOf(this.output.source, this.output.n).set(dOut);
    // the gradient buffers are reused from call to call (allocating 80,000 zeros a step costs more than using them)
    this.gradBuffers ??= new Map(this.parameters.map((p) => [p.values, new Float64Array(p.values.length)]));
    const dParams = this.gradBuffers;
    for (const d of dParams.values()) d.fill(0);
    const intoSynapses = (inputs: readonly SynapseTerm[], dA: Float64Array): void => {
      for (const s of inputs) {
        const dX = s.fromEncoder ? undefined : gradOf(s.source, s.fanIn);
        denseBackward(
          values.get(s.source)!,
          s.W,
          dA,
          dParams.get(s.W)!,
          dX,
          batch,
          s.fanIn,
          s.fanOut,
          s.fromEncoder ? T : 1,
        );
      }
    };
    for (let ti = this.terms.length - 1; ti >= 0; ti--) {
      const t = this.terms[ti];
      const dY = grads.get(t.id);
      if (!dY) continue;
      if (t.kind === 'neurons') {
        const pre = values.get(`${t.id}#pre`)!;
        // the gradient of the unrounded count, clamp(q, -T, T) signed and clamp(q - 1/2, 0, T) unsigned
        const [lo, hi] = t.signed ? [-T, T] : [0.5, T + 0.5];
        const dS = new Float64Array(dY.length);
        const db = dParams.get(t.bias)!;
        for (let k = 0; k < dY.length; k++) {
          if (pre[k] < lo || pre[k] > hi) continue;
          dS[k] = dY[k] / t.threshold;
          db[k % t.n] += T * dS[k];
        }
        intoSynapses(t.inputs, dS);
      } else if (t.kind === 'readout') {
        const dA = new Float64Array(dY.length);
        const doff = dParams.get(t.offset)!;
        for (let k = 0; k < dY.length; k++) {
          dA[k] = (t.scale[k % t.n] * dY[k]) / T;
          doff[k % t.n] += dY[k];
        }
        intoSynapses(t.inputs, dA);
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
    return this.parameters.map((p) => dParams.get(p.values)!);
  }
}
