import { existsSync } from 'node:fs';
import { loadModel } from '../src/frontend/index.js';
import { Rng, bundledProblem, exactOn, readProblemFile, testPoints } from '../src/frontend/train/index.js';
import { DEFAULT_CONTEXT, DEFAULT_PIPELINE, relativeL2, runPipeline } from '../src/passes/index.js';
import { evalAnn } from '../src/sim/ann-eval.js';
import { simulateParallel } from '../src/sim/parallel.js';
import { BENCH_MODELS } from './conversion.js';

export interface ExtendedRow {
  model: string;
  T: number;
  ann_vs_exact: number | null;
  float_snn_vs_ann: number;
  float_snn_vs_exact: number | null;
  integer_snn_vs_ann: number;
  integer_snn_vs_exact: number | null;
  spike_rate: number;
  compile_seconds: number;
}

/** The default conversion (pwl, calibrated) at T = 8 ... 256, float and quantized for Loihi 2, on every model. */
export async function extendedBench(Ts: readonly number[], maxPoints: number, log: (s: string) => void): Promise<ExtendedRow[]> {
  const rows: ExtendedRow[] = [];
  for (const m of BENCH_MODELS) {
    if (!existsSync(m.path)) continue;
    const { graph: ann } = await loadModel(m.path);
    const problem = readProblemFile(m.problemDir)!;
    const all = testPoints(problem);
    const stride = Math.max(1, Math.ceil(all.length / maxPoints));
    const points = all.filter((_, i) => i % stride === 0);
    const bundled = bundledProblem(problem);
    const exact = bundled ? exactOn(bundled, points) : null;
    const annOut = evalAnn(ann, points);
    const out = problem.errorOutputs;
    const calibration = new Rng(7).box(problem.domain, 256);
    for (const T of Ts) {
      const t0 = performance.now();
      const ctx = { ...DEFAULT_CONTEXT, calibration, T };
      const input = ann.nodes.some((n) => n.kind === 'ann.input' && !n.domain)
        ? { ...ann, nodes: ann.nodes.map((n) => (n.kind === 'ann.input' ? { ...n, domain: problem.domain } : n)) }
        : ann;
      const float = runPipeline(input, DEFAULT_PIPELINE, ctx).graph;
      const integer = runPipeline(float, ['quantize'], ctx).graph;
      const compileSeconds = (performance.now() - t0) / 1000;
      const f = await simulateParallel(float, points);
      const q = await simulateParallel(integer, points);
      const neurons = f.layers.reduce((s, l) => s + l.neurons, 0);
      const row: ExtendedRow = {
        model: m.name,
        T,
        ann_vs_exact: exact ? relativeL2(annOut, exact, out) : null,
        float_snn_vs_ann: relativeL2(f.outputs, annOut, out),
        float_snn_vs_exact: exact ? relativeL2(f.outputs, exact, out) : null,
        integer_snn_vs_ann: relativeL2(q.outputs, annOut, out),
        integer_snn_vs_exact: exact ? relativeL2(q.outputs, exact, out) : null,
        spike_rate: q.layers.reduce((s, l) => s + l.spikes, 0) / Math.max(neurons * q.T * points.length, 1),
        compile_seconds: compileSeconds,
      };
      rows.push(row);
      log(`  ${m.name} T=${T}: float ${row.float_snn_vs_ann.toExponential(2)}, integer ${row.integer_snn_vs_ann.toExponential(2)}`);
    }
  }
  return rows;
}

const e = (x: number | null): string => (x === null ? 'n/a' : x.toExponential(2));

export function extendedMarkdown(rows: readonly ExtendedRow[]): string {
  const lines = ['| model | T | ANN vs exact | SNN vs ANN (float → Loihi 2 integer) | SNN vs exact (float → integer) | spike rate (integer) |', '|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.model} | ${r.T} | ${e(r.ann_vs_exact)} | ${e(r.float_snn_vs_ann)} → ${e(r.integer_snn_vs_ann)} | ${e(r.float_snn_vs_exact)} → ${e(r.integer_snn_vs_exact)} | ${r.spike_rate.toFixed(3)} |`);
  return `${lines.join('\n')}\n`;
}
