import {
  type Graph,
  IrError,
  type Node,
  type NodeOf,
  Node as NodeSchema,
  SD_MANTISSA_UNIT,
  f32,
  i32,
} from '../ir/index.js';
import { evalAnnAll } from '../sim/ann-eval.js';
import { relativeL2 } from '../sim/metrics.js';
import { Rng } from '../sim/rng.js';
import { simulateRows } from '../sim/parallel.js';
import { CountModel, type Parameter } from './count-model.js';
import { SettledModel } from './settled-model.js';
import { inputBox } from './sigma-delta-bounds.js';
import { keepWithinStates } from './sigma-delta-headroom.js';
import { AdamMoments } from '../sim/kernels.js';
import { rewrite } from './graph-edit.js';
import { boxOf } from './linalg.js';
import { type Pass, PassError, type PassResult, needCalibration } from './pass.js';
import { settleStartPotentials } from './start-potential.js';

/** Inputs per Adam step. */
const BATCH = 128;
/** Steps between two scores of a settled model on the calibration inputs. */
const SNAPSHOT_EVERY = 25;
/** A fixed-point fit whose rows had to be given back is fitted again around them for 1/REFIT of its steps. */
const REFIT = 4;

/** Adam (Kingma and Ba) on a list of tensors, each with its own step size. */
class Adam {
  private readonly moments: AdamMoments;
  private t = 0;
  constructor(
    private readonly params: readonly Parameter[],
    private readonly lr: readonly number[],
  ) {
    this.moments = new AdamMoments(params.map((p) => p.values.length));
  }
  step(grads: readonly Float64Array[], rate: number): void {
    const [b1, b2] = [0.9, 0.999];
    this.t++;
    const [c1, c2] = [1 - b1 ** this.t, 1 - b2 ** this.t];
    this.params.forEach((p, i) => this.moments.update(i, p.values, grads[i], b1, b2, c1, c2, this.lr[i] * rate));
  }
}

const rms = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] * xs[i];
  return Math.sqrt(s / Math.max(1, xs.length));
};

/**
 * The graph with the model's trained parameters written back, settled so that each window opens where
 * the model assumed (openingV).
 */
function writeBack(g: Graph, model: { readonly parameters: readonly Parameter[] }): Graph {
  const replace = new Map<string, Node>();
  for (const p of model.parameters) {
    const node = replace.get(p.node) ?? g.nodes.find((n) => n.id === p.node)!;
    const values = Array.from(p.values);
    const next =
      p.field === 'weight' && node.kind === 'snn.synapse' && node.weight.kind === 'float'
        ? { ...node, weight: { kind: 'float', values: f32(node.weight.values.shape, values) } }
        : p.field === 'weight' && node.kind === 'snn.synapse' && node.weight.kind === 'int'
          ? { ...node, weight: { ...node.weight, mantissa: i32(node.weight.mantissa.shape, values) } }
          : p.field === 'bias' && node.kind === 'snn.sigma-delta' && node.arith === 'fixed'
            ? {
                ...node,
                bias: i32(
                  [values.length],
                  values.map((v) => v / SD_MANTISSA_UNIT),
                ),
              }
            : p.field === 'bias' && (node.kind === 'snn.neurons' || node.kind === 'snn.sigma-delta')
              ? { ...node, bias: f32([values.length], values) }
              : { ...node, offset: f32([values.length], values) };
    replace.set(p.node, NodeSchema.parse(next));
  }
  return settleStartPotentials(rewrite(g, replace));
}

/**
 * finetune: the network-wide form of weight calibration. Every float synapse weight, neuron bias and
 * readout offset is fitted to the ANN's outputs by Adam on the spike-count model of the network
 * (src/passes/count-model.ts: exact counts for integrate-and-fire with subtract reset, gradients
 * straight through the rounding, as Li et al. 2021 calibrate one layer). Layer-wise calibration
 * cannot repair what the conversion itself approximates (the K ramps of pwl, the clipping of clip);
 * fitting the spiking network's own function to the ANN's does. Each step draws fresh inputs from the
 * box the calibration inputs span, where the ANN is asked for its outputs, so thousands of
 * parameters do not overfit a few hundred points. Thresholds and window openings stay where they are.
 * The result is kept only if the simulated outputs on the calibration inputs get closer to the ANN's.
 *
 * A sigma-delta network is fitted through its settled model (src/passes/settled-model.ts: what a held
 * query settles on, exactly): in float, every nonzero weight of the ramps and sums, which repairs what
 * K ramps approximate; after quantize, the integer mantissas themselves (quantization-aware, straight
 * through the rounding, within each synapse's mantissa and the format's weight range), each row kept
 * within its 24-bit state over the whole input domain (sigma-delta-headroom.ts, rows given back
 * otherwise). As the model is exact, the parameters it scores best on the calibration inputs are kept.
 */
export const finetune: Pass = {
  name: 'finetune',
  needs: ['calibration'],
  correctsTowardsAnn: true,
  description:
    'fit the spiking network end to end to the ANN outputs through its spike-count model (rate) or settled ' +
    'model (sigma-delta; on quantized mantissas too), gradients straight through the rounding',
  run(g, ctx): PassResult {
    if (ctx.finetuneSteps === 0) return { graph: g, stats: { steps: 0 } };
    const calib = needCalibration('finetune', ctx);
    if (!ctx.reference)
      throw new PassError(
        'finetune',
        'needs the ANN the network was converted from: run it in the same pipeline as lower-to-snn',
      );
    const sigmaDelta = g.nodes.some((n) => n.kind === 'snn.sigma-delta');
    if (
      !sigmaDelta &&
      g.nodes.some(
        (n) =>
          (n.kind === 'snn.neurons' && n.arith === 'fixed') || (n.kind === 'snn.synapse' && n.weight.kind === 'int'),
      )
    )
      throw new PassError('finetune', 'runs on float rate-coded networks: finetune before quantize');
    // a sigma-delta network's function is what a held query settles on (float, or quantize's integers,
    // whose mantissas it then trains); a rate-coded one's, its counts
    const model = sigmaDelta ? SettledModel.of(g, ctx.limits) : CountModel.of(g);
    // a network the model cannot describe (reset to zero, a host op it cannot differentiate) is left as it is
    if (typeof model === 'string') return { graph: g, stats: { skipped: model } };
    const ref = ctx.reference;
    const outId = ref.nodes.find((n) => n.kind === 'ann.output')!.id;
    const annOut = (rows: readonly (readonly number[])[]): Float64Array => evalAnnAll(ref, rows).get(outId)!;
    const rows = (flat: Float64Array, batch: number): number[][] =>
      Array.from({ length: batch }, (_, r) =>
        Array.from(flat.subarray((r * flat.length) / batch, ((r + 1) * flat.length) / batch)),
      );

    const calibRef = rows(annOut(calib), calib.length);
    const modelError = (): number => relativeL2(rows(model.forward(calib).out, calib.length), calibRef);
    const stats: Record<string, number | string> = {
      steps: ctx.finetuneSteps,
      parameters: model.parameters.reduce((s, p) => s + p.values.length, 0),
    };
    const label = model instanceof CountModel ? 'count-model' : 'settled-model';
    stats[`${label} error before`] = Number(modelError().toPrecision(3));

    const outScale = rms(annOut(calib));
    const box = boxOf(calib);
    const rng = new Rng(20230831);
    // a settled model is exactly what a held query computes: the parameters it scores best on the
    // calibration inputs are kept (fixed point: the rounding makes the loss jump as mantissas cross it)
    const snapshot = (): Float64Array[] => model.parameters.map((p) => p.values.slice());
    // a tensor's step is relative to the size of its weights: of a sigma-delta network's sparse
    // synapses, the trained ones only (their zeros are structural, most of the tensor)
    const stepScale = (p: Parameter): number =>
      model instanceof SettledModel ? rms(p.values.filter((v, k) => v !== 0 && model.isTrained(p, k))) : rms(p.values);
    const fit = (steps: number): void => {
      const adam = new Adam(
        model.parameters,
        model.parameters.map(
          (p) => ctx.finetuneRate * (p.field === 'offset' ? outScale : Math.max(stepScale(p), 1e-6)),
        ),
      );
      const best = model instanceof SettledModel ? { error: modelError(), values: snapshot() } : undefined;
      for (let step = 0; step < steps; step++) {
        const x = rng.box(box, BATCH);
        // loss = sum (out - y)^2 / sum y^2: Adam only sees its direction, so any positive factor will do
        const grads = model.gradient(x, annOut(x));
        const rate = 0.5 * (1 + Math.cos((Math.PI * step) / steps));
        adam.step(grads, rate);
        if (best && ((step + 1) % SNAPSHOT_EVERY === 0 || step + 1 === steps)) {
          const error = modelError();
          if (error < best.error) [best.error, best.values] = [error, snapshot()];
        }
        ctx.progress?.(step + 1, steps);
      }
      if (best) model.parameters.forEach((p, i) => p.values.set(best.values[i]));
    };
    fit(ctx.finetuneSteps);
    if (model instanceof SettledModel) model.snap();
    stats[`${label} error after`] = Number(modelError().toPrecision(3));
    if (model instanceof CountModel)
      stats['count-model error unrounded'] = Number(
        relativeL2(rows(model.forward(calib, false).out, calib.length), calibRef).toPrecision(3),
      );

    let candidate = writeBack(g, model);
    if (model instanceof SettledModel && model.fixed) {
      // rows whose states could pass their width are given back; the others are fitted again around them
      // (a quarter of the steps) and checked again
      const enc = g.nodes.find((n): n is NodeOf<'snn.encoder'> => n.kind === 'snn.encoder')!;
      const domain = inputBox(enc, calib)!;
      const within = (trained: Graph): Graph => {
        const { graph, reverted } = keepWithinStates(g, trained, domain, ctx.limits);
        stats['rows reverted'] = [stats['rows reverted'], Number.isFinite(reverted) ? reverted : 'all']
          .filter((v) => v !== undefined)
          .join(', then ');
        return graph;
      };
      candidate = within(candidate);
      if (candidate !== g && model.adoptRows(candidate) > 0) {
        fit(Math.ceil(ctx.finetuneSteps / REFIT));
        model.snap();
        stats[`${label} error refitted`] = Number(modelError().toPrecision(3));
        candidate = within(writeBack(g, model));
      }
    }
    const before = relativeL2(simulateRows(g, calib, { perNeuron: false }).outputs, calibRef);
    const after = ((): number => {
      try {
        return relativeL2(simulateRows(candidate, calib, { perNeuron: false }).outputs, calibRef);
      } catch (err) {
        // an integer state past its width on these inputs (the bounds should have caught it): not kept
        if (err instanceof IrError) return Infinity;
        throw err;
      }
    })();
    stats['calib error before'] = Number(before.toPrecision(3));
    stats['calib error after'] = Number(after.toPrecision(3));
    stats.kept = after < before ? 'yes' : 'no';
    return { graph: after < before ? candidate : g, stats };
  },
};
