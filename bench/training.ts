import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadTf, useFastBackend } from '../src/frontend/index.js';
import { defaultOptions, problemNamed, trainPinn } from '../src/frontend/train/index.js';
import { PYTHON } from './oracles.js';

/**
 * The same problem and network in PyTorch, one thread (bench/pytorch-step.py on Debian's python3 with
 * python3-torch): its ms per step, or why it could not run.
 */
function pytorchStep(steps: number): Record<string, unknown> {
  const script = join(import.meta.dirname, '..', '..', 'bench', 'pytorch-step.py');
  const r = spawnSync(PYTHON, [script, String(steps)], { encoding: 'utf8' });
  if (r.status !== 0) return { skipped: `${PYTHON} ${script} failed: ${(r.stderr ?? String(r.error)).slice(-300)}` };
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

/**
 * ms per Adam step of the poisson2d PINN (3x32 tanh, 1000 collocation points), Taylor-mode residual,
 * beside PyTorch's on the same problem and network (autograd residual), one thread each.
 */
export async function trainingBench(quick: boolean): Promise<Record<string, unknown>> {
  const tf = await loadTf();
  const backend = await useFastBackend(tf);
  const p = problemNamed('poisson2d')!;
  const steps = quick ? 20 : 200;
  await trainPinn(tf, p, defaultOptions(p, { steps: 5 }));
  const r = await trainPinn(tf, p, defaultOptions(p, { steps }));
  const pytorch = quick ? undefined : pytorchStep(steps);
  const theirs = pytorch?.ms_per_step;
  return {
    problem: 'poisson2d',
    network: '3x32 tanh',
    collocation_points: p.defaults.interior,
    boundary_points: p.defaults.boundary,
    backend,
    // tfjs's wasm backend runs one thread unless its threaded build is in use
    wasm_threads: backend === 'wasm' && tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'several' : 1,
    steps,
    ms_per_step: r.msPerStep,
    ...(pytorch ? { pytorch } : {}),
    ...(typeof theirs === 'number' ? { ratio_to_pytorch: Number((r.msPerStep / theirs).toFixed(2)) } : {}),
  };
}
