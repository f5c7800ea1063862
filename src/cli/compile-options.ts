import type { Command } from 'commander';
import { CODINGS, type Coding, type FormatLimits, PROFILES } from '../ir/index.js';
import { type Backend, BACKENDS, FORMAT_LIMITS } from '../backends/index.js';
import {
  DEFAULT_CONTEXT,
  DEFAULT_PIPELINE,
  PASSES,
  PASS_OPTIONS,
  type PassContext,
  type PassOption,
  PassOptionError,
  SIGMA_DELTA_PIPELINE,
  TARGET_PIPELINE,
  type Strategy,
  attributeOf,
  defaultOf,
  parsePipeline,
  withoutCorrections,
} from '../passes/index.js';
import { DEFAULT_CALIB_SAMPLES, parseDomain } from '../verification/calibration-data.js';
import { UsageError } from './errors.js';
import { type NetworkPlan, type Target, mergedLimits } from './networks.js';
import { readInputRows } from '../verification/input-rows.js';
import { intOption } from './options.js';

/**
 * What compile, verify and opt are given. The pass options (T, strategy, K, ...) are commander's
 * attributes of PASS_OPTIONS' flags, already parsed; passContext copies them into the PassContext.
 */
export interface CompileOptions {
  T: number;
  coding: string;
  sdThreshold: number;
  strategy: Strategy;
  /** Absent: each coding's own (DEFAULT_K). */
  K?: number;
  calibSamples: number;
  calibrate: boolean;
  weightCalibration: boolean;
  stagger: number;
  finetuneSteps: number;
  pipeline?: string;
  calibInputs?: string;
  domain?: string;
  percentile: PassContext['percentile'];
  balance: PassContext['balance'];
  reset: PassContext['reset'];
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
  calibSamples: DEFAULT_CALIB_SAMPLES,
  calibrate: true,
  weightCalibration: DEFAULT_CONTEXT.calibrateWeights,
  stagger: DEFAULT_CONTEXT.stagger,
  finetuneSteps: DEFAULT_CONTEXT.finetuneSteps,
  percentile: DEFAULT_CONTEXT.percentile,
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

/** A pass option as commander takes it: its parser's PassOptionError becomes a UsageError. */
function register(cmd: Command, option: PassOption): Command {
  const parse = option.parse;
  if (!parse) return cmd.option(option.flag, option.help);
  const parser = (text: string): unknown => {
    try {
      return parse(text);
    } catch (err) {
      if (err instanceof PassOptionError) throw new UsageError(err.message);
      throw err;
    }
  };
  return cmd.option(option.flag, option.help, parser, defaultOf(option));
}

/**
 * Registers the options that set the pass context (what `opt` shares with `compile`): the coding and the
 * calibration inputs, then every pass's own options from the registry (PASS_OPTIONS).
 */
export function contextOptions(cmd: Command): Command {
  const shared = cmd
    .option(
      '--coding <c>',
      `how values travel between layers (${CODING_CHOICES.join(', ')}): spike rates over a window of T steps, ` +
        'or graded sigma-delta spikes that send only what changed (Loihi 2); auto: sigma-delta for Loihi 2 ' +
        '(the loihi2 profile, lava-netx, lava-py), rate for binary spikes (nir, loihi1, generic), ' +
        'a network for each',
      DEFAULT_OPTIONS.coding,
    )
    .option(
      '--calib-samples <n>',
      'calibration inputs to draw',
      intOption('--calib-samples', 1, 1_000_000),
      DEFAULT_OPTIONS.calibSamples,
    )
    .option('--calib-inputs <file>', 'calibration inputs (JSON rows, as for eval --inputs)')
    .option('--domain <lo:hi,...>', 'draw calibration inputs uniformly from this box');
  return PASS_OPTIONS.reduce(register, shared);
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
  const given = o as unknown as Record<string, unknown>;
  const fields = Object.fromEntries(
    PASS_OPTIONS.map((option) => [option.field, given[attributeOf(option)] ?? defaultOf(option)]),
  );
  return { ...DEFAULT_CONTEXT, ...fields, calibration };
}

export function pipelineOf(o: CompileOptions, coding: Coding = requestedCoding(o)): string[] {
  const names = parsePipeline(o.pipeline ?? (coding === 'sigma-delta' ? SIGMA_DELTA_PIPELINE : DEFAULT_PIPELINE));
  return o.calibrate ? names : withoutCorrections(names);
}

/**
 * The passes compiling for hardware adds after pipelineOf's (TARGET_PIPELINE, for the coding); formats
 * whose readers compute in real arithmetic (FormatLimits.real) keep the float network: no quantize-role pass.
 */
export function targetPipelineOf(
  o: CompileOptions,
  coding: Coding = requestedCoding(o),
  limits: FormatLimits = {},
): string[] {
  const names = TARGET_PIPELINE[coding].filter((n) => !(limits.real && PASSES.get(n)?.role === 'quantize'));
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
  if (plan.limits.zeroDelay)
    return `within ${what}: NIR's fields (float; reset to zero; each layer at rest until its input arrives)${why}`;
  if (resetsToZero.length) return `within ${what}: neurons reset to zero and start at rest${why}`;
  return why ? `${what}${why}` : undefined;
}
