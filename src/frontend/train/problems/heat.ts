import type { PdeProblem } from './problem.js';
import { faces } from '../rng.js';

const PI = Math.PI;
const ALPHA = 0.1;

/** u_t = alpha u_xx on [0, 1] x [0, 1], u(x, 0) = sin(pi x), u = 0 at x = 0, 1; u = exp(-alpha pi^2 t) sin(pi x). */
export const heat1d: PdeProblem = {
  name: 'heat1d',
  title: '1-D heat equation',
  equation:
    `u_t = ${ALPHA} u_xx on [0, 1] x [0, 1], u(x, 0) = sin(pi x), u(0, t) = u(1, t) = 0; ` +
    `exact u = exp(-${ALPHA} pi^2 t) sin(pi x)`,
  inputs: ['x', 't'],
  outputs: ['u'],
  domain: [
    [0, 1],
    [0, 1],
  ],
  testGrid: [101, 101],
  architecture: 'mlp',
  jet: { first: [0, 1], second: [0] },
  defaults: {
    act: 'tanh',
    width: 32,
    depth: 3,
    steps: 6000,
    lr: 3e-3,
    lrEnd: 3e-5,
    interior: 1000,
    boundary: 300,
    boundaryWeight: 10,
    resample: 500,
  },
  target: 5e-3,
  exact: ([x, t]) => [Math.exp(-ALPHA * PI * PI * t) * Math.sin(PI * x)],
  residuals: (tf, j) => [tf.sub(j.d1(1), tf.mul(ALPHA, j.d2(0)))],
  constraints: (rng, n) => {
    const walls = faces(rng, heat1d.domain, [0], Math.ceil(n / 4));
    const initial = Array.from({ length: Math.ceil(n / 2) }, () => [rng.uniform(0, 1), 0]);
    const x = [...walls, ...initial];
    return { x, target: x.map(([xx, t]) => [t === 0 ? Math.sin(PI * xx) : 0]) };
  },
};
