import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORMAT_LIMITS } from '../src/backends/index.js';
import { NETX_LIMITS } from '../src/backends/netx.js';
import { writeNir } from '../src/backends/nir.js';
import { importNir, loadModel } from '../src/frontend/index.js';
import { Rng, readProblemFile } from '../src/frontend/train/index.js';
import { type Graph, packageRoot } from '../src/ir/index.js';
import {
  DEFAULT_CONTEXT,
  DEFAULT_PIPELINE,
  SIGMA_DELTA_PIPELINE,
  TARGET_PIPELINE,
  runPipeline,
} from '../src/passes/index.js';
import { simulate } from '../src/sim/simulate.js';
import { BUNDLED_MODELS, ONNX_FIXTURES } from './common.js';
import { mdRow } from './markdown.js';
import { type VerifySetup, measure, verifySetup } from '../src/verification/measure.js';
import { evalAnn } from '../src/sim/ann-eval.js';
import { type LavaRun, compareNorse, nirReadWrite, oraclesMissing, runLavaScript, runNetx } from './oracles.js';

/**
 * The emitted files in the real tools of the oracle folder (oracles.ts), per bundled model and ONNX fixture: the
 * lava-py script in Lava (outputs and every population's spikes at every step, 16 inputs), the NIR
 * network's file through nir.read + nir.write and back into spikec (the same network, the same outputs)
 * and run by Norse (spikes and outputs against spikec sim; a SPINN's is refused: NIR has no product), and
 * the network compiled within netx's limits (--target lava-netx) loaded by netx.hdf5.Network and run
 * in Lava (outputs and spikes, the same 16 inputs), with what that legalization costs: SNN vs exact
 * on the test grid of the Loihi 2 integer network and of the netx one. The three formats hold one chain
 * of layers: a SPINN's branches are merged into one (merge-branches) for them, its product on the host.
 * poisson2d runs the default pipeline; the others calibrate without finetune (minutes less each).
 * Last, what `spikec compile MODEL --target loihi2,lava-netx` compiles with no --coding (the Loihi 2
 * family's network: sigma-delta layers, the default sigma-delta pipeline and its integer finetune): SNN
 * vs exact, and its netx file in Lava against spikec sim, message for message.
 */
const ROOT = packageRoot();
const FAST = ['fold-weights', 'threshold-balance', 'lower-to-snn', 'calibrate', 'stagger', 'fold-weights'];

export interface FidelityRow {
  model: string;
  pipeline: string;
  inputs: number;
  lava_py: string;
  lava_py_spikes: number;
  lava_py_spikes_differing: number;
  lava_py_outputs_differing: number;
  nir: string;
  netx: string;
  netx_spikes: number;
  netx_spikes_differing: number;
  netx_outputs_differing: number;
  integer_vs_exact: number | null;
  netx_vs_exact: number | null;
  /** The default compile for lava-netx (sigma-delta): its netx file in Lava, and SNN vs exact. */
  netx_default: string;
  netx_default_messages: number;
  netx_default_messages_differing: number;
  netx_default_vs_exact: number | null;
  netx_default_settle_steps: number | null;
}

/** A real tool's run of `g` on `rows` against spikec sim: outputs, and every population's spikes per step. */
export function compare(g: Graph, rows: number[][], expected: number[][], run: LavaRun) {
  const outputsDiffering = expected.filter((o, r) => JSON.stringify(o) !== JSON.stringify(run.outputs[r])).length;
  let [spikes, spikesDiffering] = [0, 0];
  rows.forEach((x, r) => {
    for (const [id, steps] of simulate(g, [x], { trace: true }).trace!)
      steps.forEach((s, t) =>
        s.forEach((v, i) => {
          spikes += v !== 0 ? 1 : 0;
          spikesDiffering += run.rasters[r][id]?.[t]?.[i] !== v ? 1 : 0;
        }),
      );
  });
  const verdict = outputsDiffering || spikesDiffering ? 'DIFFERS' : 'identical';
  return { verdict, spikes, spikesDiffering, outputsDiffering };
}

const refusal = (e: unknown): string => `refused: ${(e as Error).message.split('\n')[0]}`;

async function check(
  name: string,
  ann: Graph,
  domain: [number, number][],
  passes: readonly string[],
  setup: VerifySetup,
) {
  const ctx = { ...DEFAULT_CONTEXT, calibration: new Rng(7).box(domain, 256) };
  // what --target loihi2 compiles, and what --target lava-py does: a SPINN's branches merged into one chain
  const plain = runPipeline(ann, [...passes, 'quantize'], ctx).graph;
  const limits = FORMAT_LIMITS['lava-py'];
  const g = runPipeline(ann, [...passes, 'merge-branches', 'quantize'], { ...ctx, limits }).graph;
  const rows = new Rng(99).box(domain, 16);
  const dir = mkdtempSync(join(tmpdir(), 'spikec-fidelity-'));
  const expected = simulate(g, rows).outputs;
  const row: FidelityRow = {
    model: name,
    pipeline: passes === DEFAULT_PIPELINE ? 'default' : 'no finetune',
    inputs: rows.length,
    lava_py: '',
    lava_py_spikes: 0,
    lava_py_spikes_differing: 0,
    lava_py_outputs_differing: 0,
    nir: '',
    netx: '',
    netx_spikes: 0,
    netx_spikes_differing: 0,
    netx_outputs_differing: 0,
    integer_vs_exact: null,
    netx_vs_exact: null,
    netx_default: '',
    netx_default_messages: 0,
    netx_default_messages_differing: 0,
    netx_default_vs_exact: null,
    netx_default_settle_steps: null,
  };
  try {
    const c = compare(g, rows, expected, runLavaScript(g, rows));
    [row.lava_py, row.lava_py_spikes, row.lava_py_spikes_differing] = [c.verdict, c.spikes, c.spikesDiffering];
    row.lava_py_outputs_differing = c.outputsDiffering;
  } catch (e) {
    row.lava_py = refusal(e);
  }
  try {
    // what --target nir compiles (float, within NIR's fields), through nir.read + nir.write, and run by Norse
    const nir = runPipeline(ann, [...passes, 'merge-branches'], { ...ctx, limits: FORMAT_LIMITS.nir }).graph;
    const [ours, theirs] = [join(dir, 'net.nir'), join(dir, 'rewritten.nir')];
    await writeNir(nir, ours);
    nirReadWrite(ours, theirs);
    const back = await importNir(theirs);
    const same = JSON.stringify(simulate(back, rows).outputs) === JSON.stringify(simulate(nir, rows).outputs);
    const norse = compareNorse(nir, ours, rows);
    row.nir =
      `${same ? 'identical outputs' : 'DIFFERS'}; Norse: ${norse.spikesDiffering} of ${norse.spikes} spikes ` +
      `differ, outputs within ${norse.maxOutputDifference.toExponential(1)}`;
  } catch (e) {
    row.nir = refusal(e);
  }
  row.integer_vs_exact = (await measure(setup, plain)).snn_vs_exact;
  try {
    const legal = runPipeline(ann, [...passes, 'merge-branches', 'quantize'], { ...ctx, limits: NETX_LIMITS }).graph;
    row.netx_vs_exact = (await measure(setup, legal)).snn_vs_exact;
    const c = compare(legal, rows, simulate(legal, rows).outputs, await runNetx(legal, rows));
    [row.netx, row.netx_spikes, row.netx_spikes_differing] = [c.verdict, c.spikes, c.spikesDiffering];
    row.netx_outputs_differing = c.outputsDiffering;
  } catch (e) {
    row.netx = refusal(e);
  }
  try {
    const target = TARGET_PIPELINE['sigma-delta'].filter((p) => p !== 'map-cores');
    const sd = runPipeline(ann, [...SIGMA_DELTA_PIPELINE, ...target], { ...ctx, limits: NETX_LIMITS }).graph;
    const m = await measure(setup, sd);
    [row.netx_default_vs_exact, row.netx_default_settle_steps] = [m.snn_vs_exact, m.settle_steps?.max ?? null];
    const c = compare(sd, rows, simulate(sd, rows).outputs, await runNetx(sd, rows));
    [row.netx_default, row.netx_default_messages] = [c.verdict, c.spikes];
    row.netx_default_messages_differing = c.spikesDiffering;
  } catch (e) {
    row.netx_default = refusal(e);
  }
  return row;
}

export async function fidelityBench(log: (s: string) => void): Promise<{ rows: FidelityRow[] }> {
  const missing = oraclesMissing();
  if (missing) throw new Error(`the real tools cannot run: ${missing}`);
  const rows: FidelityRow[] = [];
  for (const m of BUNDLED_MODELS) {
    const dir = join(ROOT, 'examples', m);
    const passes = m === 'poisson2d' ? DEFAULT_PIPELINE : FAST;
    const setup = await verifySetup(dir);
    rows.push(await check(m, setup.ann, readProblemFile(dir)!.domain, passes, setup));
    log(`  ${JSON.stringify(rows.at(-1))}`);
  }
  for (const f of ONNX_FIXTURES) {
    const model = await loadModel(join(ROOT, 'test', 'fixtures', 'onnx', `${f}.onnx`));
    const domain: [number, number][] = [
      [0, 1],
      [0, 1],
    ];
    const problem = await verifySetup(join(ROOT, 'examples', 'poisson2d'));
    const setup = { ...problem, ann: model.graph, annOut: evalAnn(model.graph, problem.points) };
    rows.push(await check(`${f}.onnx`, model.graph, domain, FAST, setup));
    log(`  ${JSON.stringify(rows.at(-1))}`);
  }
  return { rows };
}

const sci = (x: number | null): string => (x === null ? 'n/a' : x.toExponential(2));

export function fidelityMarkdown(rows: readonly FidelityRow[]): string {
  const head = mdRow([
    'model',
    'pipeline',
    'inputs',
    'lava-py in Lava',
    'spikes',
    'differing spikes',
    'NIR via nir.read/write',
    'netx in Lava',
    'netx spikes',
    'differing',
    'SNN vs exact: Loihi 2 integer',
    'SNN vs exact: within netx',
    '--target lava-netx (sigma-delta): netx in Lava',
    'messages',
    'differing',
    'SNN vs exact (steps)',
  ]);
  const body = rows.map((r) =>
    mdRow([
      r.model,
      r.pipeline,
      r.inputs,
      r.lava_py,
      r.lava_py_spikes,
      r.lava_py_spikes_differing,
      r.nir,
      r.netx,
      r.netx_spikes,
      r.netx_spikes_differing,
      sci(r.integer_vs_exact),
      sci(r.netx_vs_exact),
      r.netx_default,
      r.netx_default_messages,
      r.netx_default_messages_differing,
      `${sci(r.netx_default_vs_exact)} (${r.netx_default_settle_steps ?? 'n/a'})`,
    ]),
  );
  const align = '|---|---|---:|---|---:|---:|---|---|---:|---:|---:|---:|---|---:|---:|---:|';
  return [head, align, ...body].join('\n') + '\n';
}
