import { WEIGHT_CALIBRATION_OPTION } from './options.js';
import { type Graph, type Node, type NodeOf, Node as NodeSchema, f32, normalizeRows, width } from '../ir/index.js';
import { evalAnnAll } from '../sim/ann-eval.js';
import { simulateRows } from '../sim/parallel.js';
import { rewrite } from '../fit/graph-edit.js';
import { potentialTensor, restateOpenings, settleStartPotentials, windowOpenings } from '../fit/start-potential.js';
import { gram, solveSpd } from '../fit/linalg.js';
import { relativeL2 } from '../sim/metrics.js';
import { type Pass, type PassContext, PassError, type PassResult, needCalibration, needReference } from './pass.js';

type Neurons = NodeOf<'snn.neurons'>;
type Readout = NodeOf<'snn.readout'>;

/** What element i of a converted node should carry for calibration row b: (z[b, channel_i] - offset_i) * scale_i. */
function targets(n: Neurons | Readout, ann: Map<string, Float64Array>, batch: number): Float64Array {
  const o = n.origin!;
  const z = ann.get(o.node);
  if (!z)
    throw new PassError('calibrate', `%${n.id} comes from ANN node %${o.node}, which the reference network lacks`);
  const w = width(n.type);
  const zw = z.length / batch;
  const out = new Float64Array(batch * w);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < w; i++) out[b * w + i] = (z[b * zw + o.channel.data[i]] - o.offset.data[i]) * o.scale.data[i];
  return out;
}

function meanDiff(a: Float64Array, b: Float64Array, w: number): Float64Array {
  const out = new Float64Array(w);
  const batch = a.length / w;
  for (let k = 0; k < a.length; k++) out[k % w] += (a[k] - b[k]) / batch;
  return out;
}

/**
 * Least squares W (rows for each target) with bias fixed: min ||X W^T + bias - Y||^2 + ridge batch ||W||^2.
 * Solved in whichever form is smaller: the normal equations (X^T X + ridge batch I) W^T = X^T (Y - bias)
 * when inputs are fewer than calibration rows, else their dual W^T = X^T (X X^T + ridge batch I)^-1 (Y - bias)
 * (the same minimiser), so the cost grows with rows x inputs x targets, as the layer's synapses do, and
 * never with inputs cubed.
 */
function fitWeights(
  X: Float64Array,
  Y: Float64Array,
  bias: readonly number[],
  nIn: number,
  nOut: number,
  ridge = 1e-3,
): number[] {
  const batch = X.length / nIn;
  const residual = new Float64Array(batch * nOut);
  for (let b = 0; b < batch; b++) for (let o = 0; o < nOut; o++) residual[b * nOut + o] = Y[b * nOut + o] - bias[o];
  const W: number[] = new Array(nOut * nIn);
  if (nIn <= batch) {
    const G = gram(X, nIn);
    const R = new Float64Array(nIn * nOut);
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < nIn; i++) {
        const xi = X[b * nIn + i];
        if (xi === 0) continue;
        for (let o = 0; o < nOut; o++) R[i * nOut + o] += xi * residual[b * nOut + o];
      }
    }
    for (let i = 0; i < nIn; i++) G[i * nIn + i] += ridge * batch;
    const Wt = solveSpd(G, R, nIn, nOut);
    for (let o = 0; o < nOut; o++) for (let i = 0; i < nIn; i++) W[o * nIn + i] = Wt[i * nOut + o];
    return W;
  }
  const K = new Float64Array(batch * batch);
  for (let a = 0; a < batch; a++)
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let i = 0; i < nIn; i++) s += X[a * nIn + i] * X[b * nIn + i];
      K[a * batch + b] = K[b * batch + a] = s;
    }
  for (let a = 0; a < batch; a++) K[a * batch + a] += ridge * batch;
  const Z = solveSpd(K, residual, batch, nOut);
  W.fill(0);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < nIn; i++) {
      const xi = X[b * nIn + i];
      if (xi === 0) continue;
      for (let o = 0; o < nOut; o++) W[o * nIn + i] += xi * Z[b * nOut + o];
    }
  return W;
}

/**
 * calibrate: layer by layer, in order, each layer seeing the already calibrated layers before it,
 * the spiking network is run on the calibration inputs (src/sim) and corrected towards the ANN it was
 * converted from (Li et al. 2021, extended to any activation and neuron strategy: the target of every
 * neuron is its ideal input current (z - offset) * scale from the ANN's pre-activations z):
 * - weights (optional): least squares of the layer's synapse weights on its time-averaged input;
 * - bias: subtract the per-neuron mean error of the input current;
 * - potential: the potential at which the layer's window opens += T * mean(ideal rate - SNN rate), the
 *   ideal rate being the clipped ideal current (the population's openingV);
 * - readouts: subtract the mean error of the decoded output from the offset.
 * Subtracting a mean error never increases the expected squared error: E|e - mu|^2 = E|e|^2 - |mu|^2.
 */
export const calibrate: Pass = {
  name: 'calibrate',
  options: [WEIGHT_CALIBRATION_OPTION],
  needs: ['calibration'],
  correctsTowardsAnn: true,
  description:
    'correct the spiking network towards the ANN, layer by layer (bias, initial potential, optionally weights)',
  run(g, ctx): PassResult {
    const calib = needCalibration('calibrate', ctx);
    const reference = needReference('calibrate', ctx);
    if (g.nodes.some((n) => n.kind === 'snn.neurons' && n.arith === 'fixed'))
      throw new PassError('calibrate', 'runs on float networks: calibrate before quantize');
    const c = new LayerCalibration(g, ctx, reference, calib);
    for (const p of g.nodes.filter((n): n is Neurons => n.kind === 'snn.neurons' && !!n.origin)) {
      const target = targets(p, c.ann, calib.length);
      if (ctx.calibrateWeights) c.weightStep(p, target);
      if (ctx.calibrateBias) c.biasStep(p, target);
      if (ctx.calibratePotential) c.potentialStep(p, target);
      c.stats.layers++;
    }
    if (ctx.calibrateBias) c.readoutStep();
    c.stats['calib error before'] = Number(c.errorBefore.toPrecision(3));
    // every accepted step already measured the network it kept
    c.stats['calib error after'] = Number(c.best.toPrecision(3));
    return { graph: c.cur, stats: c.stats };
  },
};

/**
 * One layer-by-layer calibration: the network as corrected so far, its simulation on the calibration
 * inputs and its error against the ANN there, and the steps. A correction is kept only if the network's
 * outputs on the calibration inputs get closer to the ANN's: layer-wise targets do not guarantee that
 * the output improves (a refit layer can undo what the rounding of later layers would have cancelled).
 */
class LayerCalibration {
  cur: Graph;
  best: number;
  readonly errorBefore: number;
  readonly stats: Record<string, number> = { layers: 0 };
  /** The ANN's values of every node on the calibration inputs. */
  readonly ann: Map<string, Float64Array>;
  /** The simulation of `cur` on the calibration inputs, kept so the next step need not rerun it. */
  private sim: ReturnType<typeof simulateRows>;
  private readonly refRows: number[][];
  private readonly populations: string[];

  constructor(
    g: Graph,
    private readonly ctx: PassContext,
    reference: Graph,
    private readonly calib: readonly (readonly number[])[],
  ) {
    const batch = calib.length;
    this.ann = evalAnnAll(reference, calib);
    this.cur = settleStartPotentials(g);
    this.sim = simulateRows(this.cur, calib);
    const refOut = this.ann.get(reference.nodes.find((n) => n.kind === 'ann.output')!.id)!;
    const outWidth = refOut.length / batch;
    this.refRows = calib.map((_, r) => Array.from(refOut.subarray(r * outWidth, (r + 1) * outWidth)));
    this.best = this.errorBefore = this.err(this.sim.outputs);
    this.populations = g.nodes.filter((n) => n.kind === 'snn.neurons').map((n) => n.id);
  }

  private err(rows: number[][]): number {
    return relativeL2(rows, this.refRows);
  }

  private byId(id: string): Node {
    return this.cur.nodes.find((n) => n.id === id)!;
  }

  /**
   * Keeps `candidate` if it is closer to the ANN. A step on layer p keeps p's window opening where it
   * states (openingV) and lets the layers after it open wherever p's new prologue takes them, re-stated,
   * for their own steps to correct: holding them instead gave a float network 3% closer to the ANN but
   * an integer one 10% further from it on poisson2d (three compiles each).
   */
  private accept(candidate: Graph, step: string, layer?: string): void {
    const after = (p: string): Set<string> => new Set(this.populations.slice(this.populations.indexOf(p) + 1));
    const settled = layer
      ? restateOpenings(settleStartPotentials(candidate, new Set([layer])), after(layer))
      : settleStartPotentials(candidate);
    const run = simulateRows(settled, this.calib);
    const e = this.err(run.outputs);
    if (e < this.best) [this.cur, this.best, this.sim] = [settled, e, run];
    else this.stats[`${step} steps rejected`] = (this.stats[`${step} steps rejected`] ?? 0) + 1;
  }

  /** The weights of p's synapse by least squares on what its source sends, towards the ANN's inputs to p. */
  weightStep(p: Neurons, target: Float64Array): void {
    const w = width(p.type);
    const syn = this.byId(p.inputs[0]) as NodeOf<'snn.synapse'>;
    if (p.inputs.length !== 1 || syn.weight.kind !== 'float') return;
    const srcNode = this.byId(syn.inputs[0]);
    const nIn = syn.weight.values.shape[1];
    const X =
      srcNode.kind === 'snn.encoder'
        ? normalizeRows(srcNode.normalization, this.calib, srcNode.dims)
        : this.sim.rate.get(srcNode.id)!;
    const W = fitWeights(X, target, p.bias.data, nIn, w);
    this.accept(
      rewrite(
        this.cur,
        new Map([[syn.id, NodeSchema.parse({ ...syn, weight: { kind: 'float', values: f32([w, nIn], W) } })]]),
      ),
      'weight',
      p.id,
    );
  }

  /** p's bias moved by the mean difference between its input current and the ANN's. */
  biasStep(p: Neurons, target: Float64Array): void {
    const w = width(p.type);
    const mu = meanDiff(this.sim.meanCurrent.get(p.id)!, target, w);
    const node = this.byId(p.id) as Neurons;
    const bias = f32(
      [w],
      node.bias.data.map((b, i) => b - mu[i]),
    );
    this.accept(rewrite(this.cur, new Map([[p.id, NodeSchema.parse({ ...node, bias })]])), 'bias', p.id);
  }

  /** p's window opening moved by the mean difference between its rates and the ideal ones. */
  potentialStep(p: Neurons, target: Float64Array): void {
    const w = width(p.type);
    const node = this.byId(p.id) as Neurons;
    const lo = node.spikeSign === 'signed' ? -1 : 0;
    const ideal = Float64Array.from(target, (c) => Math.min(Math.max(c / node.threshold, lo), 1));
    const e = meanDiff(ideal, this.sim.rate.get(p.id)!, w);
    // a format whose neurons start at rest leaves no window opening to choose: the bias moves
    // the potential instead, e T thresholds over the window
    const moved = this.ctx.limits.restStart
      ? {
          bias: f32(
            [w],
            Array.from(node.bias.data, (b, i) => b + e[i] * node.threshold),
          ),
        }
      : {
          openingV: potentialTensor(
            node,
            Array.from(windowOpenings(this.cur).get(p.id)!, (v, i) =>
              Math.min(Math.max(v + e[i] * this.sim.T * node.threshold, -node.threshold), 2 * node.threshold),
            ),
          ),
        };
    this.accept(rewrite(this.cur, new Map([[p.id, NodeSchema.parse({ ...node, ...moved })]])), 'potential', p.id);
  }

  /** Every readout's offset moved by the mean difference between its values and the ANN's. */
  readoutStep(): void {
    const readouts = this.cur.nodes.filter((n): n is Readout => n.kind === 'snn.readout' && !!n.origin);
    if (!readouts.length) return;
    const replace = new Map<string, Node>();
    for (const r of readouts) {
      const w = width(r.type);
      const mu = meanDiff(this.sim.readout.get(r.id)!, targets(r, this.ann, this.calib.length), w);
      const offset = f32(
        [w],
        r.offset.data.map((o, i) => o - mu[i]),
      );
      replace.set(r.id, NodeSchema.parse({ ...r, offset }));
    }
    this.accept(rewrite(this.cur, replace), 'readout');
  }
}
