import type { PassOption } from './options.js';
import { type Coding, type FormatLimits, type Graph, type HardwareProfile, PROFILES } from '../ir/index.js';

export type Strategy = 'clip' | 'signed' | 'pwl';
export const STRATEGIES: readonly Strategy[] = ['clip', 'signed', 'pwl'];

/** What passes may read besides the graph. Plain data; passes never change it. */
export interface PassContext {
  /** Calibration inputs (rows of the model's inputs). */
  readonly calibration?: readonly (readonly number[])[];
  /** The ANN the network is converted from (the graph lower-to-snn received), for calibration. */
  readonly reference?: Graph;
  /** Time steps each spiking layer integrates. */
  readonly T: number;
  readonly strategy: Strategy;
  /** Ramps per activation for the pwl strategy; absent: the lowering's coding's own (DEFAULT_K). */
  readonly K?: number;
  /** Clipping range of activation inputs: this percentile of the calibration data, or the extremes. */
  readonly percentile: number | 'max';
  /** Threshold balancing per channel or per layer. */
  readonly balance: 'channel' | 'layer';
  readonly reset: 'subtract' | 'zero';
  readonly calibrateBias: boolean;
  readonly calibratePotential: boolean;
  readonly calibrateWeights: boolean;
  /** Copies of each neuron that feeds a readout, their windows opening θ/M apart (stagger). */
  readonly stagger: number;
  /**
   * Sigma-delta coding: each population's threshold as a fraction of its value range. A neuron's output
   * is within one threshold of its activation; a smaller one sends more messages.
   */
  readonly sdThreshold: number;
  /** Adam steps of finetune (0: the pass leaves the network as it is). */
  readonly finetuneSteps: number;
  /** finetune's step size, relative to the RMS of each tensor it trains. */
  readonly finetuneRate: number;
  /**
   * What the chosen output formats can express (each backend states its own): lower-to-snn starts
   * neurons at rest where a format demands it, quantize keeps weights and biases where its loader
   * reads them unchanged. Empty: no format limits the network.
   */
  readonly limits: FormatLimits;
  /** Hardware profile for quantize and map-cores (src/ir/profiles.ts). */
  readonly profile: string;
  /** Chips available to map-cores (the profile's count when absent). */
  readonly chips?: number;
  /** Told how far a long pass has got (steps done of total); an observer only, it never changes a result. */
  readonly progress?: (done: number, total: number) => void;
}

/**
 * The longest window (time steps per layer) spikec compiles or simulates. Rate coding's resolution at
 * 4,096 steps (1/T = 2.4e-4) is already finer than the float32 pwl fit of any bundled model, and one
 * verification on a 10,000-point grid at that length takes hours on two cores.
 */
export const MAX_T = 4096;

/**
 * Ramps per activation of the pwl strategy where --K is not given, per coding. A rate-coded ramp is a
 * neuron that spikes through the whole window, T times over; a sigma-delta ramp sends about one message
 * per query and reaches one synapse, so Loihi 2's network affords three times as many: poisson2d's netx
 * network, 1,024 validation inputs against the ANN, is at 2.59e-3 with 1.81 operations per ANN MAC at
 * K = 12, at 3.32e-3 with 1.68 at K = 10 (2026-12-07, docs/conversion.md).
 */
export const DEFAULT_K: Readonly<Record<Coding, number>> = { rate: 4, 'sigma-delta': 12 };

/**
 * The ramps per activation a lowering to `coding` fits: --K, else the coding's default (for sigma-delta
 * the K lower-to-sigma-delta scales to its operations budget, SD_OPS_BUDGET, starts from it).
 */
export const rampsOf = (ctx: PassContext, coding: Coding): number => ctx.K ?? DEFAULT_K[coding];

export const DEFAULT_CONTEXT: PassContext = {
  T: 64,
  strategy: 'pwl',
  percentile: 99.9,
  balance: 'channel',
  reset: 'subtract',
  calibrateBias: true,
  calibratePotential: true,
  calibrateWeights: true,
  stagger: 4,
  sdThreshold: 2 ** -10,
  finetuneSteps: 1000,
  finetuneRate: 1.5e-3,
  limits: {},
  profile: 'loihi2',
};

export type PassStats = Record<string, number | string>;

export interface PassResult {
  readonly graph: Graph;
  readonly stats: PassStats;
}

/** What a pass needs besides the graph: calibration inputs (rows of the model's inputs). */
export type PassNeed = 'calibration';

/** A named pure function over the IR that reports its own counters. */
export interface Pass {
  readonly name: string;
  readonly description: string;
  /** What it cannot run without; the pipeline checks these before the first pass runs. */
  readonly needs?: readonly PassNeed[];
  /** Lowers the ann dialect to the snn one: the graph it receives is the reference later passes measure against. */
  readonly lowersToSnn?: boolean;
  /**
   * Replaces the ANN by an approximation of it (still an ann graph): the graph it receives, not the one a
   * lowering later receives, is the reference passes after it fit and measure against.
   */
  readonly approximatesAnn?: boolean;
  /** Corrects the network towards the ANN (what --no-calibrate leaves out). */
  readonly correctsTowardsAnn?: boolean;
  /**
   * Runs on networks of this coding only (codingOf): the pass manager refuses any other graph before the
   * pass runs. Absent: any graph the pass accepts.
   */
  readonly coding?: Coding;
  /**
   * What the pass does whatever the coding (`quantize`, `finetune`): passes of one role and different
   * codings are the same step of each coding's pipeline, and a refusal names the one for the graph's coding.
   */
  readonly role?: string;
  /** The options it reads from the PassContext, as command-line flags (src/passes/options.ts). */
  readonly options?: readonly PassOption[];
  run(g: Graph, ctx: PassContext): PassResult;
}

/** Thrown by a pass that cannot run as asked (missing calibration data, a graph it cannot handle). */
export class PassError extends Error {
  constructor(
    readonly pass: string,
    message: string,
  ) {
    super(`${pass}: ${message}`);
    this.name = 'PassError';
  }
}

/** The ANN the network was converted from (what calibrate and finetune correct towards), or why there is none. */
export function needReference(pass: string, ctx: PassContext): Graph {
  if (!ctx.reference)
    throw new PassError(
      pass,
      'needs the ANN the network was converted from: run it in the same pipeline as lower-to-snn',
    );
  return ctx.reference;
}

export function needCalibration(pass: string, ctx: PassContext): readonly (readonly number[])[] {
  if (!ctx.calibration || ctx.calibration.length === 0) {
    throw new PassError(
      pass,
      'needs calibration inputs: give a model directory with problem.json, ' +
        '--calib-inputs FILE.json or --domain lo:hi,...',
    );
  }
  return ctx.calibration;
}

/** The hardware profile the context names, or an error naming the known ones. */
export function profileOf(pass: string, ctx: PassContext): HardwareProfile {
  const profile = PROFILES.get(ctx.profile);
  if (!profile)
    throw new PassError(pass, `unknown target profile '${ctx.profile}' (known: ${[...PROFILES.keys()].join(', ')})`);
  return profile;
}
