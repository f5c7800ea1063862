import type { Command } from 'commander';
import { loadModel } from '../../frontend/index.js';
import { type Graph, codingOf } from '../../ir/index.js';
import { UsageError } from '../errors.js';
import { intListOption, intOption } from '../options.js';
import { checkOutputDir } from '../output-paths.js';
import { MAX_T, checkPipelineNeeds, runPipeline } from '../../passes/index.js';
import { calibrationInputs, formatDomain } from '../../verification/calibration-data.js';
import {
  DEFAULT_TEST_POINTS,
  type VerifyRow,
  type VerifySetup,
  formatTable,
  measure,
  measureStream,
  measureWithOutputs,
  verifySetup,
} from '../../verification/measure.js';
import { pipelineProgress, say } from '../progress.js';
import {
  type CompileOptions,
  checkConversionOptions,
  requestedCoding,
  conversionOptions,
  passContext,
  pipelineOf,
} from '../compile-options.js';

interface VerifyOptions extends CompileOptions {
  inputs?: string;
  grid?: number;
  stream?: string;
  plot?: string;
  sweepT?: number[];
  json?: boolean;
  reference?: string;
}

/** --stream AXIS[:N]: the input (name or index) and, if given, the queries per trajectory (at least 2). */
export function streamOption(value: string, names: readonly string[]): { axis: number; perTrajectory?: number } {
  const m = /^([^:]+)(?::(\d+))?$/.exec(value);
  const axis = !m ? -1 : /^\d+$/.test(m[1]) ? Number(m[1]) : names.indexOf(m[1]);
  if (!m || !(axis >= 0 && axis < names.length))
    throw new UsageError(`--stream: no input '${m?.[1] ?? value}' (inputs: ${names.join(', ')}; AXIS or AXIS:N)`);
  if (m[2] === undefined) return { axis };
  const perTrajectory = Number(m[2]);
  if (!(perTrajectory >= 2 && perTrajectory <= 1_000_000))
    throw new UsageError(`--stream ${value}: N must be an integer from 2 to 1000000 (queries per trajectory)`);
  return { axis, perTrajectory };
}

export function registerVerify(program: Command): void {
  conversionOptions(
    program
      .command('verify')
      .description(
        'simulate a compiled network on a test grid (or --inputs); compare with the ANN, and with the exact ' +
          'solution where a problem.json names one',
      )
      .argument(
        '<model>',
        'a trained model (directory, .onnx, model.json), compiled with the conversion options; or a ' +
          'compiled network (.sir, .sirpb, .nir) with --reference',
      ),
  )
    .option('--reference <model>', 'the trained model (directory, .onnx, model.json) a compiled network came from')
    .option('--inputs <file>', 'verify on these input rows (JSON, as for eval) instead of a grid')
    .option(
      '--grid <n>',
      `points per axis of the test grid (default: problem.json's, else about ${DEFAULT_TEST_POINTS} in all)`,
      intOption('--grid', 2, 100_000),
    )
    .option('--sweep-T <list>', 'verify at each of these T (comma-separated)', intListOption('--sweep-T', 1, MAX_T))
    .option(
      '--stream <axis[:N]>',
      'sigma-delta: run the test grid as one stream of queries along this input (name or index), a query ' +
        'per step, each sent as its change from the last; with :N, N evenly spaced values of the input over ' +
        'its domain from each point of the test grid on the other inputs',
    )
    .option('--json', 'print one JSON object')
    .option('--plot <dir>', 'write plots (solution, SNN error field, error vs T) as SVG and PNG into DIR')
    .action(verifyAction);
}

/** What `spikec verify MODEL` does. */
async function verifyAction(modelPath: string, o: VerifyOptions): Promise<void> {
  const isCompiled = /\.(sir|sirpb|nir)$/.test(modelPath);
  if (isCompiled && !o.reference)
    throw new UsageError(
      'verifying a compiled network (.sir, .sirpb, .nir) needs --reference MODEL (the trained ANN it came from)',
    );
  if (o.inputs && o.grid) throw new UsageError('--inputs and --grid both say where to verify: give one');
  checkConversionOptions(o);
  if (o.plot) checkOutputDir(o.plot, '--plot');
  const compiled: Graph | undefined = isCompiled ? (await loadModel(modelPath)).graph : undefined;
  // a compiled network's encoder records the box it was compiled for: the grid's when nothing else says
  const recorded = compiled?.nodes.find((n) => n.kind === 'snn.encoder')?.domain;
  const setup = await verifySetup(isCompiled ? o.reference! : modelPath, {
    ...o,
    domain: o.domain ?? (recorded && formatDomain(recorded)),
  });
  // what the JSON says the figures are about: the problem, its points, what the errors are against
  const about = {
    problem: setup.problem.problem,
    points: setup.points.length,
    exact_solution: setup.solution ? setup.solution.name : null,
  };
  const run = async (T: number): Promise<VerifyRow> =>
    compiled ? measure(setup, compiled, T, say) : measure(setup, compileFor(setup, { ...o, T }), T, say);
  const snn = compiled ?? compileFor(setup, o);
  // a sigma-delta network holds each query until it settles: its own window, not a T to override
  const sigmaDelta = codingOf(snn) === 'sigma-delta';
  if (sigmaDelta && o.sweepT)
    throw new UsageError("--sweep-T sweeps rate coding's window; a sigma-delta network has none");
  if (o.stream !== undefined && !sigmaDelta)
    throw new UsageError('--stream runs a sigma-delta network: add --coding sigma-delta');
  if (o.stream !== undefined) return verifyStream(setup, snn, o, about);
  const first = await measureWithOutputs(setup, snn, sigmaDelta ? undefined : o.T, say);
  const main = first.row;
  const sweep = o.sweepT ? await Promise.all(o.sweepT.map(async (T) => (T === o.T ? main : await run(T)))) : undefined;
  const plots = o.plot ? await writePlots(o.plot, setup, first.outputs, sweep) : [];
  for (const p of plots) process.stderr.write(`spikec: wrote ${p}\n`);
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ ...about, ...main, ...(sweep ? { sweep } : {}) }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `spikec verify: ${setup.problem.problem}, ${setup.points.length} ${o.inputs ? 'input rows' : 'test points'}` +
      `${setup.exact ? '' : ' (no exact solution: against the ANN)'}, ` +
      (sigmaDelta ? `coding sigma-delta, settled in ${main.settle_steps!.max} steps\n` : `strategy ${o.strategy}\n`),
  );
  process.stdout.write(formatTable(sweep ?? [main]));
}

/** --stream: the test grid as one stream of queries along an input, through a sigma-delta network. */
async function verifyStream(setup: VerifySetup, snn: Graph, o: VerifyOptions, about: object): Promise<void> {
  const { axis, perTrajectory } = streamOption(o.stream!, setup.problem.inputs);
  const row = await measureStream(setup, snn, axis, say, perTrajectory);
  if (o.json) process.stdout.write(`${JSON.stringify({ ...about, ...row }, null, 2)}\n`);
  else {
    process.stdout.write(
      `spikec verify: ${setup.problem.problem}, ${row.stream!.queries} queries streamed along ` +
        `${row.stream!.axis} (${row.stream!.trajectories} trajectories), coding sigma-delta\n`,
    );
    process.stdout.write(formatTable([row]));
  }
}

/** --plot DIR: the solution, the SNN's error field and the error against T; the files written. */
async function writePlots(
  dir: string,
  setup: VerifySetup,
  snn: readonly (readonly number[])[],
  sweep: readonly VerifyRow[] | undefined,
): Promise<string[]> {
  const { verificationPlots } = await import('../../verification/plots.js');
  return verificationPlots(
    dir,
    setup.problem.problem,
    {
      inputs: setup.problem.inputs,
      points: setup.points,
      snn,
      exact: setup.exact,
      ann: setup.annOut,
      output: setup.problem.outputs[0],
    },
    sweep,
  );
}

/** Compiles the setup's ANN with the command's conversion options. */
export function compileFor(setup: VerifySetup, o: VerifyOptions): Graph {
  // calibration draws from the box verification runs over when no option names one (a made-up problem's)
  const domain = o.domain ?? formatDomain(setup.problem.domain);
  const ctx = passContext(o, calibrationInputs(setup.model, { ...o, domain }));
  // sweeping T asks for rate coding's window, which a sigma-delta network has none of
  const coding = o.coding === 'auto' && o.sweepT ? 'rate' : requestedCoding(o);
  const names = pipelineOf(o, coding);
  checkPipelineNeeds(names, ctx);
  say(`compiling a ${coding} network${coding === 'rate' ? ` at T = ${o.T}` : ''}: ${names.length} passes`);
  return runPipeline(setup.ann, names, ctx, { progress: pipelineProgress('compile') }).graph;
}
