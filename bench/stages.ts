import { mdRow, sci } from './markdown.js';
import { DEFAULT_CONTEXT, DEFAULT_PIPELINE, type PassContext, rampsOf } from '../src/passes/index.js';
import { type BenchModel, type ConversionRow, convertAndMeasure, measureSetup } from './conversion.js';

/** One stage of the default pipeline and what it adds. */
interface Stage {
  readonly name: string;
  readonly pipeline: readonly string[];
}

const BASE = ['fold-weights', 'threshold-balance', 'lower-to-snn', 'calibrate'];
export const STAGES: readonly Stage[] = [
  { name: 'calibrate', pipeline: [...BASE, 'fold-weights'] },
  { name: '+ stagger', pipeline: [...BASE, 'stagger', 'fold-weights'] },
  { name: '+ stagger + finetune (default)', pipeline: DEFAULT_PIPELINE },
];

export type StageRow = ConversionRow & { stage: string; K: number; stagger: number; finetune_steps: number };

/**
 * What each step of the default pipeline adds, per model: pwl, T = 64, layer-wise calibration
 * alone, then with the readout's layer staggered, then fine-tuned end to end; float and Loihi 2 integer.
 */
export async function stagesBench(opts: {
  models: readonly BenchModel[];
  maxPoints: number;
  calibSamples: number;
  log: (s: string) => void;
  over?: Partial<PassContext>;
  stages?: readonly Stage[];
}): Promise<StageRow[]> {
  const rows: StageRow[] = [];
  for (const m of opts.models) {
    const setup = await measureSetup(m, opts.maxPoints, opts.calibSamples);
    for (const st of opts.stages ?? STAGES) {
      const ctx: PassContext = { ...DEFAULT_CONTEXT, calibration: setup.calibration, ...opts.over };
      const r = await convertAndMeasure(m.name, setup, st.pipeline, ctx, true);
      const row: StageRow = {
        ...r,
        stage: st.name,
        K: rampsOf(ctx, 'rate'),
        stagger: st.pipeline.includes('stagger') ? ctx.stagger : 1,
        finetune_steps: st.pipeline.includes('finetune') ? ctx.finetuneSteps : 0,
      };
      rows.push(row);
      opts.log(
        `  ${m.name} ${st.name}: SNN vs exact ${sci(row.snn_vs_exact)} (integer ${sci(row.integer_snn_vs_exact)}), ` +
          `vs ANN ${sci(row.snn_vs_ann)}, ${row.compile_seconds.toFixed(1)} s`,
      );
    }
  }
  return rows;
}

export function stagesMarkdown(rows: readonly StageRow[]): string {
  const lines = [
    mdRow([
      'model',
      'stage',
      'K',
      'ANN vs exact',
      'SNN vs ANN (float / integer)',
      'SNN vs exact (float / Loihi 2 integer)',
      'neurons',
      'spike rate',
      'synops / inference',
      'compile s',
    ]),
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const int = (x: number | null): string => (r.integer_error ? 'refused' : sci(x));
    lines.push(
      mdRow([
        r.model,
        r.stage,
        r.K,
        sci(r.ann_vs_exact),
        `${sci(r.snn_vs_ann)} / ${int(r.integer_snn_vs_ann)}`,
        `${sci(r.snn_vs_exact)} / ${int(r.integer_snn_vs_exact)}`,
        r.neurons,
        r.spike_rate.toFixed(3),
        r.synops_per_inference.toFixed(0),
        r.compile_seconds.toFixed(1),
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}
