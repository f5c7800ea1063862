import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../tfjs/runtime.js';
import { tfjsActivationName } from './activations.js';
import { type Jet, type JetSpec, type MlpParams, column, initMlp, mlpJet } from './jet.js';
import type { PdeProblem } from './problems/index.js';
import type { Rng } from './rng.js';

/** A network being trained: its variables, its PDE loss on interior points, and how to save it. */
export interface PinnModel {
  readonly variables: TF.Variable[];
  /** Draws interior collocation points (kept as a tensor until the next draw). */
  sampleInterior(rng: Rng, n: number): TF.Tensor2D[];
  /** Mean squared PDE residual at the drawn interior points. */
  residualLoss(interior: TF.Tensor2D[]): TF.Scalar;
  /** Network outputs at scattered points, [N, outputs]. */
  forward(x: TF.Tensor2D): TF.Tensor2D;
  /** A tfjs LayersModel with the trained weights, input normalisation folded into the first layer. */
  toLayersModel(tfl: Tf): TF.LayersModel;
}

const meanSquare = (tf: Tf, ts: TF.Tensor[]): TF.Scalar => tf.addN(ts.map((t) => tf.mean(tf.square(t)))) as TF.Scalar;

/** Weights as plain arrays, with x' = (x - shift) * scale folded into the first layer. */
function foldedWeights(p: MlpParams, axes?: readonly number[]): { W: number[][][]; b: number[][] } {
  const W = p.W.map((w) => w.arraySync() as number[][]);
  const b = p.b.map((v) => v.arraySync() as number[]);
  const ax = axes ?? p.inScale.map((_, i) => i);
  W[0] = W[0].map((row, i) => row.map((v) => v * p.inScale[ax[i]]));
  b[0] = b[0].map((v, o) => v - W[0].reduce((s, row, i) => s + row[o] * p.inShift[ax[i]], 0));
  return { W, b };
}

function denseStack(
  tf: Tf,
  p: MlpParams,
  input: TF.SymbolicTensor,
  prefix: string,
  axes?: readonly number[],
): TF.SymbolicTensor {
  const { W, b } = foldedWeights(p, axes);
  let h = input;
  W.forEach((w, l) => {
    const last = l === W.length - 1;
    const layer = tf.layers.dense({
      units: w[0].length,
      activation: (last ? 'linear' : tfjsActivationName(p.act)) as 'linear',
      name: `${prefix}dense${l}`,
    });
    h = layer.apply(h) as TF.SymbolicTensor;
    layer.setWeights([tf.tensor2d(w), tf.tensor1d(b[l])]);
  });
  return h;
}

/** A plain MLP PINN: inputs -> depth hidden layers of `width` -> outputs. */
export class MlpPinn implements PinnModel {
  readonly params: MlpParams;

  constructor(
    private readonly tf: Tf,
    private readonly problem: PdeProblem,
    widths: { width: number; depth: number; act: MlpParams['act'] },
    seed: number,
  ) {
    const layers = [problem.inputs.length, ...Array(widths.depth).fill(widths.width), problem.outputs.length];
    this.params = initMlp(tf, layers, widths.act, problem.domain, seed);
  }

  get variables(): TF.Variable[] {
    return [...this.params.W, ...this.params.b];
  }

  sampleInterior(rng: Rng, n: number): TF.Tensor2D[] {
    return [this.tf.tensor2d(this.problem.sampleInterior?.(rng, n) ?? rng.box(this.problem.domain, n))];
  }

  residualLoss([x]: TF.Tensor2D[]): TF.Scalar {
    return meanSquare(this.tf, this.problem.residuals(this.tf, mlpJet(this.tf, this.params, x, this.problem.jet), x));
  }

  forward(x: TF.Tensor2D): TF.Tensor2D {
    return mlpJet(this.tf, this.params, x, { first: [], second: [] }).u;
  }

  toLayersModel(tf: Tf): TF.LayersModel {
    const input = tf.input({ shape: [this.problem.inputs.length], name: 'x' });
    return tf.model({ inputs: input, outputs: denseStack(tf, this.params, input, ''), name: this.problem.name });
  }
}

/**
 * A separable PINN for 2-D problems: u(x, y) = sum_k f_k(x) g_k(y), one MLP per axis with r outputs.
 * Interior points form a grid of n x n, whose 2n branch evaluations give n^2 residuals:
 *   U = F G^T,  U_xx = F'' G^T,  U_yy = F G''^T  (and first derivatives alike).
 */
export class SpinnPinn implements PinnModel {
  readonly branches: MlpParams[];
  constructor(
    private readonly tf: Tf,
    private readonly problem: PdeProblem,
    widths: { width: number; depth: number; act: MlpParams['act']; rank: number },
    seed: number,
  ) {
    if (problem.inputs.length !== 2 || problem.outputs.length !== 1)
      throw new Error('the SPINN trainer handles 2 inputs and 1 output');
    const layers = [1, ...Array(widths.depth).fill(widths.width), widths.rank];
    this.branches = problem.domain.map((d, i) => initMlp(tf, layers, widths.act, [d], seed + 100 * i));
  }

  get variables(): TF.Variable[] {
    return this.branches.flatMap((p) => [...p.W, ...p.b]);
  }

  sampleInterior(rng: Rng, n: number): TF.Tensor2D[] {
    return this.problem.domain.map(([lo, hi]) =>
      this.tf.tensor2d(Array.from({ length: n }, () => [rng.uniform(lo, hi)])),
    );
  }

  private branchJet(i: number, x: TF.Tensor2D): Jet {
    const spec: JetSpec = { first: [0], second: this.problem.jet.second.includes(i) ? [0] : [] };
    return mlpJet(this.tf, this.branches[i], x, spec);
  }

  residualLoss([xs, ys]: TF.Tensor2D[]): TF.Scalar {
    const tf = this.tf;
    const F = this.branchJet(0, xs);
    const G = this.branchJet(1, ys);
    const [nx, ny] = [xs.shape[0], ys.shape[0]];
    const outer = (a: TF.Tensor2D, b: TF.Tensor2D): TF.Tensor2D =>
      tf.reshape(tf.matMul(a, b, false, true), [nx * ny, 1]);
    const has2 = (i: number): boolean => this.problem.jet.second.includes(i);
    const jet: Jet = {
      u: outer(F.u, G.u),
      d1: (i) => (i === 0 ? outer(F.d1(0), G.u) : outer(F.u, G.d1(0))),
      d2: (i) => {
        if (!has2(i)) throw new Error(`no d2 for input ${i}`);
        return i === 0 ? outer(F.d2(0), G.u) : outer(F.u, G.d2(0));
      },
    };
    const points = tf.concat([tf.reshape(tf.tile(xs, [1, ny]), [nx * ny, 1]), tf.tile(ys, [nx, 1])], 1) as TF.Tensor2D;
    return meanSquare(tf, this.problem.residuals(tf, jet, points));
  }

  forward(x: TF.Tensor2D): TF.Tensor2D {
    const tf = this.tf;
    const [px, py] = [column(tf, x, 0), column(tf, x, 1)];
    const f = mlpJet(tf, this.branches[0], px, { first: [], second: [] }).u;
    const g = mlpJet(tf, this.branches[1], py, { first: [], second: [] }).u;
    return tf.sum(tf.mul(f, g), 1, true) as TF.Tensor2D;
  }

  toLayersModel(tf: Tf): TF.LayersModel {
    const inputs = this.problem.inputs.map((name) => tf.input({ shape: [1], name }));
    const feats = inputs.map((inp, i) => denseStack(tf, this.branches[i], inp, `${this.problem.inputs[i]}_`, [0]));
    const u = tf.layers.dot({ axes: -1, name: 'u' }).apply(feats) as TF.SymbolicTensor;
    return tf.model({ inputs, outputs: u, name: this.problem.name });
  }
}
