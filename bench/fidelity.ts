import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNir } from '../src/backends/nir.js';
import { importNir, loadModel } from '../src/frontend/index.js';
import { Rng, readProblemFile } from '../src/frontend/train/index.js';
import { type Graph, packageRoot } from '../src/ir/index.js';
import { DEFAULT_CONTEXT, DEFAULT_PIPELINE, runPipeline } from '../src/passes/index.js';
import { simulate } from '../src/sim/simulate.js';
import { mdRow } from './markdown.js';
import { ORACLES, nirRewrite, runLavaScript } from './oracles.js';

/**
 * The emitted files in the real tools of ../shared/oracles, per bundled model and ONNX fixture: the
 * lava-py script in Lava (outputs and every population's spikes at every step, 16 inputs) and the
 * NIR file through nir.read + nir.write and back into spikec (the same network, the same outputs).
 * poisson2d runs the default pipeline; the others calibrate without finetune (minutes less each).
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
}

async function check(name: string, ann: Graph, domain: [number, number][], passes: readonly string[]) {
  const ctx = { ...DEFAULT_CONTEXT, calibration: new Rng(7).box(domain, 256) };
  const g = runPipeline(ann, [...passes, 'quantize'], ctx).graph;
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
  };
  try {
    const lava = runLavaScript(g, rows);
    row.lava_py_outputs_differing = expected.filter(
      (o, r) => JSON.stringify(o) !== JSON.stringify(lava.outputs[r]),
    ).length;
    rows.forEach((x, r) => {
      for (const [id, steps] of simulate(g, [x], { trace: true }).trace!) {
        steps.forEach((s, t) =>
          s.forEach((v, i) => {
            row.lava_py_spikes += v !== 0 ? 1 : 0;
            row.lava_py_spikes_differing += lava.rasters[r][id][t][i] !== v ? 1 : 0;
          }),
        );
      }
    });
    row.lava_py = row.lava_py_outputs_differing || row.lava_py_spikes_differing ? 'DIFFERS' : 'identical';
  } catch (e) {
    row.lava_py = `refused: ${(e as Error).message.split('\n')[0]}`;
  }
  try {
    const [ours, theirs] = [join(dir, 'net.nir'), join(dir, 'rewritten.nir')];
    await writeNir(g, ours);
    nirRewrite(ours, theirs);
    const back = await importNir(theirs);
    const same = JSON.stringify(simulate(back, rows).outputs) === JSON.stringify(expected);
    row.nir = same ? 'identical outputs' : 'DIFFERS';
  } catch (e) {
    row.nir = `refused: ${(e as Error).message.split('\n')[0]}`;
  }
  return row;
}

export async function fidelityBench(log: (s: string) => void): Promise<{ rows: FidelityRow[] }> {
  if (!existsSync(ORACLES)) throw new Error(`the real tools are not at ${ORACLES}`);
  const rows: FidelityRow[] = [];
  const models = [
    'poisson1d',
    'poisson1d-sin',
    'poisson2d',
    'heat1d',
    'burgers1d',
    'navier-stokes2d',
    'poisson2d-spinn',
  ];
  for (const m of models) {
    const dir = join(ROOT, 'examples', m);
    const passes = m === 'poisson2d' ? DEFAULT_PIPELINE : FAST;
    rows.push(await check(m, (await loadModel(dir)).graph, readProblemFile(dir)!.domain, passes));
    log(`  ${JSON.stringify(rows.at(-1))}`);
  }
  for (const f of ['poisson2d_tanh', 'poisson2d_spinn']) {
    const model = await loadModel(join(ROOT, 'test', 'fixtures', 'onnx', `${f}.onnx`));
    const domain: [number, number][] = [
      [0, 1],
      [0, 1],
    ];
    rows.push(await check(`${f}.onnx`, model.graph, domain, FAST));
    log(`  ${JSON.stringify(rows.at(-1))}`);
  }
  return { rows };
}

export function fidelityMarkdown(rows: readonly FidelityRow[]): string {
  const head = mdRow([
    'model',
    'pipeline',
    'inputs',
    'lava-py in Lava',
    'spikes',
    'differing spikes',
    'NIR via nir.read/write',
  ]);
  const body = rows.map((r) =>
    mdRow([r.model, r.pipeline, r.inputs, r.lava_py, r.lava_py_spikes, r.lava_py_spikes_differing, r.nir]),
  );
  return [head, '|---|---|---:|---|---:|---:|---|', ...body].join('\n') + '\n';
}
