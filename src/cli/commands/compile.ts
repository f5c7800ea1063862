import type { Command } from 'commander';
import { loadModel } from '../../frontend/index.js';
import { type FormatLimits, mergeFormatLimits, printGraph, writeGraphFile } from '../../ir/index.js';
import { type Backend, BACKENDS, FORMAT_LIMITS, emit } from '../../backends/index.js';
import {
  CODINGS,
  type Coding,
  DEFAULT_CONTEXT,
  DEFAULT_PIPELINE,
  MAX_T,
  type PassContext,
  PROFILES,
  SIGMA_DELTA_PIPELINE,
  TARGET_PIPELINE,
  STRATEGIES,
  type Strategy,
  checkPipelineNeeds,
  coreUsage,
  defaultCoding,
  formatPassStats,
  formatReport,
  parsePipeline,
  runPipeline,
  withoutCorrections,
} from '../../passes/index.js';
import {
  DEFAULT_CALIB_SAMPLES,
  calibrationInputs,
  parseDomain,
  withDomain,
} from '../../verification/calibration-data.js';
import { UsageError } from '../errors.js';
import { readInputRows } from '../../verification/input-rows.js';
import { fractionOption, intOption } from '../options.js';
import { checkIrOutput, checkOutputDir } from '../output-paths.js';
import { pipelineProgress, say } from '../progress.js';

export interface CompileOptions {
  T: number;
  coding: string;
  sdThreshold: number;
  strategy: string;
  K: number;
  calibSamples: number;
  calibrate: boolean;
  weightCalibration: boolean;
  stagger: number;
  finetuneSteps: number;
  pipeline?: string;
  calibInputs?: string;
  domain?: string;
  percentile: string;
  balance: string;
  reset: string;
  output?: string;
  printIrAfterAll?: boolean;
  printIrAfter?: string;
  printIrBefore?: string;
  printWeights?: boolean;
  printDebuginfo?: boolean;
  verifyEach?: boolean;
  passStats?: boolean;
  target?: string;
  chips?: number;
  report?: boolean;
}

/** What compile, verify and demo run with when no option says otherwise (the pass defaults are DEFAULT_CONTEXT's). */
export const DEFAULT_OPTIONS: CompileOptions = {
  T: DEFAULT_CONTEXT.T,
  coding: 'auto',
  sdThreshold: DEFAULT_CONTEXT.sdThreshold,
  strategy: DEFAULT_CONTEXT.strategy,
  K: DEFAULT_CONTEXT.K,
  calibSamples: DEFAULT_CALIB_SAMPLES,
  calibrate: true,
  weightCalibration: DEFAULT_CONTEXT.calibrateWeights,
  stagger: DEFAULT_CONTEXT.stagger,
  finetuneSteps: DEFAULT_CONTEXT.finetuneSteps,
  percentile: String(DEFAULT_CONTEXT.percentile),
  balance: DEFAULT_CONTEXT.balance,
  reset: DEFAULT_CONTEXT.reset,
};

/** What `--coding` accepts: a coding, or auto (defaultCoding's choice for the formats written). */
const CODING_CHOICES = ['auto', ...CODINGS] as const;

/**
 * The coding `o` compiles with, writing formats of these limits: --coding's, or where it is auto,
 * defaultCoding's (rate coding for a pipeline given by --pipeline, which chooses its own passes).
 */
export function codingOf(o: CompileOptions, limits: FormatLimits = {}): Coding {
  if (o.coding !== 'auto') return o.coding as Coding;
  return o.pipeline ? 'rate' : defaultCoding(limits);
}

/** Splits --target into the hardware profile and the backends, rejecting unknown names (all listed). */
export function parseTarget(spec: string | undefined): { profile: string; backends: Backend[] } {
  const names = (spec ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !PROFILES.has(n) && !(BACKENDS as readonly string[]).includes(n));
  if (unknown.length)
    throw new UsageError(
      `unknown target${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')} ` +
        `(profiles: ${[...PROFILES.keys()].join(', ')}; backends: ${BACKENDS.join(', ')})`,
    );
  const profiles = names.filter((n) => PROFILES.has(n));
  if (profiles.length > 1) throw new UsageError(`--target names ${profiles.length} hardware profiles; give one`);
  return {
    profile: profiles[0] ?? 'loihi2',
    backends: names.filter((n): n is Backend => (BACKENDS as readonly string[]).includes(n)),
  };
}

/** Registers the options `compile` and `verify` share: the pass context's, and the pipeline. */
export function conversionOptions(cmd: Command): Command {
  return contextOptions(cmd)
    .option('--no-calibrate', 'skip calibrate and finetune (no correction towards the ANN)')
    .option('--pipeline <passes>', `comma-separated passes (default ${DEFAULT_PIPELINE.join(',')})`);
}

/** Registers the options that set the pass context (what `opt` shares with `compile`). */
export function contextOptions(cmd: Command): Command {
  return cmd
    .option(
      '--T <steps>',
      `time steps each spiking layer integrates (1 to ${MAX_T})`,
      intOption('--T', 1, MAX_T),
      DEFAULT_OPTIONS.T,
    )
    .option(
      '--coding <c>',
      `how values travel between layers (${CODING_CHOICES.join(', ')}): spike rates over a window of T steps, ` +
        'or graded sigma-delta spikes that send only what changed (Loihi 2); auto: rate, except for ' +
        'formats whose neurons reset to zero (lava-netx), which get sigma-delta',
      DEFAULT_OPTIONS.coding,
    )
    .option(
      '--sd-threshold <fraction>',
      "sigma-delta: each population's threshold as a fraction of its value range",
      fractionOption('--sd-threshold'),
      DEFAULT_OPTIONS.sdThreshold,
    )
    .option('--strategy <s>', `neuron strategy for activations (${STRATEGIES.join(', ')})`, 'pwl')
    .option('--K <n>', 'ramps per activation for the pwl strategy', intOption('--K', 1, 256), DEFAULT_OPTIONS.K)
    .option(
      '--calib-samples <n>',
      'calibration inputs to draw',
      intOption('--calib-samples', 1, 1_000_000),
      DEFAULT_OPTIONS.calibSamples,
    )
    .option('--calib-inputs <file>', 'calibration inputs (JSON rows, as for eval --inputs)')
    .option('--domain <lo:hi,...>', 'draw calibration inputs uniformly from this box')
    .option('--no-weight-calibration', 'skip the least-squares weight calibration')
    .option(
      '--stagger <M>',
      'copies of each neuron feeding a readout, windows opening θ/M apart (1: none)',
      intOption('--stagger', 1, 64),
      DEFAULT_CONTEXT.stagger,
    )
    .option(
      '--finetune-steps <n>',
      'Adam steps fitting the whole network to the ANN through its spike counts (0: none)',
      intOption('--finetune-steps', 0, 1_000_000),
      DEFAULT_CONTEXT.finetuneSteps,
    )
    .option(
      '--percentile <p>',
      "clipping range: a percentile of the calibration data, or 'max'",
      DEFAULT_OPTIONS.percentile,
    )
    .option('--balance <mode>', 'threshold balancing per channel or layer', DEFAULT_OPTIONS.balance)
    .option('--reset <mode>', 'reset by subtraction or to zero', DEFAULT_OPTIONS.reset);
}

/**
 * Checks every pass-context option that needs no model (strategy, percentile, balance, reset, domain,
 * calibration inputs file), so that a wrong one is reported before any work starts.
 */
export function checkContextOptions(o: CompileOptions): void {
  passContext(o, undefined);
  if (o.domain) parseDomain(o.domain);
  if (o.calibInputs) readInputRows(o.calibInputs);
}

/** checkContextOptions, and the pipeline. */
export function checkConversionOptions(o: CompileOptions): void {
  checkContextOptions(o);
  pipelineOf(o);
}

/**
 * What the chosen backends can express, merged (src/backends states each format's): the pipeline
 * legalizes the network to fit. An option the formats cannot honour is a usage error.
 */
export function targetLimits(o: CompileOptions, backends: readonly Backend[]): FormatLimits {
  const limits = mergeFormatLimits(backends.map((b) => [b, FORMAT_LIMITS[b]]));
  const strict = backends.filter((b) => FORMAT_LIMITS[b].signedSpikes === false);
  const noSigmaDelta = backends.filter((b) => FORMAT_LIMITS[b].sigmaDelta === false);
  if (o.coding === 'sigma-delta' && noSigmaDelta.length)
    throw new UsageError(`--coding sigma-delta sends graded messages, which ${noSigmaDelta.join(', ')} cannot express`);
  if (limits.signedSpikes === false && o.strategy === 'signed')
    throw new UsageError(`--strategy signed sends ternary spikes, which ${strict.join(', ')} cannot express`);
  return limits;
}

export function passContext(o: CompileOptions, calibration: number[][] | undefined): PassContext {
  if (!(CODING_CHOICES as readonly string[]).includes(o.coding))
    throw new UsageError(`unknown coding '${o.coding}' (known: ${CODING_CHOICES.join(', ')})`);
  if (!(STRATEGIES as readonly string[]).includes(o.strategy))
    throw new UsageError(`unknown strategy '${o.strategy}' (known: ${STRATEGIES.join(', ')})`);
  const percentile = o.percentile === 'max' ? 'max' : Number(o.percentile);
  if (percentile !== 'max' && !(percentile > 50 && percentile <= 100))
    throw new UsageError(`--percentile must be in (50, 100] or 'max', not '${o.percentile}'`);
  if (o.balance !== 'channel' && o.balance !== 'layer')
    throw new UsageError(`--balance must be channel or layer, not '${o.balance}'`);
  if (o.reset !== 'subtract' && o.reset !== 'zero')
    throw new UsageError(`--reset must be subtract or zero, not '${o.reset}'`);
  return {
    ...DEFAULT_CONTEXT,
    calibration,
    T: o.T,
    strategy: o.strategy as Strategy,
    K: o.K,
    percentile,
    balance: o.balance,
    reset: o.reset,
    calibrateWeights: o.weightCalibration,
    stagger: o.stagger,
    finetuneSteps: o.finetuneSteps,
    sdThreshold: o.sdThreshold,
  };
}

export function pipelineOf(o: CompileOptions, coding: Coding = codingOf(o)): string[] {
  const names = parsePipeline(o.pipeline ?? (coding === 'sigma-delta' ? SIGMA_DELTA_PIPELINE : DEFAULT_PIPELINE));
  return o.calibrate ? names : withoutCorrections(names);
}

/** The passes compiling for hardware adds after pipelineOf's (TARGET_PIPELINE, for the coding). */
export function targetPipelineOf(o: CompileOptions, coding: Coding = codingOf(o)): string[] {
  const names = [...TARGET_PIPELINE[coding]];
  return o.calibrate ? names : withoutCorrections(names);
}

/**
 * What the compile says about the coding and arithmetic the formats it writes impose: a coding chosen
 * for them (auto), or rate coding reset to zero from rest where a format needs it.
 */
function codingNote(
  o: CompileOptions,
  coding: Coding,
  backends: readonly Backend[],
  limits: FormatLimits,
): string | undefined {
  const resetsToZero = backends.filter((b) => FORMAT_LIMITS[b].reset === 'zero' || FORMAT_LIMITS[b].restStart);
  if (!resetsToZero.length) return undefined;
  const within = `within ${backends.join(', ')}`;
  if (coding === 'sigma-delta')
    return o.coding === 'auto'
      ? `${within}: sigma-delta coding, since the neurons of ${resetsToZero.join(', ')} reset to zero and ` +
          "start at rest, which rate coding's corrections cannot model (--coding rate keeps rate coding)"
      : undefined;
  const noSigmaDelta = backends.filter((b) => FORMAT_LIMITS[b].sigmaDelta === false);
  const why =
    o.coding === 'auto' && limits.sigmaDelta === false
      ? ` (rate coding: ${noSigmaDelta.join(', ')} holds no sigma-delta neuron; ${resetsToZero.join(', ')} ` +
        'compiled on its own gets sigma-delta coding, far more accurate)'
      : '';
  return `${within}: neurons reset to zero and start at rest${why}`;
}

export function registerCompile(program: Command): void {
  conversionOptions(
    program
      .command('compile')
      .description('convert a trained model into a spiking network (snn-dialect IR)')
      .argument('<model>', 'model directory, model.json, .onnx, .nir, .sir or .sirpb'),
  )
    .option('-o, --output <file>', 'write the snn IR here (.sir or .sirpb); without it, print it')
    .option('--print-ir-after-all', 'print the IR after every pass')
    .option('--print-ir-after <pass>', 'print the IR after the named pass')
    .option('--print-ir-before <pass>', 'print the IR before the named pass')
    .option('--print-weights', 'print every weight in IR dumps')
    .option('--print-debuginfo', "print each op's loc (the model op it derives from, the pass that last changed it)")
    .option('--verify-each', 'run the verifier after every pass')
    .option('--pass-stats', 'print per-pass counters and times')
    .option(
      '--target <list>',
      `hardware profile (${[...PROFILES.keys()].join(', ')}) and/or backends (${BACKENDS.join(', ')}), ` +
        'comma-separated; backends need -o DIR',
    )
    .option('--chips <n>', "chips available to map-cores (default: the profile's)", intOption('--chips', 1))
    .option('--report', 'print the resource table (cores, neurons, synapses, memory per core, chips)')
    .action(async (modelPath: string, o: CompileOptions) => {
      const target = parseTarget(o.target);
      checkConversionOptions(o);
      for (const p of [o.printIrAfter, o.printIrBefore]) if (p) parsePipeline(p);
      if (target.backends.length) {
        if (!o.output) throw new UsageError(`--target ${target.backends.join(',')} writes files: give -o DIR`);
        checkOutputDir(o.output);
      } else if (o.output) {
        checkIrOutput(
          o.output,
          '-o',
          o.target
            ? `; to write hardware files, name backends in --target (${BACKENDS.join(', ')}) and give -o DIR`
            : '',
        );
      }
      const limits = targetLimits(o, target.backends);
      const coding = codingOf(o, limits);
      const model = await loadModel(modelPath);
      const forHardware = target.backends.length || o.target;
      const names = [...pipelineOf(o, coding), ...(forHardware ? targetPipelineOf(o, coding) : [])];
      const ctx = { ...passContext(o, calibrationInputs(model, o)), limits, profile: target.profile, chips: o.chips };
      checkPipelineNeeds(names, ctx);
      say(`compiling ${modelPath}: ${names.length} passes`);
      const note = codingNote(o, coding, target.backends, limits);
      if (note) say(note);
      const { graph, records } = runPipeline(withDomain(model.graph, o), names, ctx, {
        printAfter: o.printIrAfterAll ? 'all' : o.printIrAfter ? new Set([o.printIrAfter]) : undefined,
        printBefore: o.printIrBefore ? new Set([o.printIrBefore]) : undefined,
        printWeights: o.printWeights,
        printDebuginfo: o.printDebuginfo,
        verifyEach: o.verifyEach,
        print: (t) => process.stdout.write(t),
        progress: pipelineProgress('compile'),
      });
      if (o.passStats) process.stderr.write(formatPassStats(records));
      if (o.report) process.stderr.write(formatReport(coreUsage(graph, ctx), ctx.profile));
      if (target.backends.length && o.output) {
        const written = await emit(graph, target.backends, o.output, coreUsage(graph, ctx), ctx.profile);
        for (const [what, path] of written) process.stderr.write(`spikec: wrote ${path} (${what})\n`);
      } else if (o.output) {
        writeGraphFile(o.output, graph);
        process.stderr.write(`spikec: wrote ${o.output} (${graph.nodes.length} ops)\n`);
      } else if (!o.printIrAfterAll && !o.printIrAfter && !o.printIrBefore) process.stdout.write(printGraph(graph));
    });
}
