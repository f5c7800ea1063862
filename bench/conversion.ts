import { mdRow, sci } from './markdown.js';
import { existsSync } from 'node:fs';
import { loadModel } from '../src/frontend/index.js';
import { Rng, bundledProblem, exactOn, readProblemFile, testPoints } from '../src/frontend/train/index.js';
import type { Graph } from '../src/ir/index.js';
import { DEFAULT_CONTEXT, type PassContext, type Strategy, relativeL2, runPipeline } from '../src/passes/index.js';
import { evalAnn } from '../src/sim/ann-eval.js';
import { annMacs, energyEstimate } from '../src/sim/energy.js';
import { simulateRows } from '../src/sim/parallel.js';

export interface ConversionRow {
  model: string;
  strategy: Strategy;
  T: number;
  calibrated: boolean;
  ann_vs_exact: number | null;
  snn_vs_ann: number;
  snn_vs_exact: number | null;
  spike_rate: number;
  synops_per_inference: number;
  energy_ratio: number;
  neurons: number;
  /** Spikes per neuron per step, per population (float network). */
  layer_rates?: Record<string, number>;
  compile_seconds: number;
  /** The same network quantized for Loihi 2 (src/passes/quantize.ts), simulated in integer arithmetic. */
  integer_snn_vs_ann: number | null;
  integer_snn_vs_exact: number | null;
  integer_spike_rate: number | null;
  /** Why quantize refused, when it did. */
  integer_error?: string;
  quantize_seconds: number | null;
}

/** A bench model: where its ANN comes from and which problem (test grid, exact solution) it solves. */
export interface BenchModel {
  readonly name: string;
  readonly path: string;
  readonly problemDir: string;
}

export const BENCH_MODELS: readonly BenchModel[] = [
  ...['poisson1d', 'poisson2d', 'heat1d', 'burgers1d', 'navier-stokes2d', 'poisson2d-spinn', 'poisson1d-sin'].map(
    (p) => ({ name: p, path: `examples/${p}`, problemDir: `examples/${p}` }),
  ),
  { name: 'onnx:poisson2d_tanh', path: 'test/fixtures/onnx/poisson2d_tanh.onnx', problemDir: 'examples/poisson2d' },
  { name: 'onnx:poisson2d_spinn', path: 'test/fixtures/onnx/poisson2d_spinn.onnx', problemDir: 'examples/poisson2d' },
];

/** Every `stride`-th test point, so that a full sweep fits in its time budget. */
const thin = (points: number[][], max: number): number[][] => {
  const stride = Math.max(1, Math.ceil(points.length / max));
  return points.filter((_, i) => i % stride === 0);
};

/** A model ready to convert and measure: its ANN, test points, and the reference values on them. */
export interface MeasureSetup {
  readonly ann: Graph;
  /** The ANN with its input domain (quantize needs the input's range). */
  readonly input: Graph;
  readonly points: number[][];
  readonly annOut: number[][];
  readonly exact: number[][] | null;
  readonly out?: readonly number[];
  readonly annVsExact: number | null;
  /** Calibration inputs, uniform in the problem's domain. */
  readonly calibration: number[][];
}

/** Loads a bench model with its test points (at most maxPoints), reference values and calibration inputs. */
export async function measureSetup(m: BenchModel, maxPoints: number, calibSamples: number): Promise<MeasureSetup> {
  const { graph: ann } = await loadModel(m.path);
  const problem = readProblemFile(m.problemDir)!;
  const points = thin(testPoints(problem), maxPoints);
  const bundled = bundledProblem(problem);
  const exact = bundled ? exactOn(bundled, points) : null;
  const annOut = evalAnn(ann, points);
  const out = problem.errorOutputs;
  const annVsExact = exact ? relativeL2(annOut, exact, out) : null;
  const calibration = new Rng(7).box(problem.domain, calibSamples);
  // quantize needs the input's range; ONNX fixtures carry none, their problem.json does
  const input = ann.nodes.some((n) => n.kind === 'ann.input' && !n.domain)
    ? { ...ann, nodes: ann.nodes.map((n) => (n.kind === 'ann.input' ? { ...n, domain: problem.domain } : n)) }
    : ann;
  return { ann, input, points, annOut, exact, out, annVsExact, calibration };
}

/** Runs `pipeline`, simulates the result on the test points, quantizes it for Loihi 2 and simulates that too. */
export async function convertAndMeasure(
  model: string,
  s: MeasureSetup,
  pipeline: readonly string[],
  ctx: PassContext,
  calibrated: boolean,
): Promise<ConversionRow> {
  const { ann, input, points, annOut, exact, out, annVsExact } = s;
  const { T, strategy } = ctx;
  const t0 = performance.now();
  const snn: Graph = runPipeline(input, pipeline, ctx).graph;
  const compileSeconds = (performance.now() - t0) / 1000;
  const sim = simulateRows(snn, points);
  const t1 = performance.now();
  let integer: Graph | undefined;
  let integerError: string | undefined;
  try {
    integer = runPipeline(snn, ['quantize'], ctx).graph;
  } catch (err) {
    integerError = (err as Error).message;
  }
  const quantizeSeconds = integer ? (performance.now() - t1) / 1000 : null;
  const q = integer ? simulateRows(integer, points) : undefined;
  const neurons = sim.layers.reduce((n, l) => n + l.neurons, 0);
  const synops = sim.synops / points.length;
  return {
    model,
    strategy,
    T,
    calibrated,
    ann_vs_exact: annVsExact,
    snn_vs_ann: relativeL2(sim.outputs, annOut, out),
    snn_vs_exact: exact ? relativeL2(sim.outputs, exact, out) : null,
    spike_rate: sim.layers.reduce((n, l) => n + l.spikes, 0) / Math.max(neurons * sim.T * points.length, 1),
    synops_per_inference: synops,
    energy_ratio: energyEstimate(synops, sim.neuronUpdates / points.length, annMacs(ann)).ratio,
    neurons,
    layer_rates: Object.fromEntries(
      sim.layers.map((l) => [l.id, Number((l.spikes / Math.max(l.neurons * sim.T * points.length, 1)).toFixed(4))]),
    ),
    compile_seconds: compileSeconds,
    integer_snn_vs_ann: q ? relativeL2(q.outputs, annOut, out) : null,
    integer_snn_vs_exact: q && exact ? relativeL2(q.outputs, exact, out) : null,
    integer_spike_rate: q
      ? q.layers.reduce((n, l) => n + l.spikes, 0) / Math.max(neurons * q.T * points.length, 1)
      : null,
    ...(integerError ? { integer_error: integerError } : {}),
    quantize_seconds: quantizeSeconds,
  };
}

export async function conversionBench(opts: {
  models: readonly BenchModel[];
  strategies: readonly Strategy[];
  Ts: readonly number[];
  maxPoints: number;
  calibSamples: number;
  log: (s: string) => void;
}): Promise<ConversionRow[]> {
  const rows: ConversionRow[] = [];
  for (const m of opts.models) {
    if (!existsSync(m.path)) continue;
    const setup = await measureSetup(m, opts.maxPoints, opts.calibSamples);
    for (const strategy of opts.strategies) {
      for (const T of opts.Ts) {
        for (const calibrated of [false, true]) {
          const pipeline = [
            'fold-weights',
            'threshold-balance',
            'lower-to-snn',
            ...(calibrated ? ['calibrate'] : []),
            'fold-weights',
          ];
          const row = await convertAndMeasure(
            m.name,
            setup,
            pipeline,
            { ...DEFAULT_CONTEXT, calibration: setup.calibration, T, strategy },
            calibrated,
          );
          rows.push(row);
          opts.log(
            `  ${m.name} ${strategy} T=${T} ${calibrated ? 'calibrated' : 'uncalibrated'}: ` +
              `SNN vs ANN ${row.snn_vs_ann.toExponential(2)} (integer ${sci(row.integer_snn_vs_ann)}), ` +
              `rate ${row.spike_rate.toFixed(3)}`,
          );
        }
      }
    }
  }
  return rows;
}

/**
 * The markdown table of a conversion sweep: one line per model, strategy and T; each error as
 * uncalibrated → calibrated, float and Loihi 2 integer; compile time is the conversion pipeline
 * (calibrated) plus quantize.
 */
export function conversionMarkdown(rows: readonly ConversionRow[]): string {
  const lines = [
    mdRow([
      'model',
      'strategy',
      'T',
      'ANN vs exact',
      'SNN vs ANN, float (uncal. → cal.)',
      'SNN vs ANN, integer (uncal. → cal.)',
      'SNN vs exact, cal. (float / integer)',
      'spike rate',
      'synops / inference',
      'energy ratio',
      'compile s (uncal. / cal. + quantize)',
    ]),
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows.filter((x) => x.calibrated)) {
    const u = rows.find((x) => !x.calibrated && x.model === r.model && x.strategy === r.strategy && x.T === r.T);
    const int = (x: ConversionRow | undefined): string =>
      !x ? 'n/a' : x.integer_error ? 'refused' : sci(x.integer_snn_vs_ann);
    lines.push(
      mdRow([
        r.model,
        r.strategy,
        r.T,
        sci(r.ann_vs_exact),
        `${u ? sci(u.snn_vs_ann) : 'n/a'} → ${sci(r.snn_vs_ann)}`,
        `${int(u)} → ${int(r)}`,
        `${sci(r.snn_vs_exact)} / ${sci(r.integer_snn_vs_exact)}`,
        r.spike_rate.toFixed(3),
        r.synops_per_inference.toFixed(0),
        r.energy_ratio.toFixed(1),
        `${u ? u.compile_seconds.toFixed(1) : 'n/a'} / ${r.compile_seconds.toFixed(1)}` +
          ` + ${r.quantize_seconds === null ? '–' : r.quantize_seconds.toFixed(1)}`,
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The benchmarks' table (bench/results/README.md): per model, the default conversion (pwl, calibrated) at
 * T = 64 and 256, float and integer.
 */
export function headlineMarkdown(rows: readonly ConversionRow[]): string {
  const lines = [
    mdRow([
      'model',
      'ANN vs exact',
      'SNN vs ANN, T = 64 (uncal. → cal.)',
      'SNN vs exact, T = 64 (float / Loihi 2 integer)',
      'SNN vs exact, T = 256 (float / integer)',
      'spike rate',
      'synops / inference',
      'energy ratio (SNN / ANN)',
      'compile s, T = 64',
      'paper',
    ]),
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const models = [...new Set(rows.map((r) => r.model))];
  for (const m of models) {
    const at = (T: number, calibrated: boolean): ConversionRow | undefined =>
      rows.find((r) => r.model === m && r.strategy === 'pwl' && r.T === T && r.calibrated === calibrated);
    const [u, c, c256] = [at(64, false), at(64, true), at(256, true)];
    if (!c) continue;
    const int = (r: ConversionRow | undefined): string =>
      !r ? 'n/a' : r.integer_error ? 'refused' : sci(r.integer_snn_vs_exact ?? r.integer_snn_vs_ann);
    lines.push(
      mdRow([
        m,
        sci(c.ann_vs_exact),
        `${u ? sci(u.snn_vs_ann) : 'n/a'} → ${sci(c.snn_vs_ann)}`,
        `${sci(c.snn_vs_exact)} / ${int(c)}`,
        c256 ? `${sci(c256.snn_vs_exact)} / ${int(c256)}` : 'n/a',
        c.spike_rate.toFixed(3),
        c.synops_per_inference.toFixed(0),
        c.energy_ratio.toFixed(0),
        (c.compile_seconds + (c.quantize_seconds ?? 0)).toFixed(1),
        'not available',
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}
