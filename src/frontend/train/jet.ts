import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../tfjs/runtime.js';
import { type TrainableActivation, activationJet } from './activations.js';
import { Rng } from './rng.js';

/** Trainable parameters of an MLP: W[l] of shape [in, out] (tfjs layout), b[l] of shape [out]. */
export interface MlpParams {
  readonly W: readonly TF.Variable[];
  readonly b: readonly TF.Variable[];
  readonly act: TrainableActivation;
  /** Inputs are mapped to [-1, 1] first: x' = (x - shift) * scale. */
  readonly inShift: readonly number[];
  readonly inScale: readonly number[];
}

/** Which input derivatives to carry: first order in `first`, pure second order in `second` (a subset of first). */
export interface JetSpec {
  readonly first: readonly number[];
  readonly second: readonly number[];
}

/** u and its input derivatives at a batch of points, each [N, outputs]. */
export interface Jet {
  readonly u: TF.Tensor2D;
  d1(input: number): TF.Tensor2D;
  d2(input: number): TF.Tensor2D;
}

/**
 * Taylor-mode forward pass: propagates u, du/dx_i and d2u/dx_i^2 through the MLP together. The value
 * z is [N, width]; the derivatives are stacked as D = [first..., second...] of shape [blocks, N, width],
 * so one matmul per layer carries them all. Reverse mode (tf.variableGrads) then differentiates the
 * loss with respect to the parameters only.
 *   linear:     z = W h + b,   dz = W dh,   d2z = W d2h
 *   activation: a = s(z),      da = s'(z) dz,   d2a = s''(z) dz^2 + s'(z) d2z
 * `second` must be a prefix of `first`, so the first derivatives that second ones need are one slice.
 */
export function mlpJet(tf: Tf, p: MlpParams, x: TF.Tensor2D, spec: JetSpec): Jet {
  const [n, d] = x.shape;
  const F = spec.first.length;
  const S = spec.second.length;
  if (spec.second.some((i, k) => spec.first[k] !== i))
    throw new Error('internal: jet.second must be a prefix of jet.first');
  let z: TF.Tensor2D = tf.mul(tf.sub(x, tf.tensor1d(p.inShift as number[])), tf.tensor1d(p.inScale as number[]));
  let D: TF.Tensor3D | undefined;
  if (F > 0) {
    const seed = new Float32Array((F + S) * n * d);
    spec.first.forEach((i, k) => {
      for (let r = 0; r < n; r++) seed[(k * n + r) * d + i] = p.inScale[i];
    });
    D = tf.tensor3d(seed, [F + S, n, d]);
  }
  p.W.forEach((W, l) => {
    const out = W.shape[1]!;
    z = tf.add(tf.matMul(z, W), p.b[l]);
    if (D) D = tf.reshape(tf.matMul(tf.reshape(D, [(F + S) * n, D.shape[2]]), W), [F + S, n, out]);
    if (l === p.W.length - 1) return;
    const [a, s1, s2] = activationJet(tf, p.act, z);
    z = a as TF.Tensor2D;
    if (!D) return;
    const firsts = tf.mul(s1, S > 0 ? tf.slice(D, [0, 0, 0], [F, n, out]) : D);
    if (S === 0) {
      D = firsts as TF.Tensor3D;
      return;
    }
    const dz = tf.slice(D, [0, 0, 0], [S, n, out]);
    const seconds = tf.add(tf.mul(s2, tf.square(dz)), tf.mul(s1, tf.slice(D, [F, 0, 0], [S, n, out])));
    D = tf.concat([firsts, seconds], 0) as TF.Tensor3D;
  });
  const w = z.shape[1];
  const block = (k: number, what: string): TF.Tensor2D => {
    if (k < 0 || !D) throw new Error(`the jet does not carry ${what}`);
    return tf.reshape(tf.slice(D, [k, 0, 0], [1, n, w]), [n, w]);
  };
  return {
    u: z,
    d1: (i) => block(spec.first.indexOf(i), `du/dx${i}`),
    d2: (i) => block(spec.second.indexOf(i) < 0 ? -1 : F + spec.second.indexOf(i), `d2u/dx${i}^2`),
  };
}

/**
 * Column k of a [N, m] tensor, as a slice: tfjs's gradient of a multi-output op (Split, Unpack)
 * fails when only some of its outputs reach the loss.
 */
export function column(tf: Tf, t: TF.Tensor2D, k: number): TF.Tensor2D {
  return tf.slice(t, [0, k], [t.shape[0], 1]);
}

/**
 * Glorot-normal weights (std sqrt(2 / (fan_in + fan_out))) and zero biases, from a seed, for widths
 * [in, h, ..., h, out].
 */
export function initMlp(
  tf: Tf,
  widths: readonly number[],
  act: TrainableActivation,
  domain: readonly (readonly [number, number])[],
  seed: number,
): MlpParams {
  const rng = new Rng(seed);
  const W: TF.Variable[] = [];
  const b: TF.Variable[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const [fanIn, fanOut] = [widths[l], widths[l + 1]];
    const std = Math.sqrt(2 / (fanIn + fanOut));
    const values = Array.from({ length: fanIn * fanOut }, () => std * rng.normal());
    W.push(tf.variable(tf.tensor2d(values, [fanIn, fanOut]), true));
    b.push(tf.variable(tf.zeros([fanOut]), true));
  }
  return {
    W,
    b,
    act,
    inShift: domain.map(([lo, hi]) => (lo + hi) / 2),
    inScale: domain.map(([lo, hi]) => 2 / (hi - lo)),
  };
}
