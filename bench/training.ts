import { loadTf, useFastBackend } from '../src/frontend/index.js';
import { defaultOptions, problemNamed, trainPinn } from '../src/frontend/train/index.js';

/** ms per Adam step of the poisson2d PINN (3x32 tanh, 1000 collocation points), Taylor-mode residual. */
export async function trainingBench(quick: boolean): Promise<Record<string, unknown>> {
  const tf = await loadTf();
  const backend = await useFastBackend(tf);
  const p = problemNamed('poisson2d')!;
  const steps = quick ? 20 : 200;
  await trainPinn(tf, p, defaultOptions(p, { steps: 5 }));
  const r = await trainPinn(tf, p, defaultOptions(p, { steps }));
  return {
    problem: 'poisson2d',
    network: '3x32 tanh',
    collocation_points: p.defaults.interior,
    boundary_points: p.defaults.boundary,
    backend,
    steps,
    ms_per_step: r.msPerStep,
  };
}
