import { loadModel } from '../src/frontend/index.js';
import { Rng, grid, readProblemFile } from '../src/frontend/train/index.js';
import { DEFAULT_CONTEXT, DEFAULT_PIPELINE, relativeL2, runPipeline } from '../src/passes/index.js';
import { evalAnn } from '../src/sim/ann-eval.js';
import { simulateRows } from '../src/sim/parallel.js';

/** SNN-vs-ANN error of the float network and of its Loihi 2 integer version, same grid, same calibration. */
export async function quantizationBench(): Promise<Record<string, unknown>> {
  const dir = 'examples/poisson2d';
  const { graph } = await loadModel(dir);
  const problem = readProblemFile(dir)!;
  const points = grid(problem.domain, problem.testGrid);
  const ann = evalAnn(graph, points);
  const out: Record<string, unknown> = { model: dir, test_points: points.length, profile: 'loihi2' };
  for (const T of [16, 64, 128]) {
    const ctx = { ...DEFAULT_CONTEXT, calibration: new Rng(7).box(problem.domain, 256), T };
    const float = runPipeline(graph, DEFAULT_PIPELINE, ctx).graph;
    const fixed = runPipeline(float, ['quantize'], ctx).graph;
    const e = async (g: typeof float): Promise<number> => relativeL2(simulateRows(g, points).outputs, ann);
    out[`T${T}`] = { float_snn_vs_ann: await e(float), integer_snn_vs_ann: await e(fixed) };
  }
  return out;
}
