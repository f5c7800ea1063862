import { burgers1d } from './burgers.js';
import { heat1d } from './heat.js';
import { navierStokes2d } from './navier-stokes.js';
import { poisson1d, poisson2d, poisson2dSpinn } from './poisson.js';
import type { PdeProblem } from './problem.js';

/** The bundled problems, by name. */
export const PROBLEMS: ReadonlyMap<string, PdeProblem> = new Map(
  [poisson1d, poisson2d, heat1d, burgers1d, navierStokes2d, poisson2dSpinn].map((p) => [p.name, p]),
);

export function problemNamed(name: string): PdeProblem | undefined {
  return PROBLEMS.get(name);
}

export * from './problem.js';
export { burgersColeHopf } from './burgers.js';
