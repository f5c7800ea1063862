import type { Command } from 'commander';
import { CODINGS, type Coding, type FormatLimits, PROFILES } from '../ir/index.js';
import { type Backend, BACKENDS, FORMAT_LIMITS } from '../backends/index.js';
import {
  DEFAULT_CONTEXT,
  DEFAULT_PIPELINE,
  MAX_T,
  type PassContext,
  SIGMA_DELTA_PIPELINE,
  TARGET_PIPELINE,
  STRATEGIES,
  type Strategy,
  parsePipeline,
  withoutCorrections,
} from '../passes/index.js';
import { DEFAULT_CALIB_SAMPLES, parseDomain } from '../verification/calibration-data.js';
import { UsageError } from './errors.js';
import { type NetworkPlan, type Target, mergedLimits } from './networks.js';
import { readInputRows } from '../verification/input-rows.js';
import { fractionOption, intOption } from './options.js';

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
  tolerance?: number;
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

/** What `--coding` accepts: a coding, or auto (a network per target family, cli/networks.ts). */
const CODING_CHOICES = ['auto', ...CODINGS] as const;

/**
 * The coding of the one network a command builds from `o` (verify, opt): --coding's; for auto, rate for a
 * pipeline given by --pipeline (which chooses its own passes), else Loihi 2's sigma-delta.
 */
export function requestedCoding(o: CompileOptions): Coding {
  if (o.coding !== 'auto') return o.coding as Coding;
  return o.pipeline ? 'rate' : 'sigma-delta';
}

/** Splits --target into the hardware profile and the backends, rejecting unknown names (all listed). */
export function parseTarget(spec: string | undefined): Target {
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
    profileNamed: profiles.length > 0,
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
        'or graded sigma-delta spikes that send only what changed (Loihi 2); auto: sigma-delta for Loihi 2 ' +
        '(the loihi2 profile, lava-netx, lava-py), rate for binary spikes (nir, loihi1, generic), ' +
        'a network for each',
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
  const limits = mergedLimits(backends);
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

export function pipelineOf(o: CompileOptions, coding: Coding = requestedCoding(o)): string[] {
  const names = parsePipeline(o.pipeline ?? (coding === 'sigma-delta' ? SIGMA_DELTA_PIPELINE : DEFAULT_PIPELINE));
  return o.calibrate ? names : withoutCorrections(names);
}

/** The passes compiling for hardware adds after pipelineOf's (TARGET_PIPELINE, for the coding). */
export function targetPipelineOf(o: CompileOptions, coding: Coding = requestedCoding(o)): string[] {
  const names = [...TARGET_PIPELINE[coding]];
  return o.calibrate ? names : withoutCorrections(names);
}

/**
 * What the compile says about a network's coding: why auto chose it (Loihi 2's graded spikes, or a
 * format's binary ones), and where its formats make rate-coded neurons reset to zero from rest.
 */
export function codingNote(o: CompileOptions, plan: NetworkPlan, profile: string): string | undefined {
  const formats = plan.backends.filter((b) => b !== 'json');
  const what = formats.length ? formats.join(', ') : profile;
  if (plan.coding === 'sigma-delta')
    return o.coding === 'auto' && !o.pipeline
      ? `${what}: sigma-delta coding (Loihi 2's graded spikes; --coding rate builds the rate-coded network)`
      : undefined;
  const resetsToZero = formats.filter((b) => FORMAT_LIMITS[b].reset === 'zero' || FORMAT_LIMITS[b].restStart);
  const binary = formats.filter((b) => FORMAT_LIMITS[b].sigmaDelta === false);
  const why =
    o.coding === 'auto' && !o.pipeline
      ? binary.length
        ? ` (rate coding: ${binary.join(', ')} holds no sigma-delta neuron)`
        : ` (rate coding: ${profile} sends binary spikes)`
      : '';
  if (resetsToZero.length) return `within ${what}: neurons reset to zero and start at rest${why}`;
  return why ? `${what}${why}` : undefined;
}
