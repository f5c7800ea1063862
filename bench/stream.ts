import { DEFAULT_CALIB_SAMPLES, calibrationInputs } from '../src/verification/calibration-data.js';
import type { Graph } from '../src/ir/index.js';
import {
  DEFAULT_CONTEXT,
  SIGMA_DELTA_PIPELINE,
  TARGET_PIPELINE,
  type PassContext,
  runPipeline,
} from '../src/passes/index.js';
import { annMacs } from '../src/sim/energy.js';
import { measureStream, verifySetup } from '../src/verification/measure.js';
import { mdRow } from './markdown.js';
import { renderFrontier } from './sigma-delta.js';

/** The streaming workload: heat1d at fixed x, along t. */
const MODEL = 'heat1d';
const AXIS = 't';
/**
 * The compiles streamed: `spikec compile examples/heat1d --coding sigma-delta --K 16 --finetune-steps
 * 3000 --sd-threshold T` at T = 2^-14 (the setting the streams are for) and 2^-10 (the default).
 */
const SETTINGS = [
  { K: 16, threshold: 2 ** -14, steps: 3000 },
  { K: 16, threshold: 2 ** -10, steps: 3000 },
];
/** Queries per trajectory (undefined: the test grid's own 101 values of t). */
const DENSITIES: readonly (number | undefined)[] = [undefined, 1001, 4001, 16001, 32001];

export interface StreamRow {
  K: number;
  threshold: number;
  finetune: number;
  arithmetic: 'float' | 'loihi2';
  per_trajectory: number;
  queries: number;
  trajectories: number;
  ann_vs_exact: number | null;
  snn_vs_exact: number | null;
  synops_per_query: number;
  ann_macs: number;
  neuron_updates_per_query: number;
  energy_45nm_ratio: number;
  energy_loihi_ratio: number;
  error?: string;
}

/**
 * heat1d as one stream of queries along t, denser and denser: accuracy against the exact solution and
 * operations per query, float (generic) and Loihi 2 integers (quantize and its quantization-aware
 * finetune), for each SETTINGS compile.
 */
export async function streamBench(log: (s: string) => void): Promise<StreamRow[]> {
  const setup = await verifySetup(`examples/${MODEL}`);
  const axis = setup.problem.inputs.indexOf(AXIS);
  const calibration = calibrationInputs(setup.model, { calibSamples: DEFAULT_CALIB_SAMPLES });
  const rows: StreamRow[] = [];
  for (const { K, threshold, steps } of SETTINGS) {
    const ctx: PassContext = { ...DEFAULT_CONTEXT, calibration, K, sdThreshold: threshold, finetuneSteps: steps };
    const float = runPipeline(setup.ann, SIGMA_DELTA_PIPELINE, ctx).graph;
    const target = TARGET_PIPELINE['sigma-delta'].filter((p) => p !== 'map-cores');
    const integer = runPipeline(float, target, { ...ctx, reference: setup.ann }).graph;
    for (const [arithmetic, g] of [
      ['float', float],
      ['loihi2', integer],
    ] as [StreamRow['arithmetic'], Graph][]) {
      for (const n of DENSITIES) {
        const base = { K, threshold, finetune: steps, arithmetic, ann_macs: annMacs(setup.ann) };
        let row: StreamRow;
        try {
          const r = await measureStream(setup, g, axis, undefined, n);
          row = {
            ...base,
            per_trajectory: r.stream!.queries / r.stream!.trajectories,
            queries: r.stream!.queries,
            trajectories: r.stream!.trajectories,
            ann_vs_exact: r.ann_vs_exact,
            snn_vs_exact: r.snn_vs_exact,
            synops_per_query: r.synops_per_inference,
            ann_macs: r.ann_macs_per_inference,
            neuron_updates_per_query: r.neuron_updates_per_inference,
            energy_45nm_ratio: r.energy.arithmetic_45nm.ratio,
            energy_loihi_ratio: r.energy.loihi.ratio,
          };
        } catch (err) {
          const error = (err as Error).message.split('\n')[0];
          row = {
            ...base,
            per_trajectory: n ?? 0,
            queries: 0,
            trajectories: 0,
            ann_vs_exact: null,
            snn_vs_exact: null,
            synops_per_query: 0,
            neuron_updates_per_query: 0,
            energy_45nm_ratio: 0,
            energy_loihi_ratio: 0,
            error,
          };
        }
        rows.push(row);
        log(
          `  ${MODEL} K=${K} θ=2^${Math.log2(threshold)} ${arithmetic} ${row.per_trajectory} per trajectory: ` +
            (row.error ??
              `${row.snn_vs_exact?.toExponential(2)} at ${(row.synops_per_query / row.ann_macs).toFixed(3)}`),
        );
      }
    }
  }
  return rows;
}

const e3 = (x: number | null): string => (x === null ? 'n/a' : x.toExponential(2));

export function streamMarkdown(rows: readonly StreamRow[], made: string, date: string): string {
  const lines = [
    `<!-- made by: ${made} -->`,
    '# Streaming queries: heat1d along t',
    '',
    `Measured ${date} on this machine. ${MODEL} evaluated at fixed x (the test grid's 101 values) over t in`,
    '[0, 1], the queries of each trajectory one per step, each sent as its change from the one before',
    '(`spikec verify MODEL --coding sigma-delta --stream t:N`, a .sir with `--reference` for the integer',
    'network). The trajectories follow one another in one stream, the network never reset. ANN and SNN',
    'against the exact solution on the same points; ops/MAC: synaptic operations per query over the',
    "ANN's multiply-accumulates; energy ratios per query, SNN over ANN, under the 45 nm arithmetic model",
    "and Loihi's measured figures (every neuron updates every step: `neuron updates` per query).",
    '',
    'Compiles: `spikec compile examples/heat1d --coding sigma-delta --K 16 --finetune-steps 3000',
    '--sd-threshold T --target loihi2` (float: `spikec verify` with the same options).',
    '',
    '| threshold | arithmetic | queries per trajectory | queries | ANN vs exact | SNN vs exact | SNN / ANN error | ' +
      'ops/MAC | neuron updates | energy 45 nm | energy Loihi |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const th = `2^${Math.log2(r.threshold)}`;
    if (r.error) {
      lines.push(mdRow([th, r.arithmetic, String(r.per_trajectory || 101), '', '', `failed: ${r.error}`]));
      continue;
    }
    const ratio = r.snn_vs_exact !== null && r.ann_vs_exact ? (r.snn_vs_exact / r.ann_vs_exact).toFixed(2) : '';
    lines.push(
      mdRow([
        th,
        r.arithmetic,
        String(r.per_trajectory),
        String(r.queries),
        e3(r.ann_vs_exact),
        e3(r.snn_vs_exact),
        ratio,
        (r.synops_per_query / r.ann_macs).toFixed(3),
        r.neuron_updates_per_query.toFixed(0),
        r.energy_45nm_ratio.toFixed(3),
        r.energy_loihi_ratio.toFixed(2),
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** SNN vs exact against ops per query over ANN MACs, one line per compile and arithmetic. */
export async function streamPlot(rows: readonly StreamRow[]): Promise<string[]> {
  const values = rows
    .filter((r) => !r.error && r.snn_vs_exact !== null)
    .map((r) => ({
      ops: r.synops_per_query / r.ann_macs,
      error: r.snn_vs_exact,
      per_trajectory: r.per_trajectory,
      kind: `θ = 2^${Math.log2(r.threshold)} ${r.arithmetic}`,
    }));
  const ann = rows.find((r) => r.ann_vs_exact !== null)?.ann_vs_exact ?? 0;
  return renderFrontier(
    'stream-frontier',
    `heat1d streamed along t: SNN vs exact against ops per query (ANN vs exact ${ann.toExponential(2)})`,
    values,
    'lines',
    { order: { field: 'per_trajectory', type: 'quantitative' } },
  );
}
