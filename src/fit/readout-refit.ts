import { type Graph, type NodeOf, Node as NodeSchema, f32, i32 } from '../ir/index.js';
import { simulateRows } from '../sim/parallel.js';
import { Rng } from '../sim/rng.js';
import { roundSparseWithFeedback } from './feedback-rounding.js';
import { rewrite } from './graph-edit.js';
import { relativeL2 } from '../sim/metrics.js';
import { boxOf, gram, solveSpd, worstInput } from './linalg.js';

/** Inputs the readout is refitted on, drawn from the calibration inputs' box: several per readout weight. */
export const REFIT_INPUTS = 1024;
/**
 * The widest readout refitted: its Gram matrix costs REFIT_INPUTS x fan-in^2 and each row's solve
 * fan-in^3; a wider readout keeps quantize's rounding.
 */
export const REFIT_MAX_FAN_IN = 1024;
/** The ridge pulling each refitted row towards quantize's own mantissas, relative to its mean diagonal. */
const REFIT_RIDGE = 1e-2;
const REFIT_SEED = 20231;

type Readout = NodeOf<'snn.readout'>;
type Synapse = NodeOf<'snn.synapse'>;

/** The readout, its one synapse and the population it reads, of a rate-coded network (undefined otherwise). */
function readoutOf(g: Graph): { readout: Readout; synapse: Synapse; source: string } | undefined {
  const readout = g.nodes.find((n): n is Readout => n.kind === 'snn.readout');
  if (!readout || readout.decode === 'sigma' || readout.inputs.length !== 1) return undefined;
  const synapse = g.nodes.find((n): n is Synapse => n.id === readout.inputs[0] && n.kind === 'snn.synapse');
  const source = synapse && g.nodes.find((n) => n.id === synapse.inputs[0]);
  return synapse && source?.kind === 'snn.neurons' ? { readout, synapse, source: source.id } : undefined;
}

/**
 * The readout's values y[s, o] = scale[o] * (W[o] . r[s]) + offset[o] from the rates r of the
 * population it reads (the snn.readout equation, its window's mean current written through the rates).
 */
function readoutValues(
  weights: ArrayLike<number>,
  scale: ArrayLike<number>,
  offset: ArrayLike<number>,
  r: Float64Array,
): number[][] {
  const [out, k] = [scale.length, weights.length / scale.length];
  return Array.from({ length: r.length / k }, (_, s) =>
    Array.from({ length: out }, (_, o) => {
      let acc = 0;
      for (let i = 0; i < k; i++) acc += weights[o * k + i] * r[s * k + i];
      return scale[o] * acc + offset[o];
    }),
  );
}

/**
 * Fits a quantized rate-coded network's readout to what the float network's readout computed, on the
 * spike counts the integer network itself produces. Quantize rounds every layer against the float
 * network's rates; the hidden layers' rounding then changes the counts the readout sums, and each
 * change reaches the output. Here each readout row's mantissas and its (host) offset are solved by
 * ridge least squares on the integer counts of REFIT_INPUTS inputs (GPTQ's sequential step, Frantar et
 * al. 2023: a layer is rounded against the inputs its quantized predecessors give it), then rounded
 * with feedback on those counts. A weight the float network has at zero stays zero (a merged SPINN's
 * block-diagonal readout keeps its blocks). Kept only where it fits those inputs better and every
 * row's worst summed input stays within `maxInput`.
 */
export function refitReadout(
  float: Graph,
  quantized: Graph,
  calibration: readonly (readonly number[])[],
  maxInput: number,
): { graph: Graph; stats: Record<string, number> } {
  const q = readoutOf(quantized);
  const f = readoutOf(float);
  if (!q || !f || q.synapse.weight.kind !== 'int' || f.synapse.weight.kind !== 'float' || !calibration.length)
    return { graph: quantized, stats: {} };
  const { mantissa, exponent, bits } = q.synapse.weight;
  const [out, k] = mantissa.shape;
  if (k > REFIT_MAX_FAN_IN) return { graph: quantized, stats: { 'readout refit kept': 0 } };
  const inputs = new Rng(REFIT_SEED).box(boxOf(calibration), REFIT_INPUTS);
  const rInt = simulateRows(quantized, inputs).rate.get(q.source)!;
  const rFloat = simulateRows(float, inputs).rate.get(f.source)!;
  const wFloat = f.synapse.weight.values.data;
  const target = readoutValues(wFloat, f.readout.scale.data, f.readout.offset.data, rFloat);
  const before = readoutValues(
    Array.from(mantissa.data, (m) => m * 2 ** exponent),
    q.readout.scale.data,
    q.readout.offset.data,
    rInt,
  );
  // the normal equations of every row share the counts' Gram matrix, column sums and cross terms
  const G = gram(rInt, k);
  const colSum = new Float64Array(k);
  const cross = new Float64Array(out * k);
  const targetSum = new Float64Array(out);
  for (let s = 0; s < REFIT_INPUTS; s++)
    for (let i = 0; i < k; i++) {
      const r = rInt[s * k + i];
      if (r === 0) continue;
      colSum[i] += r;
      for (let o = 0; o < out; o++) cross[o * k + i] += r * target[s][o];
    }
  for (let s = 0; s < REFIT_INPUTS; s++) for (let o = 0; o < out; o++) targetSum[o] += target[s][o];
  const fitted = new Array<number>(out * k).fill(0);
  const offset = Array.from(q.readout.offset.data);
  for (let o = 0; o < out; o++) {
    // unknowns: the row's mantissas where the float weight is nonzero, then the offset's change;
    // the model a * (m . r) + offset, fitted to the target
    const cols = [...Array(k).keys()].filter((i) => wFloat[o * k + i] !== 0);
    const n = cols.length + 1;
    const a = q.readout.scale.data[o] * 2 ** exponent;
    const A = new Float64Array(n * n);
    const b = new Float64Array(n);
    cols.forEach((i, c) => {
      cols.forEach((j, d) => (A[c * n + d] = a * a * G[i * k + j]));
      A[c * n + n - 1] = A[(n - 1) * n + c] = a * colSum[i];
      b[c] = a * (cross[o * k + i] - offset[o] * colSum[i]);
    });
    A[n * n - 1] = REFIT_INPUTS;
    b[n - 1] = targetSum[o] - REFIT_INPUTS * offset[o];
    let trace = 0;
    for (let c = 0; c < n - 1; c++) trace += A[c * n + c];
    const ridge = Math.max((REFIT_RIDGE * trace) / Math.max(n - 1, 1), 1e-12);
    cols.forEach((i, c) => {
      A[c * n + c] += ridge;
      b[c] += ridge * mantissa.data[o * k + i];
    });
    const x = solveSpd(A, b, n, 1);
    cols.forEach((i, c) => (fitted[o * k + i] = x[c]));
    offset[o] += x[n - 1];
  }
  const mmax = 2 ** (bits - 1) - 1;
  const rounded = roundSparseWithFeedback(fitted, out, k, rInt, mmax, -mmax);
  // a population's inputs are spikes of at most 1 per step, as quantize bounds every synapse
  const worst = worstInput(rounded, out, k, new Array<number>(k).fill(1)) * 2 ** exponent;
  const after = readoutValues(
    rounded.map((m) => m * 2 ** exponent),
    q.readout.scale.data,
    offset,
    rInt,
  );
  const stats = {
    'readout error before refit': Number(relativeL2(before, target).toPrecision(3)),
    'readout error after refit': Number(relativeL2(after, target).toPrecision(3)),
  };
  if (!(stats['readout error after refit'] < stats['readout error before refit']) || worst > maxInput)
    return { graph: quantized, stats: { ...stats, 'readout refit kept': 0 } };
  const replace = new Map([
    [
      q.synapse.id,
      NodeSchema.parse({ ...q.synapse, weight: { ...q.synapse.weight, mantissa: i32([out, k], rounded) } }),
    ],
    [q.readout.id, NodeSchema.parse({ ...q.readout, offset: f32([out], offset) })],
  ]);
  return { graph: rewrite(quantized, replace), stats: { ...stats, 'readout refit kept': 1 } };
}
