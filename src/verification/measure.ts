import { basename, extname } from 'node:path';
import { type LoadedModel, loadModel } from '../frontend/index.js';
import {
  type PdeProblem,
  type ProblemFile,
  bundledProblem,
  exactOn,
  grid,
  readProblemFile,
  testPoints,
} from '../frontend/train/index.js';
import type { Graph } from '../ir/index.js';
import { inputDomain } from './calibration-data.js';
import { readInputRows } from './input-rows.js';
import { boxOf, relativeL2 } from '../passes/index.js';
import { evalAnn } from '../sim/ann-eval.js';
import { type EnergyModelFigures, annMacs, energyEstimate, energyModels } from '../sim/energy.js';
import { simulateRows } from '../sim/parallel.js';
import type { SimResult } from '../sim/simulate.js';
import { DataError } from './errors.js';

/** One row of the verification table (the keys are what `spikec verify --json` prints). */
export interface VerifyRow {
  /** rate or sigma-delta (the network's neurons). */
  coding: 'rate' | 'sigma-delta';
  /** Rate coding: the window each layer integrates; sigma-delta: the steps each query was held. */
  T: number;
  ann_vs_exact: number | null;
  snn_vs_ann: number;
  snn_vs_exact: number | null;
  /** Spikes per neuron per step. */
  spike_rate: number;
  synops_per_inference: number;
  /** Of synops_per_inference, those that carried graded values (encoder values, sigma-delta messages). */
  graded_synops_per_inference: number;
  /** Sigma-delta: steps a query took to settle (mean and most over the test grid). */
  settle_steps?: { mean: number; max: number };
  /** Streaming queries: the axis the test grid was scanned along, its queries and trajectories. */
  stream?: { axis: string; queries: number; trajectories: number };
  neuron_updates_per_inference: number;
  ann_macs_per_inference: number;
  /** SNN energy / ANN energy per inference (src/sim/energy.ts). */
  energy_ratio: number;
  /** Energy per inference under the 45 nm arithmetic model and Loihi's measured figures (src/sim/energy.ts). */
  energy: { arithmetic_45nm: EnergyModelFigures; loihi: EnergyModelFigures };
  neurons: number;
  /** Spikes per neuron per step, per layer. */
  layer_rates: Record<string, number>;
}

export interface VerifySetup {
  readonly ann: Graph;
  readonly model: LoadedModel;
  /** The model directory's problem.json, or one made from the model and the options (no exact solution). */
  readonly problem: ProblemFile;
  readonly points: number[][];
  readonly annOut: number[][];
  readonly exact: number[][] | null;
  /** The bundled PDE whose exact solution the problem.json names; none for a problem made up here. */
  readonly solution?: PdeProblem;
  readonly errorOutputs?: readonly number[];
}

/** Where verification's points come from besides a problem.json: the command's options. */
export interface VerifyPoints {
  /** --domain lo:hi,...: the box to verify on when no problem.json states one. */
  readonly domain?: string;
  /** --inputs FILE: the rows to verify on instead of a grid. */
  readonly inputs?: string;
  /** --grid N: points per axis of the test grid instead of problem.json's (or the default). */
  readonly grid?: number;
}

/** Points in a test grid over a box when neither problem.json nor --grid says how many (per axis: its d-th root). */
export const DEFAULT_TEST_POINTS = 4096;

/** Points per axis of a grid of about DEFAULT_TEST_POINTS over `dims` inputs (at least 2). */
export function defaultGrid(dims: number): number[] {
  const n = Math.max(2, Math.floor(DEFAULT_TEST_POINTS ** (1 / dims) + 1e-9));
  return Array<number>(dims).fill(n);
}

/**
 * The problem of a model without a problem.json: its name, the names its graph gives its inputs and
 * outputs (x0, y0, ... otherwise), and the box from --domain, the graph's input or the --inputs rows.
 */
function problemOfModel(model: LoadedModel, modelPath: string, o: VerifyPoints, rows?: number[][]): ProblemFile {
  const input = model.graph.nodes.find((n) => n.kind === 'ann.input');
  const output = model.graph.nodes.find((n) => n.kind === 'ann.output');
  const dims = input?.kind === 'ann.input' ? input.dims : 0;
  const domain = inputDomain(model, o) ?? (rows && boxOf(rows));
  if (!domain)
    throw new DataError(
      `${modelPath}: no problem.json beside the model and no domain recorded in it: give --domain ` +
        `${Array(dims).fill('lo:hi').join(',')} (verify on a grid over that box) or --inputs FILE (rows to verify on)`,
    );
  const width = output?.inputs.length ? evalAnn(model.graph, [domain.map(([lo]) => lo)])[0].length : 0;
  const names = (given: readonly string[] | undefined, letter: string, n: number): string[] =>
    given?.length === n ? [...given] : Array.from({ length: n }, (_, i) => `${letter}${i}`);
  const file = model.dir ?? model.file;
  return {
    problem: basename(file, extname(file)),
    inputs: names(input?.kind === 'ann.input' ? input.names : undefined, 'x', dims),
    outputs: names(output?.kind === 'ann.output' ? output.names : undefined, 'y', width),
    domain: domain.map(([lo, hi]) => [lo, hi]),
    testGrid: defaultGrid(dims),
  };
}

/**
 * The ANN, the problem, its test points, the ANN's outputs and the exact solution there. The problem
 * is the model directory's problem.json (its exact solution when it names a bundled PDE); without one,
 * the model's own (problemOfModel), verified against the ANN alone. The points are the --inputs rows,
 * else the problem's test grid, with --grid points per axis when given.
 */
export async function verifySetup(modelPath: string, o: VerifyPoints = {}): Promise<VerifySetup> {
  const model = await loadModel(modelPath);
  if (model.graph.nodes.some((n) => n.kind.startsWith('snn.')))
    throw new DataError(`${modelPath}: the reference must be the trained ANN, not a spiking network`);
  const input = model.graph.nodes.find((n) => n.kind === 'ann.input');
  const rows = o.inputs ? readInputRows(o.inputs, input?.kind === 'ann.input' ? input.dims : undefined) : undefined;
  if (rows && !rows.length) throw new DataError(`${o.inputs}: no input rows to verify on`);
  const file = model.dir ? readProblemFile(model.dir) : undefined;
  const made = file ?? problemOfModel(model, modelPath, o, rows);
  const problem = o.grid ? { ...made, testGrid: made.domain.map(() => o.grid!) } : made;
  const points = rows ?? testPoints(problem);
  const solution = file && bundledProblem(file);
  return {
    ann: model.graph,
    model,
    problem,
    points,
    annOut: evalAnn(model.graph, points),
    exact: solution ? exactOn(solution, points) : null,
    ...(solution ? { solution } : {}),
    errorOutputs: problem.errorOutputs,
  };
}

/** Simulates an snn graph on the test grid and measures it against the ANN and the exact solution. */
export async function measure(
  setup: VerifySetup,
  snn: Graph,
  T?: number,
  say?: (line: string) => void,
): Promise<VerifyRow> {
  return (await measureWithOutputs(setup, snn, T, say)).row;
}

/**
 * The test grid as trajectories along one input axis: points sorted by every other coordinate, then by
 * that axis (a raster scan with the axis fastest), so consecutive queries differ a little.
 */
export function trajectories(points: readonly (readonly number[])[], axis: number): { order: number[]; count: number } {
  const key = (p: readonly number[]): number[] => [...p.filter((_, j) => j !== axis), p[axis]];
  const order = points.map((_, i) => i);
  order.sort((a, b) => {
    const [ka, kb] = [key(points[a]), key(points[b])];
    for (let j = 0; j < ka.length; j++) if (ka[j] !== kb[j]) return ka[j] - kb[j];
    return a - b;
  });
  let count = order.length ? 1 : 0;
  for (let i = 1; i < order.length; i++)
    if (points[order[i]].some((v, j) => j !== axis && v !== points[order[i - 1]][j])) count++;
  return { order, count };
}

/**
 * Trajectories of `perTrajectory` evenly spaced values of input `axis` over its domain, one from each
 * point of the test grid on the other inputs, in raster order (`axis` fastest).
 */
export function denseTrajectories(
  setup: VerifySetup,
  axis: number,
  perTrajectory: number,
): { points: number[][]; count: number } {
  const { domain, testGrid } = setup.problem;
  const others = <T>(xs: readonly T[]): T[] => xs.filter((_, j) => j !== axis);
  const starts = grid(others(domain), others(testGrid));
  const along = grid([domain[axis]], [perTrajectory]).map(([v]) => v);
  const points = starts.flatMap((rest) => along.map((v) => [...rest.slice(0, axis), v, ...rest.slice(axis)]));
  return { points, count: starts.length };
}

/** A stream's queries in order, its trajectories, and the ANN's outputs and the exact solution on them. */
interface Stream {
  readonly points: number[][];
  readonly count: number;
  readonly annOut: number[][];
  readonly exact: number[][] | null;
}

/** The test grid as trajectories along `axis` (trajectories()). */
function testGridStream(setup: VerifySetup, axis: number): Stream {
  const { order, count } = trajectories(setup.points, axis);
  const pick = <T>(rows: readonly T[]): T[] => order.map((i) => rows[i]);
  return { points: pick(setup.points), count, annOut: pick(setup.annOut), exact: setup.exact && pick(setup.exact) };
}

/** denseTrajectories(), with the ANN and the exact solution evaluated on them. */
function denseStream(setup: VerifySetup, axis: number, perTrajectory: number): Stream {
  const { points, count } = denseTrajectories(setup, axis, perTrajectory);
  const exact = setup.solution ? exactOn(setup.solution, points) : null;
  return { points, count, annOut: evalAnn(setup.ann, points), exact };
}

/**
 * A sigma-delta network on one stream of queries along `axis`, a query per step, each sent as its
 * change from the last: accuracy and operations per query. The stream is the test grid as trajectories
 * along `axis` or, with `perTrajectory`, that many evenly spaced values of `axis` from each point of the
 * test grid on the other inputs (denseTrajectories()): the closer consecutive queries, the less changes.
 */
export async function measureStream(
  setup: VerifySetup,
  snn: Graph,
  axis: number,
  say?: (line: string) => void,
  perTrajectory?: number,
): Promise<VerifyRow> {
  const name = setup.problem.inputs[axis] ?? String(axis);
  const { points, count, annOut, exact } =
    perTrajectory === undefined ? testGridStream(setup, axis) : denseStream(setup, axis, perTrajectory);
  say?.(`streaming ${points.length} points along ${name} (${count} trajectories)`);
  const sim = simulateRows(snn, points, { stream: true, perNeuron: false });
  // one stream: every neuron steps once per step of it, however many queries it carries
  const row = rowOf(setup, sim, annOut, exact, sim.steps);
  return { ...row, coding: 'sigma-delta', stream: { axis: name, queries: points.length, trajectories: count } };
}

/**
 * The verification row of a simulation against the ANN's outputs and the exact solution on the same
 * points; rates per neuron per step over `steps` steps of each neuron.
 */
function rowOf(
  setup: VerifySetup,
  sim: SimResult,
  annOut: number[][],
  exact: number[][] | null,
  steps: number,
): VerifyRow {
  const batch = sim.batch;
  const neurons = sim.layers.reduce((s, l) => s + l.neurons, 0);
  const macs = annMacs(setup.ann);
  const [synops, graded, updates] = [sim.synops / batch, sim.gradedSynops / batch, sim.neuronUpdates / batch];
  const out = setup.errorOutputs;
  return {
    coding: sim.settle ? 'sigma-delta' : 'rate',
    T: sim.T,
    ann_vs_exact: exact ? relativeL2(annOut, exact, out) : null,
    snn_vs_ann: relativeL2(sim.outputs, annOut, out),
    snn_vs_exact: exact ? relativeL2(sim.outputs, exact, out) : null,
    spike_rate: sim.layers.reduce((s, l) => s + l.spikes, 0) / Math.max(neurons * steps, 1),
    synops_per_inference: synops,
    graded_synops_per_inference: graded,
    neuron_updates_per_inference: updates,
    ann_macs_per_inference: macs,
    energy_ratio: energyEstimate(synops, updates, macs).ratio,
    energy: energyModels(synops, graded, updates, macs),
    neurons,
    layer_rates: Object.fromEntries(sim.layers.map((l) => [l.id, l.spikes / Math.max(l.neurons * steps, 1)])),
  };
}

/** measure(), also returning the SNN's outputs on the test grid (for plots). */
export async function measureWithOutputs(
  setup: VerifySetup,
  snn: Graph,
  T?: number,
  say?: (line: string) => void,
): Promise<{ row: VerifyRow; outputs: number[][] }> {
  say?.(`simulating ${setup.points.length} test points${T ? ` at T = ${T}` : ''}`);
  const sim = simulateRows(snn, setup.points, { T, perNeuron: false });
  const batch = setup.points.length;
  const row: VerifyRow = {
    ...rowOf(setup, sim, setup.annOut, setup.exact, sim.T * batch),
    ...(sim.settle ? { settle_steps: { mean: sim.settle.total / batch, max: sim.settle.max } } : {}),
  };
  return { row, outputs: sim.outputs };
}

const fmt = (x: number | null, digits = 3): string => (x === null ? 'n/a' : x.toExponential(digits - 1));

/** The human-readable verification table. */
export function formatTable(rows: readonly VerifyRow[]): string {
  const head = [
    'T',
    'ANN vs exact',
    'SNN vs ANN',
    'SNN vs exact',
    'spike rate',
    'synops/inf',
    'per ANN MAC',
    'energy ratio',
  ];
  const body = rows.map((r) => [
    String(r.T),
    fmt(r.ann_vs_exact),
    fmt(r.snn_vs_ann),
    fmt(r.snn_vs_exact),
    r.spike_rate.toFixed(3),
    r.synops_per_inference.toFixed(0),
    (r.synops_per_inference / r.ann_macs_per_inference).toFixed(2),
    r.energy_ratio.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return `${[line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n')}\n`;
}
