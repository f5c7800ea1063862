import type { NetworkOutput } from '../backends/index.js';
import type { LoadedModel } from '../frontend/index.js';
import type { Coding, Graph } from '../ir/index.js';
import {
  DEFAULT_K,
  PASSES,
  type PassContext,
  type PassRecord,
  type PipelineHooks,
  boxOf,
  checkPipelineNeeds,
  coreUsage,
  runPipeline,
} from '../passes/index.js';
import { calibrationInputs, inputDomain, withDomain } from '../verification/calibration-data.js';
import { type ValidationReport, formatValidation, validate, validationInputs } from '../verification/validation.js';
import { type CompileOptions, passContext, pipelineOf, targetPipelineOf } from './compile-options.js';
import { ToleranceError, UsageError } from './errors.js';
import type { NetworkPlan, Target } from './networks.js';
import { buildInThreads, canBuildInThreads } from './build-threads.js';
import { say } from './progress.js';

/** A network a compile built, and what it measured of it. */
export interface BuiltNetwork {
  readonly plan: NetworkPlan;
  readonly graph: Graph;
  readonly records: readonly PassRecord[];
  readonly ctx: PassContext;
  /** Against the ANN on validation inputs; absent when the model is not an ANN or has no domain. */
  readonly validation?: ValidationReport;
  /** With --tolerance: each setting tried, in order, and what it measured. */
  readonly tried?: readonly string[];
  /** The IR dumps (--print-ir-*) its pipeline printed, held until the network is chosen. */
  readonly dumps: readonly string[];
}

/**
 * The settings --tolerance tries after the one asked for, cheapest first: for sigma-delta more ramps per
 * activation, then a fit three times as long; for rate coding longer windows, then more ramps.
 */
function ladder(coding: Coding, o: CompileOptions): Partial<CompileOptions>[] {
  const K = o.K ?? DEFAULT_K[coding];
  return coding === 'sigma-delta'
    ? [{ K: Math.round(1.5 * K) }, { K: 2 * K }, { K: 2 * K, finetuneSteps: 3 * o.finetuneSteps }]
    : [{ T: 128 }, { T: 256 }, { T: 256, K: 2 * K }];
}

const describe = (over: Partial<CompileOptions>): string =>
  Object.keys(over).length === 0
    ? 'as asked'
    : Object.entries(over)
        .map(([k, v]) => `--${k === 'finetuneSteps' ? 'finetune-steps' : k} ${v}`)
        .join(' ');

export interface BuildRequest {
  readonly model: LoadedModel;
  readonly options: CompileOptions;
  readonly target: Target;
  /** Quantize and map onto cores (a --target was given). */
  readonly forHardware: boolean;
  readonly hooks?: PipelineHooks;
  /** What to say of each network's coding before building it. */
  readonly note?: (plan: NetworkPlan) => string | undefined;
}

/** What every network of one compile shares, computed once: plain data, so a build thread can take it. */
export interface BuildSetup {
  readonly model: LoadedModel;
  readonly options: CompileOptions;
  readonly target: Target;
  readonly forHardware: boolean;
  readonly calibration?: number[][];
  /** The model with its input domain, the graph every pipeline starts from. */
  readonly ann: Graph;
  /** Validation inputs drawn afresh from the domain (absent when the model is not an ANN or has no domain). */
  readonly inputs?: readonly (readonly number[])[];
}

/**
 * Checks that every pipeline of `plans` has what it needs and every format can hold the model, before any
 * of them runs; says what the compile builds; draws the calibration and validation inputs.
 */
export function prepareBuild(req: BuildRequest, plans: readonly NetworkPlan[]): BuildSetup {
  const { model, options: o } = req;
  const calibration = calibrationInputs(model, o);
  for (const plan of plans) checkPipelineNeeds(pipelineFor(req, plan, o), passContext(o, calibration));
  const host = model.graph.nodes.filter((n) => n.kind === 'ann.product');
  const noHost = plans.flatMap((p) => (p.limits.hostOps === false ? p.backends.filter((b) => b !== 'json') : []));
  if (host.length && noHost.length)
    throw new UsageError(
      `${model.file}: ${noHost.join(', ')} has no node for ${host.map((n) => `%${n.id}`).join(', ')}, the ` +
        "product of a SPINN's branches: compile it for lava-netx or lava-py",
    );
  say(
    `compiling ${model.dir ?? model.file}: ` +
      plans.map((p) => `a ${p.coding} network, ${pipelineFor(req, p, o).length} passes`).join('; '),
  );
  for (const plan of plans) {
    const note = req.note?.(plan);
    if (note) say(note);
  }
  const ann = withDomain(model.graph, o);
  const isAnn = !ann.nodes.some((n) => n.kind.startsWith('snn.'));
  const domain = inputDomain(model, o) ?? (calibration && boxOf(calibration));
  const inputs = isAnn && domain ? validationInputs(domain) : undefined;
  return { model, options: o, target: req.target, forHardware: req.forHardware, calibration, ann, inputs };
}

/** In messages and progress lines: the network's name among those of its compile. */
export const networkName = (plan: NetworkPlan): string => plan.stem ?? plan.coding;

/**
 * A network built by a pipeline in which a pass approximated the ANN (fold-univariate), or the one built
 * without that pass where it is closer to the ANN on the validation inputs: a fold trades the layers'
 * rounding for one sum of ramps whose 8-bit weights may lose more than they did.
 */
function closer(built: BuiltNetwork, without: () => BuiltNetwork, name: string): BuiltNetwork {
  const folded = built.records.filter((r) => PASSES.get(r.pass)?.approximatesAnn && r.stats.skipped === undefined);
  if (folded.length === 0 || !built.validation) return built;
  const other = without();
  const [a, b] = [built.validation.error_vs_ann, other.validation!.error_vs_ann];
  const passes = folded.map((r) => r.pass).join(', ');
  say(
    `${name}: with ${passes} ${a.toExponential(2)} from the ANN, without ${b.toExponential(2)}: ` +
      `${a <= b ? 'kept' : 'left out'}`,
  );
  return a <= b ? built : other;
}

/**
 * Builds the network of `plan`: its pipeline under its formats' limits, then validated against the ANN on
 * the setup's validation inputs. With --tolerance, a network that misses it is built again along `ladder`
 * until one meets it; none: a ToleranceError.
 */
export function buildPlan(setup: BuildSetup, plan: NetworkPlan, hooks?: PipelineHooks): BuiltNetwork {
  const { options: o, ann, inputs } = setup;
  const build = (over: Partial<CompileOptions>, approximate = true): BuiltNetwork => {
    const opts = { ...o, ...over };
    const all = pipelineFor(setup, plan, opts);
    const names = approximate ? all : all.filter((n) => !PASSES.get(n)?.approximatesAnn);
    const ctx: PassContext = {
      ...passContext(opts, setup.calibration),
      limits: plan.limits,
      profile: setup.target.profile,
      chips: o.chips,
    };
    const dumps: string[] = [];
    const held = hooks?.print ? { ...hooks, print: (text: string) => dumps.push(text) } : hooks;
    const { graph, records } = runPipeline(ann, names, ctx, held);
    return { plan, graph, records, ctx, validation: inputs && validate(ann, graph, inputs), dumps };
  };
  // only the chosen network's dumps are printed: a build left out (closer, the ladder) would dump the same passes again
  const chosen = (b: BuiltNetwork): BuiltNetwork => {
    for (const text of b.dumps) hooks?.print?.(text);
    return b;
  };
  const name = networkName(plan);
  const first = closer(build({}), () => build({}, false), name);
  if (o.tolerance === undefined || !first.validation) return chosen(first);
  const meets = (b: BuiltNetwork): boolean => b.validation!.error_vs_ann <= o.tolerance!;
  const line = (over: Partial<CompileOptions>, b: BuiltNetwork): string =>
    `${describe(over)}: ${b.validation!.error_vs_ann.toExponential(2)} from the ANN, ` +
    `${b.validation!.ops_per_ann_mac.toFixed(2)} operations per ANN MAC`;
  const tried = [line({}, first)];
  if (meets(first)) return chosen({ ...first, tried });
  let last = first;
  for (const over of ladder(plan.coding, o)) {
    say(`${name}: ${tried[tried.length - 1]} misses --tolerance ${o.tolerance}; trying ${describe(over)}`);
    last = closer(build(over), () => build(over, false), name);
    tried.push(line(over, last));
    if (meets(last)) return chosen({ ...last, tried });
  }
  chosen(last);
  throw new ToleranceError(
    `${setup.model.file}: no ${plan.coding} network met --tolerance ${o.tolerance} on ` +
      `${inputs!.length} validation inputs; tried:\n  ${tried.join('\n  ')}\nnothing written`,
  );
}

/**
 * Builds the networks of `plans` from one model, all from the same calibration inputs. They are
 * independent, so where there are several and cores to spare each is built in a thread of its own
 * (build-threads.ts) at the same time, with the same result as one after another; IR dumps
 * (--print-ir-*) keep them one after another, in order.
 */
export async function buildNetworks(req: BuildRequest, plans: readonly NetworkPlan[]): Promise<BuiltNetwork[]> {
  const setup = prepareBuild(req, plans);
  const dumps = Boolean(req.hooks?.printAfter || req.hooks?.printBefore);
  if (plans.length > 1 && !dumps && canBuildInThreads()) return buildInThreads(setup, plans, req.hooks?.verifyEach);
  return plans.map((plan) => {
    if (plans.length > 1) say(`${networkName(plan)} network, for ${plan.backends.join(', ') || setup.target.profile}`);
    return buildPlan(setup, plan, req.hooks);
  });
}

/** A built network as the backends write it: files, resources, and its coding and validation for the manifest. */
export const networkOutput = (b: BuiltNetwork): NetworkOutput => ({
  graph: b.graph,
  backends: b.plan.backends,
  stem: b.plan.stem,
  resources: coreUsage(b.graph, b.ctx),
  profile: b.ctx.profile,
  about: { coding: b.plan.coding, ...(b.validation ? { validation: b.validation } : {}) },
});

/** The passes a network of `plan` runs: its coding's pipeline, then quantize and map-cores for hardware. */
const pipelineFor = (req: { readonly forHardware: boolean }, plan: NetworkPlan, o: CompileOptions): string[] => [
  ...pipelineOf(o, plan.coding),
  ...(req.forHardware ? targetPipelineOf(o, plan.coding, plan.limits) : []),
];

/** The lines a compile prints about what it built. */
export function reportLines(built: readonly BuiltNetwork[], label: (b: BuiltNetwork) => string): string[] {
  return built.flatMap((b) => [
    ...(b.tried && b.tried.length > 1 ? [`${label(b)}: tried ${b.tried.join('; ')}`] : []),
    ...(b.validation ? [formatValidation(label(b), b.validation)] : []),
  ]);
}
