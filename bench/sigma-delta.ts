import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CALIB_SAMPLES, calibrationInputs } from '../src/verification/calibration-data.js';
import { NETX_LIMITS } from '../src/backends/index.js';
import type { Graph } from '../src/ir/index.js';
import { DEFAULT_CONTEXT, SIGMA_DELTA_PIPELINE, type PassContext, runPipeline } from '../src/passes/index.js';
import { type VerifyRow, measure, measureStream, verifySetup } from '../src/verification/measure.js';
import { render } from '../src/verification/plots.js';
import { RESULTS } from './common.js';
import { mdRow } from './markdown.js';

/** Models with the axis their streams run along (a time axis where there is one, else a raster scan). */
const MODELS: readonly [string, string][] = [
  ['poisson1d', 'x'],
  ['poisson1d-sin', 'x'],
  ['poisson2d', 'y'],
  ['heat1d', 't'],
  ['burgers1d', 't'],
  ['navier-stokes2d', 't'],
  ['poisson2d-spinn', 'y'],
];
const KS = [4, 8];
const THRESHOLDS = [2 ** -10, 2 ** -7, 2 ** -5];

export interface SigmaDeltaRow {
  model: string;
  K: number;
  threshold: number;
  /** float, Loihi 2 integer, or integer within netx's limits. */
  arithmetic: 'float' | 'loihi2' | 'netx';
  query: 'static' | 'stream';
  ann_vs_exact: number | null;
  snn_vs_exact: number | null;
  synops_per_query: number;
  ann_macs: number;
  settle_steps: number | null;
  energy_45nm_ratio: number;
  energy_loihi_ratio: number;
  error?: string;
}

/** Rate coding's default pipeline at T = 64 (bench/results/stages.json), for the same table. */
interface RateRow {
  model: string;
  snn_vs_exact: number;
  integer_snn_vs_exact: number;
  synops_per_inference: number;
}

function rateDefaults(): Map<string, RateRow> {
  const stages = JSON.parse(readFileSync(join(RESULTS, 'stages.json'), 'utf8')) as {
    rows: (RateRow & { stage: string })[];
  };
  return new Map(stages.rows.filter((r) => r.stage.includes('(default)')).map((r) => [r.model, r]));
}

const row = (
  model: string,
  K: number,
  threshold: number,
  arithmetic: SigmaDeltaRow['arithmetic'],
  query: SigmaDeltaRow['query'],
  r: VerifyRow,
): SigmaDeltaRow => ({
  model,
  K,
  threshold,
  arithmetic,
  query,
  ann_vs_exact: r.ann_vs_exact,
  snn_vs_exact: r.snn_vs_exact,
  synops_per_query: r.synops_per_inference,
  ann_macs: r.ann_macs_per_inference,
  settle_steps: r.settle_steps?.max ?? null,
  energy_45nm_ratio: r.energy.arithmetic_45nm.ratio,
  energy_loihi_ratio: r.energy.loihi.ratio,
});

const failed = (
  model: string,
  K: number,
  threshold: number,
  arithmetic: SigmaDeltaRow['arithmetic'],
  query: SigmaDeltaRow['query'],
  error: string,
): SigmaDeltaRow => ({
  model,
  K,
  threshold,
  arithmetic,
  query,
  ann_vs_exact: null,
  snn_vs_exact: null,
  synops_per_query: 0,
  ann_macs: 0,
  settle_steps: null,
  energy_45nm_ratio: 0,
  energy_loihi_ratio: 0,
  error,
});

/** Every bundled model, both query kinds, float and integer, over K and the threshold. */
export async function sigmaDeltaBench(log: (s: string) => void): Promise<{ rows: SigmaDeltaRow[] }> {
  const rows: SigmaDeltaRow[] = [];
  for (const [model, axis] of MODELS) {
    const setup = await verifySetup(join('examples', model));
    const calibration = calibrationInputs(setup.model, { calibSamples: DEFAULT_CALIB_SAMPLES });
    const axisIndex = setup.problem.inputs.indexOf(axis);
    for (const K of KS) {
      for (const threshold of THRESHOLDS) {
        const ctx: PassContext = { ...DEFAULT_CONTEXT, calibration, K, sdThreshold: threshold };
        const float = runPipeline(setup.ann, SIGMA_DELTA_PIPELINE, ctx).graph;
        const variants: [SigmaDeltaRow['arithmetic'], PassContext][] = [
          ['float', ctx],
          ['loihi2', ctx],
          ['netx', { ...ctx, limits: NETX_LIMITS }],
        ];
        for (const [arithmetic, vctx] of variants) {
          let g: Graph | undefined = arithmetic === 'float' ? float : undefined;
          for (const query of ['static', 'stream'] as const) {
            try {
              if (query === 'static' && !g) g = runPipeline(float, ['quantize'], vctx).graph;
              if (!g) throw new Error('quantize refused the network');
              const r = query === 'static' ? await measure(setup, g) : await measureStream(setup, g, axisIndex);
              rows.push(row(model, K, threshold, arithmetic, query, r));
            } catch (err) {
              rows.push(failed(model, K, threshold, arithmetic, query, (err as Error).message.split('\n')[0]));
            }
            const last = rows[rows.length - 1];
            log(`  ${model} K=${K} θ=2^${Math.log2(threshold)} ${arithmetic} ${query}: ${last.error ?? 'ok'}`);
          }
        }
      }
    }
  }
  return { rows };
}

const e = (x: number | null): string => (x === null ? 'n/a' : x.toExponential(2));

/** Per model: rate coding's default, then the sigma-delta settings, static and streamed. */
export function sigmaDeltaMarkdown(rows: readonly SigmaDeltaRow[], made: string, date: string): string {
  const rate = rateDefaults();
  const lines = [
    `<!-- made by: ${made} -->`,
    `# Sigma-delta coding against rate coding: accuracy and operations per query (${date})`,
    '',
    'SNN vs exact is the relative L2 error on the test grid; ops/MAC is synaptic operations per query over',
    "the ANN's multiply-accumulates. Static: each query held until it settles (the steps it took in",
    'brackets). Stream: the test grid as trajectories along the named input, a query per step, only',
    "changes sent. Rate coding: the default pipeline at T = 64, from stages.json. Integer: Loihi 2's",
    "fixed point (8-bit weights); netx: within netx's limits (weights in [-256, 254], 16-bit messages).",
    '',
  ];
  for (const [model, axis] of MODELS) {
    const mine = rows.filter((r) => r.model === model);
    if (!mine.length) continue;
    const r0 = rate.get(model);
    lines.push(`## ${model} (ANN vs exact ${e(mine[0].ann_vs_exact)}, ${mine[0].ann_macs} MACs; stream along ${axis})`);
    lines.push('');
    lines.push(
      mdRow([
        'coding',
        'K',
        'threshold',
        'static: float / integer / netx',
        'static ops/MAC',
        'stream: float / integer / netx',
        'stream ops/MAC',
      ]),
    );
    lines.push(mdRow(Array(7).fill('---')));
    if (r0)
      lines.push(
        mdRow([
          'rate (T = 64)',
          4,
          '',
          `${e(r0.snn_vs_exact)} / ${e(r0.integer_snn_vs_exact)} / n/a`,
          (r0.synops_per_inference / mine[0].ann_macs).toFixed(0),
          'n/a',
          '',
        ]),
      );
    for (const K of KS)
      for (const threshold of THRESHOLDS) {
        const pick = (a: SigmaDeltaRow['arithmetic'], q: SigmaDeltaRow['query']): SigmaDeltaRow | undefined =>
          mine.find((r) => r.K === K && r.threshold === threshold && r.arithmetic === a && r.query === q);
        const errs = (q: SigmaDeltaRow['query']): string =>
          (['float', 'loihi2', 'netx'] as const)
            .map((a) => pick(a, q))
            .map((r) =>
              r?.error ? (/exceeds 24 bits/.test(r.error) ? 'overflow' : 'refused') : e(r?.snn_vs_exact ?? null),
            )
            .join(' / ');
        const ops = (q: SigmaDeltaRow['query']): string => {
          const [f, i] = [pick('float', q), pick('loihi2', q)];
          const ratio = (r?: SigmaDeltaRow): string =>
            r && r.ann_macs ? (r.synops_per_query / r.ann_macs).toFixed(2) : '';
          return `${ratio(f)} / ${ratio(i)}${q === 'static' && f?.settle_steps ? ` (${f.settle_steps} steps)` : ''}`;
        };
        lines.push(
          mdRow([
            'sigma-delta',
            K,
            `2^${Math.log2(threshold)}`,
            errs('static'),
            ops('static'),
            errs('stream'),
            ops('stream'),
          ]),
        );
      }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/** Accuracy against operations per query, both codings, every model (log-log). */
export async function sigmaDeltaPlot(rows: readonly SigmaDeltaRow[]): Promise<string[]> {
  const rate = rateDefaults();
  const values = [
    ...rows
      .filter((r) => !r.error && r.snn_vs_exact !== null && r.arithmetic !== 'netx')
      .map((r) => ({
        model: r.model,
        ops: r.synops_per_query / r.ann_macs,
        error: r.snn_vs_exact,
        kind: `sigma-delta ${r.query} ${r.arithmetic === 'float' ? 'float' : 'integer'}`,
      })),
    ...[...rate.values()]
      .filter((r) => MODELS.some(([m]) => m === r.model))
      .flatMap((r) => {
        const macs = rows.find((x) => x.model === r.model)?.ann_macs ?? 1;
        return [
          { model: r.model, ops: r.synops_per_inference / macs, error: r.snn_vs_exact, kind: 'rate T=64 float' },
          {
            model: r.model,
            ops: r.synops_per_inference / macs,
            error: r.integer_snn_vs_exact,
            kind: 'rate T=64 integer',
          },
        ];
      }),
  ];
  return render(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: 'SNN vs exact against synaptic operations per query / ANN MACs (all bundled models)',
      width: 520,
      height: 340,
      data: { values },
      mark: { type: 'point', filled: true },
      encoding: {
        x: { field: 'ops', type: 'quantitative', scale: { type: 'log' }, title: 'synaptic ops per query / ANN MACs' },
        y: { field: 'error', type: 'quantitative', scale: { type: 'log' }, title: 'SNN vs exact (relative L2)' },
        color: { field: 'kind', type: 'nominal' },
        shape: { field: 'model', type: 'nominal' },
      },
    },
    RESULTS,
    'sigma-delta-frontier',
  );
}
