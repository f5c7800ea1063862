import { WEIGHT_CALIBRATION_OPTION } from './options.js';
import { type Node, type NodeOf, Node as NodeSchema, f32, normalizeRows, width } from '../ir/index.js';
import { evalAnnAll } from '../sim/ann-eval.js';
import { simulateRows } from '../sim/parallel.js';
import { rewrite } from '../fit/graph-edit.js';
import { potentialTensor, restateOpenings, settleStartPotentials, windowOpenings } from '../fit/start-potential.js';
import { gram, solveSpd } from '../fit/linalg.js';
import { relativeL2 } from '../sim/metrics.js';
import { type Pass, PassError, type PassResult, needCalibration } from './pass.js';

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
    if (!ctx.reference)
      throw new PassError(
        'calibrate',
        'needs the ANN the network was converted from: run it in the same pipeline as lower-to-snn',
      );
    const batch = calib.length;
    const ann = evalAnnAll(ctx.reference, calib);
    const order = g.nodes.filter((n): n is Neurons => n.kind === 'snn.neurons' && !!n.origin);
    if (g.nodes.some((n) => n.kind === 'snn.neurons' && n.arith === 'fixed'))
      throw new PassError('calibrate', 'runs on float networks: calibrate before quantize');
    let cur = settleStartPotentials(g);
    const before = simulateRows(cur, calib);
    const stats: Record<string, number> = { layers: 0 };
    const byId = (id: string): Node => cur.nodes.find((n) => n.id === id)!;

    // A correction is kept only if the network's outputs on the calibration inputs get closer to the
    // ANN's: layer-wise targets do not guarantee that the output improves (a refit layer can undo
    // what the rounding of later layers would have cancelled).
    const refOut = ann.get(ctx.reference.nodes.find((n) => n.kind === 'ann.output')!.id)!;
    const outWidth = refOut.length / batch;
    const refRows = calib.map((_, r) => Array.from(refOut.subarray(r * outWidth, (r + 1) * outWidth)));
    const err = (rows: number[][]): number => relativeL2(rows, refRows);
    let best = err(before.outputs);
    // the simulation of `cur` on the calibration inputs, kept so the next step need not rerun it
    let sim = before;
    // A step on layer p keeps p's window opening where it states (openingV) and lets the layers after
    // it open wherever p's new prologue takes them, re-stated, for their own steps to correct: holding
    // them instead gave a float network 3% closer to the ANN but an integer one 10% further from it
    // on poisson2d (three compiles each).
    const populations = g.nodes.filter((n) => n.kind === 'snn.neurons').map((n) => n.id);
    const after = (p: string): Set<string> => new Set(populations.slice(populations.indexOf(p) + 1));
    const accept = (candidate: typeof cur, step: string, layer?: string): void => {
      const settled = layer
        ? restateOpenings(settleStartPotentials(candidate, new Set([layer])), after(layer))
        : settleStartPotentials(candidate);
      const run = simulateRows(settled, calib);
      const e = err(run.outputs);
      if (e < best) [cur, best, sim] = [settled, e, run];
      else stats[`${step} steps rejected`] = (stats[`${step} steps rejected`] ?? 0) + 1;
    };

    for (const p of order) {
      const w = width(p.type);
      const target = targets(p, ann, batch);
      if (ctx.calibrateWeights) {
        const syn = byId(p.inputs[0]) as NodeOf<'snn.synapse'>;
        if (p.inputs.length === 1 && syn.weight.kind === 'float') {
          const srcNode = byId(syn.inputs[0]);
          const nIn = syn.weight.values.shape[1];
          const X =
            srcNode.kind === 'snn.encoder'
              ? normalizeRows(srcNode.normalization, calib, srcNode.dims)
              : sim.rate.get(srcNode.id)!;
          const W = fitWeights(X, target, p.bias.data, nIn, w);
          accept(
            rewrite(
              cur,
              new Map([[syn.id, NodeSchema.parse({ ...syn, weight: { kind: 'float', values: f32([w, nIn], W) } })]]),
            ),
            'weight',
            p.id,
          );
        }
      }
      if (ctx.calibrateBias) {
        const mu = meanDiff(sim.meanCurrent.get(p.id)!, target, w);
        const node = byId(p.id) as Neurons;
        accept(
          rewrite(
            cur,
            new Map([
              [
                p.id,
                NodeSchema.parse({
                  ...node,
                  bias: f32(
                    [w],
                    node.bias.data.map((b, i) => b - mu[i]),
                  ),
                }),
              ],
            ]),
          ),
          'bias',
          p.id,
        );
      }
      if (ctx.calibratePotential) {
        const node = byId(p.id) as Neurons;
        const lo = node.spikeSign === 'signed' ? -1 : 0;
        const ideal = Float64Array.from(target, (c) => Math.min(Math.max(c / node.threshold, lo), 1));
        const e = meanDiff(ideal, sim.rate.get(p.id)!, w);
        // a format whose neurons start at rest leaves no window opening to choose: the bias moves
        // the potential instead, e T thresholds over the window
        const moved = ctx.limits.restStart
          ? {
              bias: f32(
                [w],
                Array.from(node.bias.data, (b, i) => b + e[i] * node.threshold),
              ),
            }
          : {
              openingV: potentialTensor(
                node,
                Array.from(windowOpenings(cur).get(p.id)!, (v, i) =>
                  Math.min(Math.max(v + e[i] * sim.T * node.threshold, -node.threshold), 2 * node.threshold),
                ),
              ),
            };
        accept(rewrite(cur, new Map([[p.id, NodeSchema.parse({ ...node, ...moved })]])), 'potential', p.id);
      }
      stats.layers++;
    }
    const readouts = cur.nodes.filter((n): n is Readout => n.kind === 'snn.readout' && !!n.origin);
    if (ctx.calibrateBias && readouts.length) {
      const replace = new Map<string, Node>();
      for (const r of readouts) {
        const w = width(r.type);
        const mu = meanDiff(sim.readout.get(r.id)!, targets(r, ann, batch), w);
        replace.set(
          r.id,
          NodeSchema.parse({
            ...r,
            offset: f32(
              [w],
              r.offset.data.map((o, i) => o - mu[i]),
            ),
          }),
        );
      }
      accept(rewrite(cur, replace), 'readout');
    }
    stats['calib error before'] = Number(err(before.outputs).toPrecision(3));
    // every accepted step already measured the network it kept
    stats['calib error after'] = Number(best.toPrecision(3));
    return { graph: cur, stats };
  },
};
