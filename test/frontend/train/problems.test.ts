import { describe, expect, test } from 'vitest';
import { PROBLEMS, burgersColeHopf, grid } from '../../../src/frontend/train/index.js';

describe('bundled problems', () => {
  test('every exact solution satisfies its boundary conditions', () => {
    for (const p of PROBLEMS.values()) {
      if (p.name === 'navier-stokes2d') continue; // data from the exact solution itself
      const { x, target } = p.constraints({ uniform: (lo: number, hi: number) => (lo + hi) / 2.7 } as never, 8);
      x.forEach((pt, i) => expect(Math.abs(p.exact(pt)[0] - target[i][0])).toBeLessThan(1e-12));
    }
  });

  test('the Cole-Hopf Burgers solution: initial condition, odd symmetry, zero at the walls, and the PDE itself', () => {
    for (const x of [-0.7, -0.2, 0.3, 0.9]) expect(burgersColeHopf(x, 0)).toBeCloseTo(-Math.sin(Math.PI * x), 12);
    for (const [x, t] of [
      [0.3, 0.4],
      [0.8, 0.9],
    ]) {
      expect(burgersColeHopf(-x, t)).toBeCloseTo(-burgersColeHopf(x, t), 9);
    }
    expect(Math.abs(burgersColeHopf(1, 0.5))).toBeLessThan(1e-9);
    expect(Math.abs(burgersColeHopf(0, 0.7))).toBeLessThan(1e-9);
    // u_t + u u_x - nu u_xx by finite differences, at smooth points away from the front at x = 0
    const nu = 0.01 / Math.PI;
    for (const [x, t] of [
      [0.5, 0.3],
      [-0.6, 0.8],
    ]) {
      const h = 1e-3;
      const u = burgersColeHopf(x, t);
      const ut = (burgersColeHopf(x, t + h) - burgersColeHopf(x, t - h)) / (2 * h);
      const ux = (burgersColeHopf(x + h, t) - burgersColeHopf(x - h, t)) / (2 * h);
      const uxx = (burgersColeHopf(x + h, t) - 2 * u + burgersColeHopf(x - h, t)) / (h * h);
      expect(Math.abs(ut + u * ux - nu * uxx)).toBeLessThan(1e-4);
    }
    // the benchmark of Basdevant et al. (1986): the slope at x = 0 peaks at -152.00516 at t = 1.6037/pi
    const t = 1.6037 / Math.PI;
    const slope = (burgersColeHopf(1e-6, t) - burgersColeHopf(-1e-6, t)) / 2e-6;
    expect(slope).toBeCloseTo(-152.00516, 2);
  });

  test('the Taylor-Green vortex solves Navier-Stokes (finite differences)', () => {
    const p = PROBLEMS.get('navier-stokes2d')!;
    const h = 1e-4;
    const at = (x: number, y: number, t: number) => p.exact([x, y, t]);
    const [x, y, t] = [1.1, 2.3, 0.4];
    const d = (k: number, f: (s: number) => number[]) => f(h).map((v, i) => (v - f(-h)[i]) / (2 * h))[k];
    const dd = (k: number, f: (s: number) => number[]) => (f(h)[k] - 2 * f(0)[k] + f(-h)[k]) / (h * h);
    const fx = (s: number) => at(x + s, y, t);
    const fy = (s: number) => at(x, y + s, t);
    const ft = (s: number) => at(x, y, t + s);
    const [u, v] = at(x, y, t);
    const ru = d(0, ft) + u * d(0, fx) + v * d(0, fy) + d(2, fx) - 0.1 * (dd(0, fx) + dd(0, fy));
    const rv = d(1, ft) + u * d(1, fx) + v * d(1, fy) + d(2, fy) - 0.1 * (dd(1, fx) + dd(1, fy));
    const div = d(0, fx) + d(1, fy);
    for (const r of [ru, rv, div]) expect(Math.abs(r)).toBeLessThan(1e-6);
  });

  test('test grids have the stated size', () => {
    expect(grid(PROBLEMS.get('poisson2d')!.domain, PROBLEMS.get('poisson2d')!.testGrid)).toHaveLength(10_000);
    expect(grid([[0, 1]], [3])).toEqual([[0], [0.5], [1]]);
  });
});
