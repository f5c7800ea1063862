import { type Graph, IrError, type Node, Node as NodeSchema, f32, i32 } from '../ir/index.js';
import { evalAnnAll } from '../sim/ann-eval.js';
import { AdamMoments } from '../sim/kernels.js';
import { relativeL2 } from '../sim/metrics.js';
import { simulateRows } from '../sim/parallel.js';
import { Rng } from '../sim/rng.js';
import type { Parameter } from './count-model.js';
import { rewrite } from './graph-edit.js';
import { boxOf } from './linalg.js';
import { settleStartPotentials } from './start-potential.js';

/**
 * What finetune fits to the ANN: a differentiable model of a spiking network (the spike-count model of
 * a rate-coded one, the settled model of a sigma-delta one) with the parameters it trains in place.
 */
export interface Surrogate {
  readonly parameters: readonly Parameter[];
  forward(inputs: readonly (readonly number[])[]): { readonly out: Float64Array };
  /** The gradients of the parameters, in their order, of the squared error against `targets`. */
  gradient(inputs: readonly (readonly number[])[], targets: Float64Array): Float64Array[];
}

/** Inputs per Adam step. */
const BATCH = 128;
/** Steps between two scores of a model on the target's scoring rows, where the best parameters are kept. */
const SNAPSHOT_EVERY = 25;
/** The seed of the inputs each step draws (fixed: same input, same bytes out). */
const FIT_SEED = 20230831;

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

export const rms = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] * xs[i];
  return Math.sqrt(s / Math.max(1, xs.length));
};

const rowsOf = (flat: Float64Array, batch: number): number[][] =>
  Array.from({ length: batch }, (_, r) =>
    Array.from(flat.subarray((r * flat.length) / batch, ((r + 1) * flat.length) / batch)),
  );

/** Rows a fit is scored on, apart from the calibration rows, where it asks for them (AnnTarget). */
const HELD_OUT_ROWS = 512;
/** Their seed: neither the calibration inputs' (7), the validation inputs' nor a fit's steps'. */
const HELD_OUT_SEED = 8_191;

/**
 * The ANN as the target of a fit: its outputs on any rows, on the calibration rows, and a model's
 * relative L2 error against them on the rows it is scored on: the calibration rows, or (heldOut) rows
 * drawn afresh from the box, for a network whose structure was fitted to the calibration rows and so
 * looks better on them than on any other query.
 */
export class AnnTarget {
  private readonly outId: string;
  readonly calibrationOutputs: number[][];
  /** The RMS of the ANN's outputs on the calibration rows: the step size of a readout's offsets. */
  readonly outScale: number;
  /** Where each step draws its inputs: the box the calibration rows span, unless the caller names one. */
  readonly box: [number, number][];
  /** The rows a model is scored on (errorOf, keepIfCloser) and the ANN's outputs there. */
  readonly scoring: readonly (readonly number[])[];
  private readonly scoringOutputs: number[][];
  /** How the stats name the scoring rows. */
  private readonly label: string;
  constructor(
    private readonly reference: Graph,
    readonly calibration: readonly (readonly number[])[],
    box?: readonly (readonly [number, number])[],
    heldOut = false,
  ) {
    this.outId = reference.nodes.find((n) => n.kind === 'ann.output')!.id;
    const out = this.outputs(calibration);
    this.calibrationOutputs = rowsOf(out, calibration.length);
    this.outScale = rms(out);
    this.box = box ? box.map(([lo, hi]) => [lo, hi]) : boxOf(calibration);
    this.scoring = heldOut ? new Rng(HELD_OUT_SEED).box(this.box, HELD_OUT_ROWS) : calibration;
    this.scoringOutputs = heldOut ? rowsOf(this.outputs(this.scoring), HELD_OUT_ROWS) : this.calibrationOutputs;
    this.label = heldOut ? 'held-out' : 'calib';
  }
  outputs(rows: readonly (readonly number[])[]): Float64Array {
    return evalAnnAll(this.reference, rows).get(this.outId)!;
  }
  /** A model's relative L2 error against the ANN on the scoring rows. */
  errorOf(model: Surrogate): number {
    return this.errorOfOutputs(model.forward(this.scoring).out);
  }
  /** The relative L2 error of outputs on the scoring rows ([rows, outputs], flat) against the ANN's. */
  errorOfOutputs(out: Float64Array): number {
    return relativeL2(rowsOf(out, this.scoring.length), this.scoringOutputs);
  }
  /**
   * The candidate if its simulated outputs on the scoring rows are closer to the ANN's, else g; the
   * errors of both and the choice go into `stats`.
   */
  keepIfCloser(
    g: Graph,
    candidate: Graph,
    stats: Record<string, number | string>,
  ): { graph: Graph; stats: Record<string, number | string> } {
    const before = this.simulatedError(g);
    const after = this.simulatedError(candidate);
    stats[`${this.label} error before`] = Number(before.toPrecision(3));
    stats[`${this.label} error after`] = Number(after.toPrecision(3));
    stats.kept = after < before ? 'yes' : 'no';
    return { graph: after < before ? candidate : g, stats };
  }

  /** A graph's simulated relative L2 error against the ANN on the scoring rows (Infinity if it overflows). */
  simulatedError(g: Graph): number {
    try {
      return relativeL2(simulateRows(g, this.scoring, { perNeuron: false }).outputs, this.scoringOutputs);
    } catch (err) {
      // an integer state past its width on these inputs (the bounds should have caught it)
      if (err instanceof IrError) return Infinity;
      throw err;
    }
  }
}

export interface FitOptions {
  readonly steps: number;
  /** Each tensor's step size relative to its scale (finetuneRate). */
  readonly rate: number;
  /** A tensor's scale: the RMS of its trained values. */
  readonly scaleOf: (p: Parameter) => number;
  /**
   * Keep the parameters the model scores best on the target's scoring rows (scored every SNAPSHOT_EVERY
   * steps), for a model that is exactly what the network computes; else the last ones.
   */
  readonly keepBest: boolean;
  /** Inputs per step (BATCH if absent). */
  readonly batch?: number;
  /**
   * The fraction of the steps over which the step size climbs linearly to the schedule's (0 if absent):
   * Adam's first steps move every parameter by about its full step at once, which can throw a network
   * that starts close to the ANN far from it.
   */
  readonly warmup?: number;
  readonly progress?: (done: number, total: number) => void;
}

/**
 * Fits `model` to the ANN by Adam under a cosine schedule (after a warmup, if asked), each step on BATCH
 * fresh inputs drawn from the target's box (so that thousands of parameters do not overfit a few
 * hundred points). `rng` carries on from fit to fit.
 */
export function fitToAnn(model: Surrogate, target: AnnTarget, rng: Rng, o: FitOptions): void {
  const adam = new Adam(
    model.parameters,
    model.parameters.map((p) => o.rate * (p.field === 'offset' ? target.outScale : Math.max(o.scaleOf(p), 1e-6))),
  );
  const snapshot = (): Float64Array[] => model.parameters.map((p) => p.values.slice());
  const best = o.keepBest ? { error: target.errorOf(model), values: snapshot() } : undefined;
  for (let step = 0; step < o.steps; step++) {
    const x = rng.box(target.box, o.batch ?? BATCH);
    // loss = sum (out - y)^2 / sum y^2: Adam only sees its direction, so any positive factor will do
    const grads = model.gradient(x, target.outputs(x));
    const climb = Math.min(1, (step + 1) / ((o.warmup ?? 0) * o.steps + 1));
    adam.step(grads, climb * 0.5 * (1 + Math.cos((Math.PI * step) / o.steps)));
    if (best && ((step + 1) % SNAPSHOT_EVERY === 0 || step + 1 === o.steps)) {
      const error = target.errorOf(model);
      if (error < best.error) [best.error, best.values] = [error, snapshot()];
    }
    o.progress?.(step + 1, o.steps);
  }
  if (best) model.parameters.forEach((p, i) => p.values.set(best.values[i]));
}

/** The domain the ANN's input records (the box its queries come from), if it records one. */
export function domainOf(reference: Graph): readonly (readonly [number, number])[] | undefined {
  const input = reference.nodes.find((n) => n.kind === 'ann.input');
  return input?.kind === 'ann.input' ? input.domain : undefined;
}

/** The random inputs of a finetune's fits. */
export const fitRng = (): Rng => new Rng(FIT_SEED);

/**
 * The graph with the model's trained parameters written back, settled so that each window opens where
 * the model assumed (openingV).
 */
export function writeBack(g: Graph, model: { readonly parameters: readonly Parameter[] }): Graph {
  const replace = new Map<string, Node>();
  for (const p of model.parameters) {
    const node = replace.get(p.node) ?? g.nodes.find((n) => n.id === p.node)!;
    const values = Array.from(p.values);
    const next =
      p.field === 'weight' && node.kind === 'snn.synapse' && node.weight.kind === 'float'
        ? { ...node, weight: { kind: 'float', values: f32(node.weight.values.shape, values) } }
        : p.field === 'weight' && node.kind === 'snn.synapse' && node.weight.kind === 'int'
          ? { ...node, weight: { ...node.weight, mantissa: i32(node.weight.mantissa.shape, values) } }
          : p.field === 'bias' && 'bias' in node && node.bias.dtype === 'i32'
            ? {
                ...node,
                bias: i32(
                  [values.length],
                  values.map((v) => v / (p.unit ?? 1)),
                ),
              }
            : p.field === 'bias' && 'bias' in node
              ? { ...node, bias: f32([values.length], values) }
              : { ...node, offset: f32([values.length], values) };
    replace.set(p.node, NodeSchema.parse(next));
  }
  return settleStartPotentials(rewrite(g, replace));
}
