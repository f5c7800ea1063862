import type { PdeProblem } from './problem.js';
import { faces } from '../rng.js';

const PI = Math.PI;
export const BURGERS_NU = 0.01 / PI;

/**
 * The Cole-Hopf solution of viscous Burgers with u(x, 0) = -sin(pi x):
 *   u(x, t) = -I1 / I0,
 *   I_k = integral of sin^k(pi (x - eta)) exp(-cos(pi (x - eta)) / (2 pi nu)) exp(-eta^2 / (4 nu t)) d eta
 * With eta = sqrt(4 nu t) s the Gaussian weight is exp(-s^2); the integrals are taken by the trapezoid
 * rule on s in [-10, 10] (4001 nodes) in log space, since exp(1 / (2 pi nu)) = e^50 would overflow.
 */
export function burgersColeHopf(x: number, t: number, nu = BURGERS_NU): number {
  if (t <= 0) return -Math.sin(PI * x);
  const M = 4001;
  const L = 10;
  const ds = (2 * L) / (M - 1);
  const c = Math.sqrt(4 * nu * t);
  const k = 1 / (2 * PI * nu);
  let maxLog = -Infinity;
  const logs = new Float64Array(M);
  const sins = new Float64Array(M);
  for (let m = 0; m < M; m++) {
    const s = -L + m * ds;
    const y = PI * (x - c * s);
    logs[m] = -Math.cos(y) * k - s * s;
    sins[m] = Math.sin(y);
    if (logs[m] > maxLog) maxLog = logs[m];
  }
  let num = 0;
  let den = 0;
  for (let m = 0; m < M; m++) {
    const w = Math.exp(logs[m] - maxLog) * (m === 0 || m === M - 1 ? 0.5 : 1);
    num += sins[m] * w;
    den += w;
  }
  return -num / den;
}

/** u_t + u u_x = nu u_xx on [-1, 1] x [0, 1], nu = 0.01/pi, u(x, 0) = -sin(pi x), u(+-1, t) = 0. */
export const burgers1d: PdeProblem = {
  name: 'burgers1d',
  title: '1-D viscous Burgers equation',
  equation:
    'u_t + u u_x = (0.01/pi) u_xx on [-1, 1] x [0, 1], u(x, 0) = -sin(pi x), u(-1, t) = u(1, t) = 0; ' +
    'reference by the Cole-Hopf integral',
  inputs: ['x', 't'],
  outputs: ['u'],
  domain: [
    [-1, 1],
    [0, 1],
  ],
  testGrid: [201, 101],
  architecture: 'mlp',
  jet: { first: [0, 1], second: [0] },
  defaults: {
    act: 'tanh',
    width: 32,
    depth: 4,
    steps: 16000,
    lr: 3e-3,
    lrEnd: 1e-5,
    interior: 1500,
    boundary: 400,
    boundaryWeight: 10,
    resample: 200,
  },
  target: 5e-2,
  exact: ([x, t]) => [burgersColeHopf(x, t)],
  // A third of the points in the band |x| < 0.15 where the front steepens (from t = 0.2 on).
  sampleInterior: (rng, n) =>
    Array.from({ length: n }, (_, k) =>
      k % 3 === 0 ? [rng.uniform(-0.15, 0.15), rng.uniform(0.2, 1)] : [rng.uniform(-1, 1), rng.uniform(0, 1)],
    ),
  residuals: (tf, j) => [tf.sub(tf.add(j.d1(1), tf.mul(j.u, j.d1(0))), tf.mul(BURGERS_NU, j.d2(0)))],
  constraints: (rng, n) => {
    const walls = faces(rng, burgers1d.domain, [0], Math.ceil(n / 4));
    const initial = Array.from({ length: Math.ceil(n / 2) }, () => [rng.uniform(-1, 1), 0]);
    const x = [...walls, ...initial];
    return { x, target: x.map(([xx, t]) => [t === 0 ? -Math.sin(PI * xx) : 0]) };
  },
};
