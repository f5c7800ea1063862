import { type Coding, type Graph, type LocSource, type Node, codingOf, printGraph, verify } from '../ir/index.js';
import { calibrate } from './calibrate.js';
import { finetune } from './finetune.js';
import { finetuneSigmaDelta } from './finetune-sigma-delta.js';
import { foldUnivariate } from './fold-univariate.js';
import { foldWeights } from './fold-weights.js';
import { lowerToSigmaDelta } from './lower-to-sigma-delta.js';
import { lowerToSnn } from './lower-to-snn.js';
import type { PassOption } from './options.js';
import { type Pass, type PassContext, PassError, type PassStats, needCalibration } from './pass.js';
import { mapCores } from './map-cores.js';
import { quantize } from './quantize.js';
import { quantizeSigmaDelta } from './quantize-sigma-delta.js';
import { settleStartPotentials } from '../fit/start-potential.js';
import { stagger } from './stagger.js';
import { mergeBranches } from './merge-branches.js';
import { thresholdBalance } from './threshold-balance.js';

/** Every pass, by name. */
export const PASSES: ReadonlyMap<string, Pass> = new Map(
  [
    foldUnivariate,
    foldWeights,
    thresholdBalance,
    lowerToSnn,
    lowerToSigmaDelta,
    calibrate,
    stagger,
    finetune,
    finetuneSigmaDelta,
    mergeBranches,
    quantize,
    quantizeSigmaDelta,
    mapCores,
  ].map((p) => [p.name, p]),
);

/** Every pass's options, each once, in the order of PASSES: what compile, verify and opt register. */
export const PASS_OPTIONS: readonly PassOption[] = [...new Set([...PASSES.values()].flatMap((p) => p.options ?? []))];

/** The options the named passes read, each once. */
export const optionsOf = (names: readonly string[]): PassOption[] => [
  ...new Set(names.flatMap((n) => PASSES.get(n)?.options ?? [])),
];

/**
 * What `spikec compile` runs: canonicalise, balance, convert, calibrate layer by layer, refine the
 * readout's counts, fit end to end, clean up.
 */
export const DEFAULT_PIPELINE: readonly string[] = [
  'fold-weights',
  'threshold-balance',
  'lower-to-snn',
  'calibrate',
  'stagger',
  'finetune',
  'fold-weights',
];

/**
 * What `spikec compile --coding sigma-delta` runs: a network of one input becomes the function of it it
 * computes (fold-univariate), canonicalise, find each activation's range, convert, fit end to end. A
 * sigma-delta neuron sends its value, not a rate: there are no counts for calibrate or stagger to
 * correct; finetune fits what a held query settles on (the ReLU network of the ramps) to the ANN, which
 * repairs what K ramps approximate.
 */
export const SIGMA_DELTA_PIPELINE: readonly string[] = [
  'fold-univariate',
  'fold-weights',
  'threshold-balance',
  'lower-to-sigma-delta',
  'finetune-sigma-delta',
];

/**
 * What compiling for hardware adds after the pipeline: merge-branches (for formats that hold one chain
 * of layers; it leaves anything else as it is), quantize and map-cores. A sigma-delta network is
 * fitted again in its own integers between them (finetune-sigma-delta on quantize-sigma-delta's
 * mantissas, quantization-aware), which 8-bit weights need; a rate-coded one's counts are fitted in float
 * before quantize.
 */
export const TARGET_PIPELINE: Readonly<Record<Coding, readonly string[]>> = {
  rate: ['merge-branches', 'quantize', 'map-cores'],
  'sigma-delta': ['merge-branches', 'quantize-sigma-delta', 'finetune-sigma-delta', 'map-cores'],
};

/** Parses "a,b,c" into pass names, rejecting unknown ones (all listed). */
export function parsePipeline(spec: string | readonly string[]): string[] {
  const names = (typeof spec === 'string' ? spec.split(',') : [...spec]).map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !PASSES.has(n));
  if (unknown.length)
    throw new PassError(
      'pipeline',
      `unknown pass${unknown.length > 1 ? 'es' : ''} ${unknown.map((u) => `'${u}'`).join(', ')} ` +
        `(known: ${[...PASSES.keys()].join(', ')})`,
    );
  if (names.length === 0) throw new PassError('pipeline', 'the pipeline is empty');
  return names;
}

/** The pipeline without the passes that correct the network towards the ANN (--no-calibrate). */
export function withoutCorrections(names: readonly string[]): string[] {
  return names.filter((n) => !PASSES.get(n)?.correctsTowardsAnn);
}

/**
 * Checks, before any pass runs, that the context holds what the passes declare they need, naming the
 * first that would fail.
 */
export function checkPipelineNeeds(names: readonly string[], ctx: PassContext): void {
  for (const name of names) if (PASSES.get(name)?.needs?.includes('calibration')) needCalibration(name, ctx);
}

/**
 * Refuses a graph whose coding is not the one the pass declares, naming the pass of the same role
 * that runs on the graph's coding, or the lowering it needs first.
 */
function checkCoding(pass: Pass, g: Graph): void {
  if (pass.coding === undefined) return;
  const coding = codingOf(g);
  if (coding === pass.coding) return;
  const instead = [...PASSES.values()].find((p) => p.role !== undefined && p.role === pass.role && p.coding === coding);
  throw new PassError(
    pass.name,
    coding === undefined
      ? `runs on ${pass.coding}-coded networks, and ${g.name} is not spiking yet: lower it first (` +
          `${[...PASSES.values()]
            .filter((p) => p.lowersToSnn)
            .map((p) => p.name)
            .join(' or ')})`
      : `runs on ${pass.coding}-coded networks, and ${g.name} is ${coding} coded` +
          (instead ? `: run ${instead.name} instead` : ''),
  );
}

/**
 * Runs one pass and settles the graph it returns: every population's initialV is set so that its
 * window opens at its openingV (start-potential.ts). Passes move window openings by stating them;
 * none has to know how the prologue before a window reaches them.
 */
export function runPass(pass: Pass, g: Graph, ctx: PassContext): { graph: Graph; stats: PassStats } {
  checkCoding(pass, g);
  const { graph, stats } = pass.run(g, ctx);
  return { graph: stampLocations(g, settleStartPotentials(graph), pass.name), stats };
}

/**
 * Every op the pass created or changed gets loc {source, pass}: the model ops it derives from (what the
 * pass stated: the lowerings state every one, a synapse its dense layer and its activation; else an op
 * it replaces keeps that op's source, and a new op takes the source of the ANN op it decodes, `origin`,
 * or of the op its name extends, `a0.syn` from `a0`) and the pass. Unchanged ops keep theirs.
 */
function stampLocations(before: Graph, after: Graph, pass: string): Graph {
  if (after === before) return after;
  const old = new Map(before.nodes.map((n) => [n.id, n]));
  const sourceOf = (id: string | undefined): LocSource | undefined => {
    const n = id === undefined ? undefined : old.get(id);
    return n ? (n.loc?.source ?? n.id) : undefined;
  };
  let changed = false;
  const nodes = after.nodes.map((n) => {
    if (old.get(n.id) === n) return n;
    changed = true;
    const origin = n.kind === 'snn.neurons' || n.kind === 'snn.readout' ? n.origin?.node : undefined;
    const dot = n.id.lastIndexOf('.');
    // what the pass stated, else the op it replaces, the ANN op it decodes, or the op its name extends
    const source =
      n.loc?.source ?? sourceOf(n.id) ?? sourceOf(origin) ?? sourceOf(dot > 0 ? n.id.slice(0, dot) : undefined);
    return { ...n, loc: { ...(source !== undefined ? { source } : {}), pass } } as Node;
  });
  return changed ? { ...after, nodes } : after;
}

export interface PipelineHooks {
  readonly printBefore?: ReadonlySet<string> | 'all';
  readonly printAfter?: ReadonlySet<string> | 'all';
  /** Print every weight in IR dumps. */
  readonly printWeights?: boolean;
  /** Print each op's loc (source op and pass) in IR dumps. */
  readonly printDebuginfo?: boolean;
  /** Run the verifier after every pass (always on in tests). */
  readonly verifyEach?: boolean;
  readonly print?: (text: string) => void;
  /** Told when each pass starts and ends, and how far a long pass has got. */
  readonly progress?: PipelineProgress;
}

export interface PipelineProgress {
  passStart(pass: string, index: number, total: number): void;
  passStep(pass: string, done: number, total: number): void;
  passEnd(pass: string, ms: number): void;
}

export interface PassRecord {
  readonly pass: string;
  readonly stats: PassStats;
  readonly ms: number;
}

const wants = (set: ReadonlySet<string> | 'all' | undefined, name: string): boolean =>
  set === 'all' || (set?.has(name) ?? false);

/**
 * Runs passes in order. The ANN that lower-to-snn receives, or an earlier pass that approximates it, is
 * kept as the reference later passes (calibrate, finetune) measure against. Dumps follow MLIR's
 * `// -----// IR Dump After NAME //----- //`.
 */
export function runPipeline(
  g: Graph,
  names: readonly string[],
  ctx: PassContext,
  hooks: PipelineHooks = {},
): { graph: Graph; records: PassRecord[] } {
  let cur = g;
  let context = ctx;
  /** Whether a pass has approximated the ANN (changed it): the reference is then the graph it received. */
  let approximated = false;
  const records: PassRecord[] = [];
  const dump = (when: 'Before' | 'After', name: string): void => {
    hooks.print?.(
      `// -----// IR Dump ${when} ${name} //----- //\n` +
        `${printGraph(cur, { weights: hooks.printWeights, debuginfo: hooks.printDebuginfo })}\n`,
    );
  };
  checkPipelineNeeds(names, ctx);
  const progress = hooks.progress;
  for (const [index, name] of names.entries()) {
    const pass = PASSES.get(name)!;
    if (wants(hooks.printBefore, name)) dump('Before', name);
    if (pass.lowersToSnn && !approximated) context = { ...context, reference: cur };
    progress?.passStart(name, index, names.length);
    const start = performance.now();
    const observed = progress
      ? { ...context, progress: (done: number, total: number) => progress.passStep(name, done, total) }
      : context;
    const { graph, stats } = runPass(pass, cur, observed);
    const ms = performance.now() - start;
    progress?.passEnd(name, ms);
    if (hooks.verifyEach) verify(graph, `after ${name}`);
    if (pass.approximatesAnn && graph !== cur && !approximated) {
      context = { ...context, reference: cur };
      approximated = true;
    }
    cur = graph;
    records.push({ pass: name, stats, ms });
    if (wants(hooks.printAfter, name)) dump('After', name);
  }
  return { graph: cur, records };
}

/** The --pass-stats table. */
export function formatPassStats(records: readonly PassRecord[]): string {
  // columns as wide as their widest entry: pass names and times line up whatever the pipeline
  const nameWidth = Math.max(0, ...records.map((r) => r.pass.length));
  const times = records.map((r) => `${r.ms.toFixed(1)} ms`);
  const timeWidth = Math.max(0, ...times.map((t) => t.length));
  const lines = records.map((r, i) => {
    const s = Object.entries(r.stats)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    return `  ${r.pass.padEnd(nameWidth)}  ${times[i].padStart(timeWidth)}  ${s}`.trimEnd();
  });
  return `pass statistics:\n${lines.join('\n')}\n`;
}
