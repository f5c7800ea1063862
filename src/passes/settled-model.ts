import type { Graph, NodeOf } from '../ir/index.js';
import { SD_SPIKE_EXP, SD_STATE_EXP, type FormatLimits, normalizeRows, width } from '../ir/index.js';
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
 * with v_src the encoder's values (fixed point: its rounded inputs) and its bias channel. Its trainable
 * parameters are the synapses' nonzero weights (zeros stay zero, so no synapse is added) except the rows
 * that relay the bias channel (a population's last row, when it reads the source's relay and nothing
 * else), and the readouts' offsets. In fixed point (quantize's network) the parameters are the mantissas
 * m as reals, used rounded and clamped to what the synapse can hold: quantization-aware, gradients pass
 * straight through the rounding and the floors, and stop at the clamp and at neurons that do not send.
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

export class SettledModel {
  private constructor(
    private readonly encoder: NodeOf<'snn.encoder'>,
    /** Fixed point: the parameters are mantissas. */
    readonly fixed: boolean,
    private readonly layers: readonly Layer[],
    private readonly output: string,
    readonly parameters: readonly Parameter[],
  ) {}

  /**
   * The model of `g`, or why it has none (a host op, anything but one chain of populations and a
   * readout, float and fixed point mixed). `limits` bounds a fixed-point network's weights.
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
    const fixed = g.nodes.some((n) => n.kind === 'snn.sigma-delta' && n.arith === 'fixed');
    for (const node of g.nodes) {
      if (node.kind === 'snn.synapse' || node.kind === 'snn.encoder') continue;
      if (node.kind === 'ann.output') {
        output = node.inputs[0];
        continue;
      }
      if (node.kind !== 'snn.sigma-delta' && node.kind !== 'snn.readout')
        return `%${node.id} (${node.kind}) is not part of a chain of sigma-delta populations and one readout`;
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
      const stateUnit = fixed ? 2 ** (SD_SPIKE_EXP + SD_STATE_EXP) : 1;
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
        relu: node.kind === 'snn.sigma-delta' && node.activation === 'relu',
        readout:
          node.kind === 'snn.readout'
            ? { scale: Float64Array.from(node.scale.data), offset: Float64Array.from(node.offset.data) }
            : undefined,
      };
      layers.push(layer);
      parameters.push({ node: syn.id, field: 'weight', values: W });
      if (layer.readout) parameters.push({ node: node.id, field: 'offset', values: layer.readout.offset });
    }
    if (!output) return 'the network has no ann.output';
    if (!layers.some((l) => l.id === output && l.readout)) return `the output reads %${output}, not a readout`;
    if (layers.filter((l) => l.readout).length !== 1) return 'the network needs exactly one readout';
    return new SettledModel(enc, fixed, layers, output, parameters);
  }

  /** The weight parameter k of layer l stands for. */
  private static weight(l: Layer, k: number): number {
    if (!l.mantissa) return l.W[k];
    const [lo, hi] = l.mantissa;
    return l.unit * Math.max(lo, Math.min(hi, Math.round(l.W[k])));
  }

  /** The weights the nonzero parameters of l stand for, in compressed-row order. */
  private static effective(l: Layer): Float64Array {
    const W = new Float64Array(l.column.length);
    for (let o = 0; o < l.fanOut; o++)
      for (let j = l.rowStart[o]; j < l.rowStart[o + 1]; j++) W[j] = SettledModel.weight(l, o * l.fanIn + l.column[j]);
    return W;
  }

  /**
   * Fixed point: every row whose mantissas in `g` (the same network) differ from the model's takes
   * them and is left as it is from then on; returns how many rows did.
   */
  adoptRows(g: Graph): number {
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    let adopted = 0;
    for (const l of this.layers) {
      const syn = byId.get(l.synapse);
      if (!l.mantissa || syn?.kind !== 'snn.synapse' || syn.weight.kind !== 'int') continue;
      const m = syn.weight.mantissa.data;
      for (let o = 0; o < l.fanOut; o++) {
        let differs = false;
        for (let i = 0; i < l.fanIn; i++)
          differs ||= m[o * l.fanIn + i] !== SettledModel.weight(l, o * l.fanIn + i) / l.unit;
        if (!differs) continue;
        for (let i = 0; i < l.fanIn; i++) l.W[o * l.fanIn + i] = m[o * l.fanIn + i];
        l.fixedRows.add(o);
        adopted++;
      }
    }
    return adopted;
  }

  /** Whether entry k of a parameter is trained (not a zero, nor in a row left as it is). */
  isTrained(p: Parameter, k: number): boolean {
    const l = this.layers.find((layer) => layer.W === p.values);
    return !l || (l.W[k] !== 0 && !l.fixedRows.has(Math.floor(k / l.fanIn)));
  }

  /** Fixed point: every mantissa parameter rounded and clamped to what it stands for. */
  snap(): void {
    for (const l of this.layers)
      if (l.mantissa) for (let k = 0; k < l.W.length; k++) l.W[k] = SettledModel.weight(l, k) / l.unit;
  }

  /** The settled outputs on `inputs` ([batch, outputs], row-major) and the tape for backward. */
  forward(inputs: readonly (readonly number[])[]): { out: Float64Array; tape: Tape } {
    const enc = this.encoder;
    const B = inputs.length;
    const w = width(enc.type);
    const normalized = normalizeRows(enc.normalization, inputs, enc.dims);
    const x = new Float64Array(B * w);
    const lim = 2 ** ((enc.payloadBits ?? 1) - 1);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < enc.dims; j++) {
        const v = normalized[b * enc.dims + j];
        x[b * w + j] =
          this.fixed && enc.payloadBits !== undefined ? Math.max(-lim, Math.min(lim - 1, Math.round(v))) : v;
      }
      if (enc.biasChannel !== undefined) x[b * w + enc.dims] = enc.biasChannel;
    }
    const values = new Map<string, Float64Array>([[enc.id, x]]);
    const slopes = new Map<string, Float64Array>();
    const message = this.fixed ? 2 ** SD_STATE_EXP : 1;
    for (const l of this.layers) {
      const src = values.get(l.source)!;
      const y = new Float64Array(B * l.fanOut);
      const slope = new Float64Array(B * l.fanOut);
      const W = SettledModel.effective(l);
      const { rowStart, column, fanIn } = l;
      for (let b = 0; b < B; b++)
        for (let o = 0; o < l.fanOut; o++) {
          let a = 0;
          for (let j = rowStart[o]; j < rowStart[o + 1]; j++) a += W[j] * src[b * fanIn + column[j]];
          if (this.fixed) a = Math.floor(a);
          const k = b * l.fanOut + o;
          if (l.readout) {
            y[k] = l.readout.scale[o] * a + l.readout.offset[o];
            continue;
          }
          const act = l.relu ? Math.max(0, a + l.bias[o]) : a + l.bias[o];
          if (Math.abs(act) < l.threshold || (l.relu && act <= 0)) continue;
          y[k] = this.fixed ? Math.floor(act / message) : act;
          slope[k] = 1 / message;
        }
      values.set(l.id, y);
      if (!l.readout) slopes.set(l.id, slope);
    }
    return { out: values.get(this.output)!, tape: { batch: B, values, slopes } };
  }

  /** Gradients of sum (out - targets)^2 for every parameter, in the order of `parameters`. */
  gradient(inputs: readonly (readonly number[])[], targets: Float64Array): Float64Array[] {
    const { out, tape } = this.forward(inputs);
    const dOut = out.map((v, k) => 2 * (v - targets[k]));
    const B = tape.batch;
    const grads = new Map<Float64Array, Float64Array>(
      this.parameters.map((p) => [p.values, new Float64Array(p.values.length)]),
    );
    const dValues = new Map<string, Float64Array>([[this.output, dOut]]);
    for (let li = this.layers.length - 1; li >= 0; li--) {
      const l = this.layers[li];
      const dy = dValues.get(l.id);
      if (!dy) continue;
      const slope = tape.slopes.get(l.id);
      const src = tape.values.get(l.source)!;
      const gW = grads.get(l.W)!;
      const gOffset = l.readout ? grads.get(l.readout.offset)! : undefined;
      let dSrc = dValues.get(l.source);
      if (!dSrc) dValues.set(l.source, (dSrc = new Float64Array(B * l.fanIn)));
      const W = SettledModel.effective(l);
      const { rowStart, column, fanIn } = l;
      // the rounding passes gradients straight through; a mantissa clamped at its range gets none
      const open = new Float64Array(W.length).fill(l.unit);
      if (l.mantissa)
        for (let o = 0; o < l.fanOut; o++)
          for (let j = rowStart[o]; j < rowStart[o + 1]; j++) {
            const v = l.W[o * fanIn + column[j]];
            if (v < l.mantissa[0] - 0.5 || v > l.mantissa[1] + 0.5) open[j] = 0;
          }
      for (let b = 0; b < B; b++)
        for (let o = 0; o < l.fanOut; o++) {
          const d = dy[b * l.fanOut + o];
          if (gOffset) gOffset[o] += d;
          // the gradient of a: through the scale of a readout, through each neuron's slope
          const da = l.readout ? d * l.readout.scale[o] : d * slope![b * l.fanOut + o];
          if (da === 0) continue;
          const trained = !l.fixedRows.has(o);
          for (let j = rowStart[o]; j < rowStart[o + 1]; j++) {
            const i = b * fanIn + column[j];
            if (trained) gW[o * fanIn + column[j]] += da * src[i] * open[j];
            dSrc[i] += da * W[j];
          }
        }
    }
    return this.parameters.map((p) => grads.get(p.values)!);
  }
}
