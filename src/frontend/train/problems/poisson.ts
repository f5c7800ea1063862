import type { PdeProblem } from './problem.js';
import { column } from '../jet.js';
import { faces } from '../rng.js';

const PI = Math.PI;

/** -u'' = pi^2 sin(pi x) on [0, 1], u(0) = u(1) = 0; u = sin(pi x). */
export const poisson1d: PdeProblem = {
  name: 'poisson1d',
  title: '1-D Poisson equation',
  equation: "-u'' = pi^2 sin(pi x) on [0, 1], u(0) = u(1) = 0; exact u = sin(pi x)",
  inputs: ['x'],
  outputs: ['u'],
  domain: [[0, 1]],
  testGrid: [1001],
  architecture: 'mlp',
  jet: { first: [0], second: [0] },
  defaults: {
    act: 'tanh',
    width: 20,
    depth: 3,
    steps: 4000,
    lr: 3e-3,
    lrEnd: 3e-5,
    interior: 256,
    boundary: 1,
    boundaryWeight: 10,
    resample: 500,
  },
  target: 1e-3,
  exact: ([x]) => [Math.sin(PI * x)],
  residuals: (tf, j, x) => {
    const f = tf.mul(PI * PI, tf.sin(tf.mul(PI, x)));
    return [tf.add(j.d2(0), f)];
  },
  constraints: () => ({ x: [[0], [1]], target: [[0], [0]] }),
};

const poisson2dBase = {
  equation:
    '-(u_xx + u_yy) = 2 pi^2 sin(pi x) sin(pi y) on [0, 1]^2, u = 0 on the boundary; exact u = sin(pi x) sin(pi y)',
  inputs: ['x', 'y'],
  outputs: ['u'],
  domain: [
    [0, 1],
    [0, 1],
  ],
  testGrid: [100, 100],
  jet: { first: [0, 1], second: [0, 1] },
  exact: ([x, y]: readonly number[]) => [Math.sin(PI * x) * Math.sin(PI * y)],
  residuals: (tf, j, x) => {
    const [px, py] = [column(tf, x, 0), column(tf, x, 1)].map((c) => tf.mul(PI, c));
    const f = tf.mul(2 * PI * PI, tf.mul(tf.sin(px), tf.sin(py)));
    return [tf.add(tf.add(j.d2(0), j.d2(1)), f)];
  },
  constraints: (rng, n) => {
    const x = faces(rng, poisson2d.domain, [0, 1], Math.ceil(n / 4));
    return { x, target: x.map(() => [0]) };
  },
} satisfies Partial<PdeProblem>;

/** -(u_xx + u_yy) = 2 pi^2 sin(pi x) sin(pi y) on the unit square, zero on its boundary. */
export const poisson2d: PdeProblem = {
  ...poisson2dBase,
  name: 'poisson2d',
  title: '2-D Poisson equation',
  architecture: 'mlp',
  defaults: {
    act: 'tanh',
    width: 32,
    depth: 3,
    steps: 9000,
    lr: 3e-3,
    lrEnd: 1e-5,
    interior: 1000,
    boundary: 400,
    boundaryWeight: 10,
    resample: 500,
  },
  target: 5e-3,
};

/** The same Poisson problem solved by a separable PINN: u(x, y) = sum_k f_k(x) g_k(y). */
export const poisson2dSpinn: PdeProblem = {
  ...poisson2dBase,
  name: 'poisson2d-spinn',
  title: '2-D Poisson equation, separable PINN',
  architecture: 'spinn',
  defaults: {
    act: 'tanh',
    width: 24,
    depth: 2,
    rank: 16,
    steps: 4000,
    lr: 3e-3,
    lrEnd: 3e-5,
    interior: 64,
    boundary: 64,
    boundaryWeight: 10,
    resample: 500,
  },
  target: 1e-2,
};
