import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../../tfjs/runtime.js';
import type { TrainableActivation } from '../activations.js';
import type { Jet, JetSpec } from '../jet.js';
import type { Rng } from '../rng.js';

export type Box = readonly (readonly [number, number])[];

/** Points where the solution is prescribed (boundary and initial conditions). */
export interface Constraints {
  readonly x: number[][];
  /** Prescribed outputs at each point; NaN where an output is free there. */
  readonly target: number[][];
}

export interface TrainingDefaults {
  readonly act: TrainableActivation;
  readonly width: number;
  readonly depth: number;
  readonly steps: number;
  readonly lr: number;
  readonly lrEnd: number;
  /** Interior collocation points per step (redrawn every `resample` steps). */
  readonly interior: number;
  readonly boundary: number;
  readonly boundaryWeight: number;
  readonly resample: number;
  /** SPINN only: features per branch (the rank r). */
  readonly rank?: number;
}

/** A bundled PDE: its residual, domain, conditions and exact (or reference) solution. */
export interface PdeProblem {
  readonly name: string;
  readonly title: string;
  /** The equation in words, for problem.json and the docs. */
  readonly equation: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly domain: Box;
  /** Points per axis of the test grid on which errors are measured. */
  readonly testGrid: readonly number[];
  /** Outputs that count in the relative L2 error (all when absent). */
  readonly errorOutputs?: readonly number[];
  readonly architecture: 'mlp' | 'spinn';
  readonly jet: JetSpec;
  readonly defaults: TrainingDefaults;
  /** Target relative L2 error of the bundled model (issue 4). */
  readonly target: number;
  /** The exact or reference solution at one point. */
  exact(p: readonly number[]): number[];
  /** The exact solution on many points (problems whose reference is costly batch it). */
  exactMany?(ps: readonly (readonly number[])[]): number[][];
  /** PDE residuals at interior points, each [N, k]; the loss is their mean square. */
  residuals(tf: Tf, j: Jet, x: TF.Tensor2D): TF.Tensor[];
  /** Interior collocation points; uniform in the domain when absent. */
  sampleInterior?(rng: Rng, n: number): number[][];
  /** Boundary and initial conditions. */
  constraints(rng: Rng, n: number): Constraints;
}

export function exactOn(p: PdeProblem, points: readonly (readonly number[])[]): number[][] {
  return p.exactMany ? p.exactMany(points) : points.map((x) => p.exact(x));
}
