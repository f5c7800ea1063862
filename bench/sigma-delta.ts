import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CALIB_SAMPLES, calibrationInputs } from '../src/verification/calibration-data.js';
import { NETX_LIMITS } from '../src/backends/index.js';
import { type Graph, SD_FIXED_PROCESS_MODEL } from '../src/ir/index.js';
import { Rng } from '../src/frontend/train/index.js';
import {
  DEFAULT_CONTEXT,
  SIGMA_DELTA_PIPELINE,
  TARGET_PIPELINE,
  type PassContext,
  runPipeline,
  rampsOf,
} from '../src/passes/index.js';
import { simulate } from '../src/sim/simulate.js';
import { compare } from './fidelity.js';
import { oraclesMissing, runNetx } from './oracles.js';
import { type VerifyRow, measure, measureStream, verifySetup } from '../src/verification/measure.js';
import { render } from '../src/verification/plots.js';
import { RESULTS } from './common.js';
import { mdRow, sci } from './markdown.js';

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
/**
 * The finetuned networks: spikec compile --coding sigma-delta --K 6 --finetune-steps 2000 (the float
 * ramps fitted to the ANN, then quantize's mantissas fitted in their own integers).
 */
const FINETUNED = { K: 6, threshold: 2 ** -10, steps: 2000 };
/** Inputs each finetuned netx file runs in Lava on, against spikec sim. */
const LAVA_INPUTS = 16;

export interface SigmaDeltaRow {
  model: string;
  /** finetune's steps (float, then again on the integers); 0: as lower-to-sigma-delta left it. */
  finetune: number;
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

/** A finetuned network's netx file, run in Lava (netx.hdf5.Network, fixed_pt, corrected model) against spikec sim. */
export interface LavaCheck {
  model: string;
  inputs: number;
  messages: number;
  messages_differing: number;
  outputs_differing: number;
  verdict: string;
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

/** What one measurement was of: the model, its compile setting, the arithmetic and the query kind. */
type Setting = Pick<SigmaDeltaRow, 'model' | 'finetune' | 'K' | 'threshold' | 'arithmetic' | 'query'>;

const row = (setting: Setting, r: VerifyRow): SigmaDeltaRow => ({
  ...setting,
  ann_vs_exact: r.ann_vs_exact,
  snn_vs_exact: r.snn_vs_exact,
  synops_per_query: r.synops_per_inference,
  ann_macs: r.ann_macs_per_inference,
  settle_steps: r.settle_steps?.max ?? null,
  energy_45nm_ratio: r.energy.arithmetic_45nm.ratio,
  energy_loihi_ratio: r.energy.loihi.ratio,
});

const failed = (setting: Setting, error: string): SigmaDeltaRow => ({
  ...setting,
  ann_vs_exact: null,
  snn_vs_exact: null,
  synops_per_query: 0,
  ann_macs: 0,
  settle_steps: null,
  energy_45nm_ratio: 0,
  energy_loihi_ratio: 0,
  error,
});

/**
 * One setting of one model: the float network, then quantized for Loihi 2 and within netx (and, when
 * finetuned, fitted again on the integers), each measured static and streamed. Returns the netx network.
 */
async function measureSetting(
  setup: Awaited<ReturnType<typeof verifySetup>>,
  model: string,
  axisIndex: number,
  ctx: PassContext,
  rows: SigmaDeltaRow[],
  log: (s: string) => void,
): Promise<Graph | undefined> {
  const { sdThreshold: threshold, finetuneSteps: steps } = ctx;
  const K = rampsOf(ctx, 'sigma-delta');
  const float = runPipeline(setup.ann, SIGMA_DELTA_PIPELINE, ctx).graph;
  // what compiling for a target adds, less map-cores (placement changes no arithmetic)
  const target = TARGET_PIPELINE['sigma-delta'].filter((p) => p !== 'map-cores');
  const variants: [SigmaDeltaRow['arithmetic'], PassContext][] = [
    ['float', ctx],
    ['loihi2', ctx],
    ['netx', { ...ctx, limits: NETX_LIMITS }],
  ];
  let netx: Graph | undefined;
  for (const [arithmetic, vctx] of variants) {
    let g: Graph | undefined = arithmetic === 'float' ? float : undefined;
    for (const query of ['static', 'stream'] as const) {
      const setting: Setting = { model, finetune: steps, K, threshold, arithmetic, query };
      try {
        if (query === 'static' && !g) g = runPipeline(float, target, { ...vctx, reference: setup.ann }).graph;
        if (!g) throw new Error('quantize refused the network');
        if (arithmetic === 'netx') netx = g;
        const r = query === 'static' ? await measure(setup, g) : await measureStream(setup, g, axisIndex);
        rows.push(row(setting, r));
      } catch (err) {
        rows.push(failed(setting, (err as Error).message.split('\n')[0]));
      }
      const last = rows[rows.length - 1];
      log(
        `  ${model} K=${K} θ=2^${Math.log2(threshold)} finetune ${steps} ${arithmetic} ${query}: ${last.error ?? 'ok'}`,
      );
    }
  }
  return netx;
}

/**
 * Every bundled model, both query kinds, float and integer: as lowered over K and the threshold, and
 * finetuned at FINETUNED, whose netx file runs in Lava on LAVA_INPUTS inputs against spikec sim.
 */
export async function sigmaDeltaBench(log: (s: string) => void): Promise<{ rows: SigmaDeltaRow[]; lava: LavaCheck[] }> {
  const rows: SigmaDeltaRow[] = [];
  const lava: LavaCheck[] = [];
  for (const [model, axis] of MODELS) {
    const setup = await verifySetup(join('examples', model));
    const calibration = calibrationInputs(setup.model, { calibSamples: DEFAULT_CALIB_SAMPLES });
    const axisIndex = setup.problem.inputs.indexOf(axis);
    const base: PassContext = { ...DEFAULT_CONTEXT, calibration };
    const { K, threshold, steps } = FINETUNED;
    const tuned = { ...base, K, sdThreshold: threshold, finetuneSteps: steps };
    const netx = await measureSetting(setup, model, axisIndex, tuned, rows, log);
    if (netx && !oraclesMissing()) {
      try {
        const inputs = new Rng(99).box(setup.problem.domain, LAVA_INPUTS);
        const c = compare(netx, inputs, simulate(netx, inputs).outputs, await runNetx(netx, inputs));
        lava.push({
          model,
          inputs: LAVA_INPUTS,
          messages: c.spikes,
          messages_differing: c.spikesDiffering,
          outputs_differing: c.outputsDiffering,
          verdict: c.verdict,
        });
      } catch (err) {
        const message = (err as Error).message.split('\n')[0];
        const verdict = `${/cannot express/.test(message) ? 'refused' : 'failed'}: ${message}`;
        lava.push({ model, inputs: 0, messages: 0, messages_differing: 0, outputs_differing: 0, verdict });
      }
      log(`  ${model}: netx file in Lava ${lava[lava.length - 1].verdict}`);
    }
    for (const k of KS)
      for (const t of THRESHOLDS)
        await measureSetting(setup, model, axisIndex, { ...base, K: k, sdThreshold: t, finetuneSteps: 0 }, rows, log);
  }
  return { rows, lava };
}

/** The finetuned networks, one row per model, and their netx files in Lava. */
function finetunedSection(rows: readonly SigmaDeltaRow[], lava: readonly LavaCheck[]): string[] {
  const { K, threshold, steps } = FINETUNED;
  const lines = [
    `## Finetuned: K = ${K}, threshold 2^${Math.log2(threshold)}, finetune ${steps} steps`,
    '',
    `\`spikec compile MODEL --coding sigma-delta --K ${K} --finetune-steps ${steps} --target loihi2,lava-netx\`:`,
    "the ramps fitted to the ANN in float, then quantize's mantissas fitted again in the integers",
    '(quantization-aware). ANN and SNN vs exact on the test grid; ops/MAC: float / Loihi 2 / netx.',
    '',
    mdRow([
      'model',
      'ANN vs exact',
      'static: float / Loihi 2 / netx',
      'static ops/MAC',
      'stream: float / Loihi 2 / netx',
      'stream ops/MAC',
    ]),
    mdRow(Array(6).fill('---')),
  ];
  for (const [model] of MODELS) {
    const mine = rows.filter((r) => r.model === model && r.finetune === steps);
    if (!mine.length) continue;
    lines.push(mdRow([model, sci(mine[0].ann_vs_exact), ...cells(mine, K, threshold)]));
  }
  if (lava.length) {
    lines.push('', `Each finetuned netx file in Lava (\`netx.hdf5.Network\`, \`Loihi2SimCfg(select_tag='fixed_pt')\``);
    lines.push(`with \`${SD_FIXED_PROCESS_MODEL}\` for SigmaDelta, loaded as the file says) against \`spikec sim\`:`);
    lines.push('messages per layer per step and outputs. Integer streams run the same model.', '');
    lines.push(mdRow(['model', 'inputs', 'messages', 'differing messages', 'differing outputs', 'verdict']));
    lines.push(mdRow(Array(6).fill('---')));
    // (a verdict recorded before refusals were told from failures says so in its message)
    const verdict = (v: string): string => (/cannot express/.test(v) ? v.replace(/^failed/, 'refused') : v);
    for (const c of lava)
      lines.push(mdRow([c.model, c.inputs, c.messages, c.messages_differing, c.outputs_differing, verdict(c.verdict)]));
  }
  lines.push('');
  return lines;
}

/** The static and stream cells of one setting: errors float / integer / netx, and ops/MAC. */
function cells(mine: readonly SigmaDeltaRow[], K: number, threshold: number): string[] {
  const pick = (a: SigmaDeltaRow['arithmetic'], q: SigmaDeltaRow['query']): SigmaDeltaRow | undefined =>
    mine.find((r) => r.K === K && r.threshold === threshold && r.arithmetic === a && r.query === q);
  const errs = (q: SigmaDeltaRow['query']): string =>
    (['float', 'loihi2', 'netx'] as const)
      .map((a) => pick(a, q))
      .map((r) =>
        r?.error ? (/exceeds 24 bits/.test(r.error) ? 'overflow' : 'refused') : sci(r?.snn_vs_exact ?? null),
      )
      .join(' / ');
  const ops = (q: SigmaDeltaRow['query']): string => {
    const [f, i, n] = [pick('float', q), pick('loihi2', q), pick('netx', q)];
    const ratio = (r?: SigmaDeltaRow): string => (r && r.ann_macs ? (r.synops_per_query / r.ann_macs).toFixed(2) : '');
    const steps = q === 'static' && f?.settle_steps ? ` (${f.settle_steps} steps)` : '';
    return `${ratio(f)} / ${ratio(i)} / ${ratio(n)}${steps}`;
  };
  return [errs('static'), ops('static'), errs('stream'), ops('stream')];
}

/** Per model: rate coding's default, then the sigma-delta settings, static and streamed. */
export function sigmaDeltaMarkdown(
  rows: readonly SigmaDeltaRow[],
  lava: readonly LavaCheck[],
  made: string,
  date: string,
): string {
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
    ...finetunedSection(rows, lava),
    '## As lowered (no finetune), over K and the threshold',
    '',
  ];
  for (const [model, axis] of MODELS) {
    const mine = rows.filter((r) => r.model === model && r.finetune === 0);
    if (!mine.length) continue;
    const r0 = rate.get(model);
    lines.push(
      `### ${model} (ANN vs exact ${sci(mine[0].ann_vs_exact)}, ${mine[0].ann_macs} MACs; stream along ${axis})`,
    );
    lines.push('');
    lines.push(
      mdRow([
        'coding',
        'K',
        'threshold',
        'static: float / integer / netx',
        'static ops/MAC: float / integer / netx',
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
          `${sci(r0.snn_vs_exact)} / ${sci(r0.integer_snn_vs_exact)} / n/a`,
          (r0.synops_per_inference / mine[0].ann_macs).toFixed(0),
          'n/a',
          '',
        ]),
      );
    for (const K of KS)
      for (const threshold of THRESHOLDS)
        lines.push(mdRow(['sigma-delta', K, `2^${Math.log2(threshold)}`, ...cells(mine, K, threshold)]));
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/** Accuracy against operations per query, both codings, every model (log-log). */
/**
 * A frontier plot in RESULTS (NAME.svg, NAME.png): SNN vs exact (field error) against operations per query
 * over ANN MACs (field ops), coloured by field kind: points, or lines through them, and any further `encoding`.
 */
export function renderFrontier(
  name: string,
  title: string,
  values: readonly object[],
  style: 'points' | 'lines',
  encoding: object,
): Promise<string[]> {
  return render(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title,
      width: 520,
      height: 340,
      data: { values },
      mark: style === 'points' ? { type: 'point', filled: true } : { type: 'line', point: true },
      encoding: {
        x: { field: 'ops', type: 'quantitative', scale: { type: 'log' }, title: 'synaptic ops per query / ANN MACs' },
        y: { field: 'error', type: 'quantitative', scale: { type: 'log' }, title: 'SNN vs exact (relative L2)' },
        color: { field: 'kind', type: 'nominal' },
        ...encoding,
      },
    },
    RESULTS,
    name,
  );
}

export async function sigmaDeltaPlot(rows: readonly SigmaDeltaRow[]): Promise<string[]> {
  const rate = rateDefaults();
  const values = [
    ...rows
      .filter((r) => !r.error && r.snn_vs_exact !== null && r.arithmetic !== 'netx')
      .map((r) => ({
        model: r.model,
        ops: r.synops_per_query / r.ann_macs,
        error: r.snn_vs_exact,
        kind:
          `sigma-delta${r.finetune ? ' finetuned' : ''} ${r.query} ` +
          `${r.arithmetic === 'float' ? 'float' : 'integer'}`,
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
  return renderFrontier(
    'sigma-delta-frontier',
    'SNN vs exact against synaptic operations per query / ANN MACs (all bundled models)',
    values,
    'points',
    { shape: { field: 'model', type: 'nominal' } },
  );
}
