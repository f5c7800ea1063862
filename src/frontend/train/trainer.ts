import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../tfjs/runtime.js';
import type { TrainableActivation } from './activations.js';
import { MlpPinn, type PinnModel, SpinnPinn } from './model.js';
import { type PdeProblem, exactOn } from './problems/index.js';
import { Rng, grid } from './rng.js';
import { relativeL2 } from '../../sim/metrics.js';

export interface TrainOptions {
  readonly act: TrainableActivation;
  readonly width: number;
  readonly depth: number;
  readonly steps: number;
  readonly seed: number;
  readonly lr: number;
  readonly lrEnd: number;
  readonly rank?: number;
}

export interface TrainProgress {
  readonly step: number;
  readonly steps: number;
  readonly loss: number;
}

/** Training stopped on request (an aborted signal) before its last step: nothing was trained to keep. */
export class TrainingStopped extends Error {
  override name = 'TrainingStopped';
  constructor(
    readonly reason: unknown,
    readonly step: number,
    readonly steps: number,
  ) {
    super(`stopped (${String(reason)}) at step ${step} of ${steps}`);
  }
}

/**
 * The longest the training loop runs without returning to the event loop: the moment timers (progress
 * lines) and signal handlers (a request to stop) get to run.
 */
const YIELD_EVERY_MS = 100;

export interface TrainResult {
  readonly model: PinnModel;
  readonly options: TrainOptions;
  readonly finalLoss: number;
  /** Relative L2 error against the exact solution on the problem's test grid. */
  readonly relL2: number;
  readonly msPerStep: number;
}

export function defaultOptions(p: PdeProblem, overrides: Partial<TrainOptions> = {}): TrainOptions {
  const d = p.defaults;
  const o: TrainOptions = {
    act: d.act,
    width: d.width,
    depth: d.depth,
    steps: d.steps,
    seed: 1234,
    lr: d.lr,
    lrEnd: d.lrEnd,
    rank: d.rank,
  };
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...o, ...given };
}

export function buildModel(tf: Tf, p: PdeProblem, o: TrainOptions): PinnModel {
  return p.architecture === 'spinn'
    ? new SpinnPinn(tf, p, { width: o.width, depth: o.depth, act: o.act, rank: o.rank ?? 16 }, o.seed)
    : new MlpPinn(tf, p, { width: o.width, depth: o.depth, act: o.act }, o.seed);
}

/** The model's outputs at points, computed in batches. */
export function predict(tf: Tf, model: PinnModel, points: readonly (readonly number[])[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < points.length; i += 4096) {
    const chunk = points.slice(i, i + 4096) as number[][];
    out.push(...(tf.tidy(() => model.forward(tf.tensor2d(chunk)).arraySync()) as number[][]));
  }
  return out;
}

/**
 * Trains a PINN on a bundled problem: Adam with an exponentially decaying learning rate (lr to lrEnd
 * over the run), PDE residual plus weighted boundary/initial-condition loss, collocation points
 * redrawn from a seeded generator every `resample` steps.
 */
export async function trainPinn(
  tf: Tf,
  p: PdeProblem,
  o: TrainOptions,
  onProgress?: (s: TrainProgress) => void,
  stop?: AbortSignal,
): Promise<TrainResult> {
  const model = buildModel(tf, p, o);
  const rng = new Rng(o.seed);
  const d = p.defaults;
  const optimizer = tf.train.adam(o.lr);
  let interior: TF.Tensor2D[] = [];
  let bx: TF.Tensor2D | undefined;
  let target: TF.Tensor2D | undefined;
  let mask: TF.Tensor2D | undefined;
  const redraw = (): void => {
    tf.dispose([...interior, bx, target, mask].filter((t): t is TF.Tensor2D => !!t));
    interior = model.sampleInterior(rng, d.interior);
    const c = p.constraints(rng, d.boundary);
    bx = tf.tensor2d(c.x);
    target = tf.tensor2d(c.target.map((r) => r.map((v) => (Number.isNaN(v) ? 0 : v))));
    mask = tf.tensor2d(c.target.map((r) => r.map((v) => (Number.isNaN(v) ? 0 : 1))));
  };
  const lossFn = (): TF.Scalar =>
    tf.tidy(() => {
      const pde = model.residualLoss(interior);
      const err = tf.mul(tf.sub(model.forward(bx!), target!), mask!);
      return tf.add(pde, tf.mul(d.boundaryWeight, tf.mean(tf.square(err)))) as TF.Scalar;
    });
  let loss = NaN;
  const start = performance.now();
  let yielded = start;
  // what training holds besides the model: the drawn points and the optimizer's moments
  const disposeTraining = (): void => {
    tf.dispose([...interior, bx, target, mask].filter((t): t is TF.Tensor2D => !!t));
    optimizer.dispose();
  };
  for (let step = 0; step < o.steps; step++) {
    if (performance.now() - yielded > YIELD_EVERY_MS) {
      // awaiting a tensor's data settles as a microtask: only a macrotask lets timers and signals in
      await new Promise((resolve) => setImmediate(resolve));
      yielded = performance.now();
    }
    if (stop?.aborted) {
      disposeTraining();
      tf.dispose(model.variables);
      throw new TrainingStopped(stop.reason, step, o.steps);
    }
    if (step % d.resample === 0) redraw();
    (optimizer as unknown as { learningRate: number }).learningRate = o.lr * (o.lrEnd / o.lr) ** (step / o.steps);
    const cost = optimizer.minimize(lossFn, true, model.variables);
    if (step % 50 === 0 || step === o.steps - 1) {
      loss = (await cost!.data())[0];
      if (!Number.isFinite(loss))
        throw new Error(`training diverged at step ${step} (loss ${loss}); try a smaller --lr`);
      onProgress?.({ step: step + 1, steps: o.steps, loss });
    }
    cost?.dispose();
  }
  const msPerStep = (performance.now() - start) / Math.max(o.steps, 1);
  disposeTraining();
  const points = grid(p.domain, p.testGrid);
  const relL2 = relativeL2(predict(tf, model, points), exactOn(p, points), p.errorOutputs);
  return { model, options: o, finalLoss: loss, relL2, msPerStep };
}
