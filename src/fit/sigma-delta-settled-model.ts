import type { Graph, NodeOf } from '../ir/index.js';
import { FIXED_LIMITS, SD_MANTISSA_UNIT, SD_STATE_EXP, type FormatLimits, normalizeRows, width } from '../ir/index.js';
import { addProducts } from '../sim/kernels.js';
import type { Parameter } from './count-model.js';

/**
 * The settled model of a sigma-delta network: what a held query settles on. Every population of a chain
 * receives all its input in one step (the encoder sends the query and its bias channel at once, each
 * layer one step after its source), so each neuron sends once or never, and the model is exact:
 *   a = W v_src                       (fixed point: floor(sum m 2^e v_src), as Lava's Dense)
 *   act = relu(a + bias)              (or a + bias, activation identity)
 *   v = act if |act| >= threshold, else 0 (never sent)
 *                                     (fixed point: floor(act / 2^SD_STATE_EXP), its message)
 *   readout y = scale a + offset
 *   then the host ops after the readouts, as the IR states them (a separable network's slices and
 *   rank-r product, whose gradients the model carries back to each branch's readout)
 * with v_src the encoder's values (fixed point: its rounded inputs) and its bias channel. Its trainable
 * parameters are the synapses' nonzero weights (zeros stay zero, so no synapse is added) except the rows
 * that relay the bias channel (a population's last row, when it reads the source's relay and nothing
 * else), the readouts' offsets and the neurons' own biases where a population has any (the ramps'
 * knots), kept at most 0 so that nothing is sent before the query arrives. In fixed point (quantize's
 * network) the parameters are the mantissas m as reals (biases: 16-bit mantissas), used rounded and
 * clamped to what the synapse or neuron can hold: quantization-aware, gradients pass straight through
 * the rounding and the floors, and stop at the clamp and at neurons that do not send.
 */

interface Layer {
  readonly id: string;
  readonly synapse: string;
  readonly source: string;
  readonly fanIn: number;
  readonly fanOut: number;
  /** [fanOut, fanIn], trained in place (all but fixedRows' and the zeros). */
  readonly W: Float64Array;
  /** The nonzero weights, row by row (compressed rows): row o's are rowStart[o] .. rowStart[o + 1]. */
  readonly rowStart: Int32Array;
  /** Each nonzero weight's column. */
  readonly column: Int32Array;
  /** Rows left as they are (bias relays, and rows given back to keep their states within bounds). */
  readonly fixedRows: Set<number>;
  /** The weight a parameter stands for: unit * value (float), unit * clamp(round(value)) (fixed). */
  readonly unit: number;
  /** Populations: what a neuron must reach to send, in the units of act. */
  readonly threshold: number;
  /** Fixed point: the mantissa range [lo, hi]. */
  readonly mantissa?: readonly [number, number];
  readonly bias: Float64Array;
  /** Populations with biases of their own: trained, at most 0. */
  readonly trainBias: boolean;
  /** What a bias parameter counts in: 1 (float), or the state units of a bias mantissa (fixed). */
  readonly biasUnit: number;
  readonly relu: boolean;
  /** Readouts only: y = scale * sum + offset. */
  readonly readout?: { readonly scale: Float64Array; readonly offset: Float64Array };
}

interface Tape {
  readonly batch: number;
  /** Every layer's (and the encoder's) outputs, [batch, width]. */
  readonly values: Map<string, Float64Array>;
  /** Per population, d v / d act of each output (0 where the neuron is off or does not send). */
  readonly slopes: Map<string, Float64Array>;
}

/** The host ops after the readouts (a separable network's slices and rank-r product), in order. */
type HostOp = NodeOf<'ann.slice'> | NodeOf<'ann.product'> | NodeOf<'ann.concat'>;

export class SettledModel {
  /**
   * Buffers reused from call to call (fresh typed arrays of this size cost more to fault in than the sums
   * that fill them): what forward's tape and gradient's result hold is valid until the next call.
   */
  private readonly scratch = new Map<string, Float64Array>();

  private constructor(
    private readonly encoder: NodeOf<'snn.encoder'>,
    /** Fixed point: the parameters are mantissas. */
    readonly fixed: boolean,
    private readonly layers: readonly Layer[],
    private readonly output: string,
    readonly parameters: readonly Parameter[],
    private readonly host: readonly HostOp[] = [],
  ) {}

  /**
   * The model of `g`, or why it has none (anything but chains of populations, each ending in a readout,
   * and host ops after the readouts; float and fixed point mixed). `limits` bounds a fixed-point network's
   * weights.
   */
  static of(g: Graph, limits: FormatLimits = {}): SettledModel | string {
    const encoders = g.nodes.filter((n): n is NodeOf<'snn.encoder'> => n.kind === 'snn.encoder');
    if (encoders.length !== 1) return 'the network needs exactly one snn.encoder';
    // a held query is one wave only when the input is sent once
    if (encoders[0].mode !== 'delta') return `%${encoders[0].id} is not a delta encoder`;
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    const layers: Layer[] = [];
    const parameters: Parameter[] = [];
    const relays = new Map<string, number | undefined>();
    const enc = encoders[0];
    relays.set(enc.id, enc.biasChannel === undefined ? undefined : enc.dims);
    let output: string | undefined;
    const host: HostOp[] = [];
    const fixed = g.nodes.some((n) => n.kind === 'snn.sigma-delta' && n.arith === 'fixed');
    for (const node of g.nodes) {
      if (node.kind === 'snn.synapse' || node.kind === 'snn.encoder') continue;
      if (node.kind === 'ann.output') {
        output = node.inputs[0];
        continue;
      }
      // a separable network's branches meet on the host, after their readouts
      if (node.kind === 'ann.slice' || node.kind === 'ann.product' || node.kind === 'ann.concat') {
        const reads = node.inputs.map((i) => byId.get(i)?.kind);
        if (reads.some((k) => k !== 'snn.readout' && k !== 'ann.slice' && k !== 'ann.product' && k !== 'ann.concat'))
          return `%${node.id} (${node.kind}) reads something other than readouts and host ops`;
        host.push(node);
        continue;
      }
      if (node.kind !== 'snn.sigma-delta' && node.kind !== 'snn.readout')
        return `%${node.id} (${node.kind}) is not part of a chain of sigma-delta populations`;
      if (node.kind === 'snn.sigma-delta' && (node.arith === 'fixed') !== fixed)
        return `%${node.id}: float and fixed-point populations mixed`;
      if (node.kind === 'snn.readout' && node.decode !== 'sigma') return `%${node.id} does not decode sigma`;
      if (node.inputs.length !== 1) return `%${node.id} reads more than one synapse`;
      const syn = byId.get(node.inputs[0]);
      if (syn?.kind !== 'snn.synapse' || (syn.weight.kind === 'int') !== fixed)
        return `%${node.id} reads no ${fixed ? 'integer' : 'float'} synapse`;
      const [fanOut, fanIn] = syn.weight.kind === 'float' ? syn.weight.values.shape : syn.weight.mantissa.shape;
      const W = Float64Array.from(syn.weight.kind === 'float' ? syn.weight.values.data : syn.weight.mantissa.data);
      const [unit, mantissa] = ((): [number, [number, number] | undefined] => {
        if (syn.weight.kind === 'float') return [1, undefined];
        const e = 2 ** syn.weight.exponent;
        const top = 2 ** (syn.weight.bits - 1);
        const range = limits.weightRange;
        const lo = Math.max(-top, range ? Math.ceil(range[0] / e) : -Infinity);
        const hi = Math.min(top - 1, range ? Math.floor(range[1] / e) : Infinity);
        return [e, [lo, hi]];
      })();
      const columns = Array.from({ length: fanOut }, (_, o) => {
        const cols: number[] = [];
        for (let i = 0; i < fanIn; i++) if (W[o * fanIn + i] !== 0) cols.push(i);
        return cols;
      });
      const rowStart = new Int32Array(fanOut + 1);
      columns.forEach((cols, o) => (rowStart[o + 1] = rowStart[o] + cols.length));
      const srcRelay = relays.get(syn.inputs[0]);
      const fixedRows = new Set<number>();
      // a population's relay is its last row, relaying the source's
      const last = columns[fanOut - 1];
      if (node.kind === 'snn.sigma-delta' && last.length === 1 && last[0] === srcRelay) fixedRows.add(fanOut - 1);
      relays.set(node.id, fixedRows.size ? fanOut - 1 : undefined);
      // fixed point: bias and threshold are mantissas of 2^(SD_SPIKE_EXP + SD_STATE_EXP) state units
      const stateUnit = fixed ? SD_MANTISSA_UNIT : 1;
      const layer: Layer = {
        id: node.id,
        synapse: syn.id,
        source: syn.inputs[0],
        fanIn,
        fanOut,
        W,
        rowStart,
        column: Int32Array.from(columns.flat()),
        fixedRows,
        unit,
        mantissa,
        threshold: node.kind === 'snn.sigma-delta' ? node.threshold * stateUnit : 0,
        bias: Float64Array.from({ length: fanOut }, (_, o) =>
          node.kind === 'snn.sigma-delta' ? node.bias.data[o] * stateUnit : 0,
        ),
        trainBias: node.kind === 'snn.sigma-delta' && node.bias.data.some((b) => b !== 0),
        biasUnit: stateUnit,
        relu: node.kind === 'snn.sigma-delta' && node.activation === 'relu',
        readout:
          node.kind === 'snn.readout'
            ? { scale: Float64Array.from(node.scale.data), offset: Float64Array.from(node.offset.data) }
            : undefined,
      };
      layers.push(layer);
      parameters.push({ node: syn.id, field: 'weight', values: W });
      if (layer.trainBias) parameters.push({ node: node.id, field: 'bias', values: layer.bias, unit: layer.biasUnit });
      if (layer.readout) parameters.push({ node: node.id, field: 'offset', values: layer.readout.offset });
    }
    if (!output) return 'the network has no ann.output';
    if (!layers.some((l) => l.id === output && l.readout) && !host.some((h) => h.id === output))
      return `the output reads %${output}, neither a readout nor a host op`;
    if (host.length === 0 && layers.filter((l) => l.readout).length !== 1)
      return 'the network needs exactly one readout';
    return new SettledModel(enc, fixed, layers, output, parameters, host);
  }

  /** The weight parameter k of layer l stands for. */
  private static weight(l: Layer, k: number): number {
    if (!l.mantissa) return l.W[k];
    const [lo, hi] = l.mantissa;
    return l.unit * Math.max(lo, Math.min(hi, Math.round(l.W[k])));
  }

  /**
   * A buffer of n zeros named `name` (a node's as `what:id`, so no node id meets another name), reused:
   * valid until the next call that asks for it by name and size.
   */
  private zeros(name: string, n: number): Float64Array {
    const key = `${name} ${n}`;
    const buf = this.scratch.get(key);
    if (buf) return buf.fill(0);
    const fresh = new Float64Array(n);
    this.scratch.set(key, fresh);
    return fresh;
  }

  /** The weights l's parameters stand for, [fanOut, fanIn] (zeros where the synapse has none). */
  private dense(l: Layer): Float64Array {
    const W = this.zeros('dense', l.fanOut * l.fanIn);
    for (let o = 0; o < l.fanOut; o++)
      for (let j = l.rowStart[o]; j < l.rowStart[o + 1]; j++) {
        const k = o * l.fanIn + l.column[j];
        W[k] = SettledModel.weight(l, k);
      }
    return W;
  }

  /** Their transpose, [fanIn, fanOut]. */
  private denseTransposed(l: Layer): Float64Array {
    const T = this.zeros('dense', l.fanOut * l.fanIn);
    for (let o = 0; o < l.fanOut; o++)
      for (let j = l.rowStart[o]; j < l.rowStart[o + 1]; j++)
        T[l.column[j] * l.fanOut + o] = SettledModel.weight(l, o * l.fanIn + l.column[j]);
    return T;
  }

  /**
   * Fixed point: every row whose mantissas (weights and bias) in `g` (the same network) differ from the
   * model's takes them and is left as it is from then on; returns how many rows did.
   */
  adoptRows(g: Graph): number {
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    let adopted = 0;
    for (const l of this.layers) {
      const syn = byId.get(l.synapse);
      if (!l.mantissa || syn?.kind !== 'snn.synapse' || syn.weight.kind !== 'int') continue;
      const m = syn.weight.mantissa.data;
      const pop = byId.get(l.id);
      const bias = pop?.kind === 'snn.sigma-delta' ? pop.bias.data : undefined;
      for (let o = 0; o < l.fanOut; o++) {
        let differs = bias !== undefined && bias[o] * l.biasUnit !== SettledModel.bias(l, o);
        for (let i = 0; i < l.fanIn; i++)
          differs ||= m[o * l.fanIn + i] !== SettledModel.weight(l, o * l.fanIn + i) / l.unit;
        if (!differs) continue;
        for (let i = 0; i < l.fanIn; i++) l.W[o * l.fanIn + i] = m[o * l.fanIn + i];
        if (bias) l.bias[o] = bias[o] * l.biasUnit;
        l.fixedRows.add(o);
        adopted++;
      }
    }
    return adopted;
  }

  /** Whether entry k of a parameter is trained (not a zero, a bias at 0, nor in a row left as it is). */
  isTrained(p: Parameter, k: number): boolean {
    const l = this.layers.find((layer) => layer.W === p.values);
    if (l) return l.W[k] !== 0 && !l.fixedRows.has(Math.floor(k / l.fanIn));
    const b = this.layers.find((layer) => layer.bias === p.values);
    return !b || (b.bias[k] < 0 && !b.fixedRows.has(k));
  }

  /** A trained bias as the model uses it: at most 0 (fixed point: a mantissa, rounded and clamped). */
  private static bias(l: Layer, o: number): number {
    if (!l.trainBias) return l.bias[o];
    if (!l.mantissa) return Math.min(0, l.bias[o]);
    const m = Math.max(FIXED_LIMITS.sdBias[0], Math.min(0, Math.round(l.bias[o] / l.biasUnit)));
    return m * l.biasUnit;
  }

  /** Every parameter as what it stands for: mantissas rounded and clamped, trained biases at most 0. */
  snap(): void {
    for (const l of this.layers) {
      if (l.mantissa) for (let k = 0; k < l.W.length; k++) l.W[k] = SettledModel.weight(l, k) / l.unit;
      if (l.trainBias) for (let o = 0; o < l.fanOut; o++) l.bias[o] = SettledModel.bias(l, o);
    }
  }

  /**
   * The settled outputs on `inputs` ([batch, outputs], row-major) and the tape for backward. Inside, every
   * layer's values are feature-major ([width, batch]) so that the loops over the batch run over
   * contiguous memory; each sum still adds its terms in compressed-row order, row by row.
   */
  forward(inputs: readonly (readonly number[])[]): { out: Float64Array; tape: Tape } {
    const enc = this.encoder;
    const B = inputs.length;
    const w = width(enc.type);
    const normalized = normalizeRows(enc.normalization, inputs, enc.dims);
    const x = this.zeros(`value:${enc.id}`, w * B);
    const lim = 2 ** ((enc.payloadBits ?? 1) - 1);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < enc.dims; j++) {
        const v = normalized[b * enc.dims + j];
        x[j * B + b] =
          this.fixed && enc.payloadBits !== undefined ? Math.max(-lim, Math.min(lim - 1, Math.round(v))) : v;
      }
      if (enc.biasChannel !== undefined) x[enc.dims * B + b] = enc.biasChannel;
    }
    const values = new Map<string, Float64Array>([[enc.id, x]]);
    const slopes = new Map<string, Float64Array>();
    const message = this.fixed ? 2 ** SD_STATE_EXP : 1;
    for (const l of this.layers) {
      const src = values.get(l.source)!;
      const y = this.zeros(`value:${l.id}`, l.fanOut * B);
      const slope = this.zeros(`slope:${l.id}`, l.fanOut * B);
      // every sum at once ([fanOut, B]), each adding its terms in order of the source's units
      const sums = this.zeros('sums', l.fanOut * B);
      addProducts(sums, this.dense(l), src, l.fanOut, l.fanIn, B);
      for (let o = 0; o < l.fanOut; o++) {
        const k0 = o * B;
        if (l.readout) {
          const [scale, offset] = [l.readout.scale[o], l.readout.offset[o]];
          for (let b = 0; b < B; b++) {
            const sum = sums[k0 + b];
            y[k0 + b] = scale * (this.fixed ? Math.floor(sum) : sum) + offset;
          }
          continue;
        }
        const bias = SettledModel.bias(l, o);
        for (let b = 0; b < B; b++) {
          const sum = this.fixed ? Math.floor(sums[k0 + b]) : sums[k0 + b];
          const act = l.relu ? Math.max(0, sum + bias) : sum + bias;
          if (Math.abs(act) < l.threshold || (l.relu && act <= 0)) continue;
          y[k0 + b] = this.fixed ? Math.floor(act / message) : act;
          slope[k0 + b] = 1 / message;
        }
      }
      values.set(l.id, y);
      if (!l.readout) slopes.set(l.id, slope);
    }
    for (const h of this.host)
      values.set(
        h.id,
        hostForward(
          h,
          h.inputs.map((i) => values.get(i)!),
          B,
        ),
      );
    const last = values.get(this.output)!;
    const outputs = last.length / B;
    const out = new Float64Array(last.length);
    for (let o = 0; o < outputs; o++) for (let b = 0; b < B; b++) out[b * outputs + o] = last[o * B + b];
    return { out, tape: { batch: B, values, slopes } };
  }

  /** Gradients of sum (out - targets)^2 for every parameter, in the order of `parameters`. */
  gradient(inputs: readonly (readonly number[])[], targets: Float64Array): Float64Array[] {
    const { out, tape } = this.forward(inputs);
    const B = tape.batch;
    const outputs = out.length / B;
    // feature-major, as the tape
    const dOut = this.zeros('d out', out.length);
    for (let b = 0; b < B; b++)
      for (let o = 0; o < outputs; o++) dOut[o * B + b] = 2 * (out[b * outputs + o] - targets[b * outputs + o]);
    const grads = new Map<Float64Array, Float64Array>(
      this.parameters.map((p, i) => [p.values, this.zeros(`gradient:${i}`, p.values.length)]),
    );
    const dValues = new Map<string, Float64Array>([[this.output, dOut]]);
    // back through the host ops to the readouts, last op first
    for (let hi = this.host.length - 1; hi >= 0; hi--) {
      const h = this.host[hi];
      const dy = dValues.get(h.id);
      if (!dy) continue;
      h.inputs.forEach((input, k) => {
        let dIn = dValues.get(input);
        if (!dIn) dValues.set(input, (dIn = this.zeros(`d:${input}`, tape.values.get(input)!.length)));
        hostBackward(
          h,
          k,
          h.inputs.map((i) => tape.values.get(i)!),
          dy,
          dIn,
          B,
        );
      });
    }
    for (let li = this.layers.length - 1; li >= 0; li--) {
      const l = this.layers[li];
      const dy = dValues.get(l.id);
      if (!dy) continue;
      const slope = tape.slopes.get(l.id);
      const src = tape.values.get(l.source)!;
      const gW = grads.get(l.W)!;
      const gOffset = l.readout ? grads.get(l.readout.offset)! : undefined;
      // a bias at its bound, 0, gets no gradient (as a clamped mantissa): a knot at the range's low end stays
      const gBias = l.trainBias ? grads.get(l.bias)! : undefined;
      const { rowStart, column, fanIn, unit } = l;
      const trained = new Int32Array(fanIn);
      // the gradient of each sum ([fanOut, B]): through the scale of a readout, through each neuron's slope
      const dA = this.zeros('d sums', l.fanOut * B);
      for (let o = 0; o < l.fanOut; o++) {
        const k0 = o * B;
        if (gOffset) for (let b = 0; b < B; b++) gOffset[o] += dy[k0 + b];
        if (l.readout) for (let b = 0; b < B; b++) dA[k0 + b] = dy[k0 + b] * l.readout.scale[o];
        else for (let b = 0; b < B; b++) dA[k0 + b] = dy[k0 + b] * slope![k0 + b];
      }
      // where most synapses exist, every weight's gradient at once ([fanOut, fanIn], by the kernel, each sum
      // over the batch in order as below): the rows read only those of their trained weights
      const full = column.length >= DENSE_GRADIENT * l.fanOut * fanIn ? this.batchProducts(dA, src, l, B) : undefined;
      for (let o = 0; o < l.fanOut; o++) {
        const k0 = o * B;
        if (l.fixedRows.has(o)) continue;
        // a neuron that sent for no input of the batch passes no gradient: its sums would all be +0
        let live = false;
        for (let b = 0; b < B && !live; b++) live = dA[k0 + b] !== 0;
        if (!live) continue;
        if (gBias && l.bias[o] < 0) for (let b = 0; b < B; b++) gBias[o] += dA[k0 + b];
        // the rounding passes gradients straight through; a mantissa clamped at its range gets none
        let n = 0;
        for (let j = rowStart[o]; j < rowStart[o + 1]; j++) {
          const v = l.W[o * fanIn + column[j]];
          if (!l.mantissa || (v >= l.mantissa[0] - 0.5 && v <= l.mantissa[1] + 0.5)) trained[n++] = column[j];
        }
        // each weight is in one row: its gradient is this sum alone (the unit, a power of 2, exact), summed
        // over the batch in order; four weights at a time, four independent sums
        let q = 0;
        if (full) {
          for (; q < n; q++) gW[o * fanIn + trained[q]] = full[o * fanIn + trained[q]] * unit;
          continue;
        }
        for (; q + 4 <= n; q += 4) {
          const c0 = trained[q];
          const c1 = trained[q + 1];
          const c2 = trained[q + 2];
          const c3 = trained[q + 3];
          const s0 = c0 * B;
          const s1 = c1 * B;
          const s2 = c2 * B;
          const s3 = c3 * B;
          let g0 = 0;
          let g1 = 0;
          let g2 = 0;
          let g3 = 0;
          for (let b = 0; b < B; b++) {
            const d = dA[k0 + b];
            g0 += d * src[s0 + b];
            g1 += d * src[s1 + b];
            g2 += d * src[s2 + b];
            g3 += d * src[s3 + b];
          }
          const row = o * fanIn;
          gW[row + c0] = g0 * unit;
          gW[row + c1] = g1 * unit;
          gW[row + c2] = g2 * unit;
          gW[row + c3] = g3 * unit;
        }
        for (; q < n; q++) {
          const s0 = trained[q] * B;
          let g = 0;
          for (let b = 0; b < B; b++) g += dA[k0 + b] * src[s0 + b];
          gW[o * fanIn + trained[q]] = g * unit;
        }
      }
      if (l.source === this.encoder.id) continue; // inputs have no gradient to pass on
      let dSrc = dValues.get(l.source);
      if (!dSrc) dValues.set(l.source, (dSrc = this.zeros(`d:${l.source}`, l.fanIn * B)));
      addProducts(dSrc, this.denseTransposed(l), dA, fanIn, l.fanOut, B);
    }
    return this.parameters.map((p) => grads.get(p.values)!);
  }

  /**
   * G[o, c] = sum over b ascending of dA[o, b] src[c, b], for dA [fanOut, B] and src [fanIn, B]: each sum
   * adds its terms one at a time in order of b (a zero dA term skipped, which adds +0 or -0 to it and changes
   * no sum that starts at +0), as the loop over a row's weights does.
   */
  private batchProducts(dA: Float64Array, src: Float64Array, l: Layer, B: number): Float64Array {
    const srcT = this.zeros('batch products', B * l.fanIn);
    for (let c = 0; c < l.fanIn; c++) for (let b = 0; b < B; b++) srcT[b * l.fanIn + c] = src[c * B + b];
    const G = this.zeros('gradient products', l.fanOut * l.fanIn);
    addProducts(G, dA, srcT, l.fanOut, B, l.fanIn);
    return G;
  }
}

/** The share of a layer's possible synapses above which its weight gradients are computed densely. */
const DENSE_GRADIENT = 0.25;

/** A host op on feature-major values ([width, batch]): slice, concat, or the rank-r product. */
function hostForward(h: HostOp, xs: readonly Float64Array[], B: number): Float64Array {
  if (h.kind === 'ann.slice') return xs[0].slice(h.start * B, h.stop * B);
  if (h.kind === 'ann.concat') {
    const y = new Float64Array(xs.reduce((n, x) => n + x.length, 0));
    let at = 0;
    for (const x of xs) {
      y.set(x, at);
      at += x.length;
    }
    return y;
  }
  // y_j = sum_{k<r} prod_i x_i[j r + k]
  const r = h.rank;
  const m = xs[0].length / B / r;
  const y = new Float64Array(m * B);
  for (let j = 0; j < m; j++)
    for (let k = 0; k < r; k++)
      for (let b = 0; b < B; b++) {
        let p = 1;
        for (const x of xs) p *= x[(j * r + k) * B + b];
        y[j * B + b] += p;
      }
  return y;
}

/** Adds to dIn the gradient of the op's input `which` given dy, the gradient of its output. */
function hostBackward(
  h: HostOp,
  which: number,
  xs: readonly Float64Array[],
  dy: Float64Array,
  dIn: Float64Array,
  B: number,
): void {
  if (h.kind === 'ann.slice') {
    for (let i = 0; i < dy.length; i++) dIn[h.start * B + i] += dy[i];
    return;
  }
  if (h.kind === 'ann.concat') {
    const at = xs.slice(0, which).reduce((n, x) => n + x.length, 0);
    for (let i = 0; i < dIn.length; i++) dIn[i] += dy[at + i];
    return;
  }
  const r = h.rank;
  const m = xs[0].length / B / r;
  for (let j = 0; j < m; j++)
    for (let k = 0; k < r; k++)
      for (let b = 0; b < B; b++) {
        const at = (j * r + k) * B + b;
        let p = 1;
        xs.forEach((x, i) => {
          if (i !== which) p *= x[at];
        });
        dIn[at] += dy[j * B + b] * p;
      }
}
