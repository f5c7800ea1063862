import type { PdeProblem } from './problem.js';
import { column } from '../jet.js';
import { faces } from '../rng.js';

const NU = 0.1;
const TWO_PI = 2 * Math.PI;

/** The Taylor-Green vortex: an exact unsteady solution of the incompressible Navier-Stokes equations. */
function taylorGreen([x, y, t]: readonly number[]): number[] {
  const F = Math.exp(-2 * NU * t);
  return [
    -Math.cos(x) * Math.sin(y) * F,
    Math.sin(x) * Math.cos(y) * F,
    -0.25 * (Math.cos(2 * x) + Math.cos(2 * y)) * F * F,
  ];
}

/**
 * u_t + u u_x + v u_y + p_x = nu (u_xx + u_yy), v_t + u v_x + v v_y + p_y = nu (v_xx + v_yy),
 * u_x + v_y = 0 on [0, 2 pi]^2 x [0, 1], nu = 0.1, with the Taylor-Green vortex as initial and boundary data.
 */
export const navierStokes2d: PdeProblem = {
  name: 'navier-stokes2d',
  title: '2-D unsteady incompressible Navier-Stokes (Taylor-Green vortex)',
  equation:
    'u_t + u u_x + v u_y + p_x = 0.1 (u_xx + u_yy), v_t + u v_x + v v_y + p_y = 0.1 (v_xx + v_yy), ' +
    'u_x + v_y = 0 on [0, 2pi]^2 x [0, 1]; exact: Taylor-Green vortex u = -cos x sin y e^{-0.2t}, ' +
    'v = sin x cos y e^{-0.2t}, p = -(cos 2x + cos 2y) e^{-0.4t} / 4',
  inputs: ['x', 'y', 't'],
  outputs: ['u', 'v', 'p'],
  domain: [
    [0, TWO_PI],
    [0, TWO_PI],
    [0, 1],
  ],
  testGrid: [33, 33, 11],
  errorOutputs: [0, 1],
  architecture: 'mlp',
  jet: { first: [0, 1, 2], second: [0, 1] },
  defaults: {
    act: 'tanh',
    width: 32,
    depth: 4,
    steps: 6000,
    lr: 3e-3,
    lrEnd: 3e-5,
    interior: 1000,
    boundary: 600,
    boundaryWeight: 10,
    resample: 500,
  },
  target: 5e-2,
  exact: taylorGreen,
  residuals: (tf, j) => {
    const col = (t: ReturnType<typeof j.d1>, k: number) => column(tf, t, k);
    const [u, v] = [col(j.u, 0), col(j.u, 1)];
    const [ux, vx, px] = [0, 1, 2].map((k) => col(j.d1(0), k));
    const [uy, vy, py] = [0, 1, 2].map((k) => col(j.d1(1), k));
    const [ut, vt] = [col(j.d1(2), 0), col(j.d1(2), 1)];
    const [uxx, vxx] = [col(j.d2(0), 0), col(j.d2(0), 1)];
    const [uyy, vyy] = [col(j.d2(1), 0), col(j.d2(1), 1)];
    const momentum = (at: typeof u, ax: typeof u, ay: typeof u, pa: typeof u, axx: typeof u, ayy: typeof u) =>
      tf.sub(tf.add(tf.add(at, tf.add(tf.mul(u, ax), tf.mul(v, ay))), pa), tf.mul(NU, tf.add(axx, ayy)));
    return [momentum(ut, ux, uy, px, uxx, uyy), momentum(vt, vx, vy, py, vxx, vyy), tf.add(ux, vy)];
  },
  constraints: (rng, n) => {
    const walls = faces(rng, navierStokes2d.domain, [0, 1], Math.ceil(n / 8));
    const initial = Array.from({ length: Math.ceil(n / 2) }, () => [rng.uniform(0, TWO_PI), rng.uniform(0, TWO_PI), 0]);
    const x = [...walls, ...initial];
    return { x, target: x.map(taylorGreen) };
  },
};
