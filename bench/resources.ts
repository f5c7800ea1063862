import { loadModel } from '../src/frontend/index.js';
import { Rng, readProblemFile } from '../src/frontend/train/index.js';
import { DEFAULT_CONTEXT, DEFAULT_PIPELINE, coreUsage, formatReport, runPipeline } from '../src/passes/index.js';

/** The `spikec compile --target loihi2 --report` table of every bundled model (pwl, K = 4, T = 64). */
export async function resourcesBench(models: readonly string[]): Promise<string> {
  const parts: string[] = [];
  for (const name of models) {
    const dir = `examples/${name}`;
    const { graph } = await loadModel(dir);
    const ctx = { ...DEFAULT_CONTEXT, calibration: new Rng(7).box(readProblemFile(dir)!.domain, 64), T: 64 };
    const snn = runPipeline(graph, [...DEFAULT_PIPELINE, 'quantize', 'map-cores'], ctx).graph;
    parts.push(`### ${name}\n\n\`\`\`\n${formatReport(coreUsage(snn, ctx), ctx.profile)}\`\`\`\n`);
  }
  return parts.join('\n');
}
