import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readProblemFile } from '../src/frontend/train/index.js';
import { type Graph, packageRoot, readGraphFile } from '../src/ir/index.js';
import { Rng } from '../src/sim/rng.js';
import { measure, verifySetup } from '../src/verification/measure.js';
import { BUNDLED_MODELS } from './common.js';
import { compileWith, sirIn } from './families.js';
import { mdRow, sci, sciTimes } from './markdown.js';
import { compareNorse, oraclesMissing, stepsOf } from './oracles.js';

/** The chain models (a SPINN's product has no NIR node), and the PyTorch tanh PINN on poisson2d's problem. */
function chainModels(): { name: string; dir: string }[] {
  const here = packageRoot();
  const dir = mkdtempSync(join(tmpdir(), 'spikec-nir-bench-onnx-'));
  copyFileSync(join(here, 'test', 'fixtures', 'onnx', 'poisson2d_tanh.onnx'), join(dir, 'model.onnx'));
  copyFileSync(join(here, 'examples', 'poisson2d', 'problem.json'), join(dir, 'problem.json'));
  const bundled = BUNDLED_MODELS.filter((m) => !m.includes('spinn')).map((name) => ({
    name,
    dir: join(here, 'examples', name),
  }));
  return [...bundled, { name: 'poisson2d_tanh.onnx', dir }];
}

export interface NirRow {
  readonly model: string;
  readonly ann_vs_exact: number | null;
  /** `--coding rate --target loihi2`: subtract reset, window openings, Loihi integers (NIR cannot state it). */
  readonly rate_vs_exact: number | null;
  readonly rate_ops_per_mac: number;
  /** `--target nir`: what the NIR file holds. */
  readonly nir_vs_exact: number | null;
  readonly nir_ops_per_mac: number;
  readonly T: number;
}

/** What Norse computed on a default `--target nir` file against spikec sim. */
export interface NorseCheck {
  readonly model: string;
  readonly inputs: number;
  readonly steps: number;
  /** Spikes (population, step, neuron) where Norse and spikec sim differ. */
  readonly differing_spikes: number;
  readonly spikes: number;
  readonly max_output_difference: number;
}

/**
 * Per chain model, both with no option beyond the target: the rate network of today's default method
 * for Loihi 2 (`--coding rate --target loihi2`), and the network `--target nir` writes, each measured on
 * the problem's test grid by spikec's simulator. Then, where the real tools are present, Norse runs the
 * NIR files of poisson2d and heat1d on 16 inputs against spikec sim.
 */
export async function nirBench(log: (s: string) => void): Promise<{ rows: NirRow[]; norse: NorseCheck[] }> {
  const rows: NirRow[] = [];
  const nirFiles = new Map<string, { dir: string; graph: Graph }>();
  for (const { name, dir: model } of chainModels()) {
    log(`nir: ${name}`);
    const dir = mkdtempSync(join(tmpdir(), `spikec-nir-bench-${name}-`));
    compileWith(packageRoot(), model, ['--coding', 'rate', '--target', 'loihi2'], join(dir, 'rate.sir'));
    compileWith(packageRoot(), model, ['--target', 'nir'], join(dir, 'nir'));
    const setup = await verifySetup(model);
    const nirGraph = readGraphFile(sirIn(join(dir, 'nir')));
    const [r, n] = await Promise.all([measure(setup, readGraphFile(join(dir, 'rate.sir'))), measure(setup, nirGraph)]);
    nirFiles.set(name, { dir: join(dir, 'nir'), graph: nirGraph });
    rows.push({
      model: name,
      ann_vs_exact: r.ann_vs_exact,
      rate_vs_exact: r.snn_vs_exact,
      rate_ops_per_mac: r.synops_per_inference / r.ann_macs_per_inference,
      nir_vs_exact: n.snn_vs_exact,
      nir_ops_per_mac: n.synops_per_inference / n.ann_macs_per_inference,
      T: n.T,
    });
  }
  const norse: NorseCheck[] = [];
  const missing = oraclesMissing();
  if (missing) log(`nir: Norse check skipped: ${missing}`);
  else
    for (const model of ['poisson2d', 'heat1d']) {
      const { dir, graph } = nirFiles.get(model)!;
      const domain = readProblemFile(join(packageRoot(), 'examples', model))!.domain;
      const inputs = new Rng(11).box(domain, 16).map((r) => r.map((x) => Math.round(x * 64) / 64));
      const nirFile = join(
        dir,
        readdirSync(dir).find((f) => f.endsWith('.nir'))!,
      );
      log(`nir: Norse runs ${model}'s NIR file on ${inputs.length} inputs`);
      const c = compareNorse(graph, nirFile, inputs);
      norse.push({
        model,
        inputs: inputs.length,
        steps: stepsOf(graph) - 1,
        differing_spikes: c.spikesDiffering,
        spikes: c.spikes,
        max_output_difference: c.maxOutputDifference,
      });
    }
  return { rows, norse };
}

export function nirMarkdown(r: { rows: NirRow[]; norse: NorseCheck[] }, made: string, date: string): string {
  return [
    `<!-- made by: ${made} -->`,
    `# The NIR network (${date})`,
    '',
    "SNN vs exact on each problem's test grid (relative L2; in brackets, times the ANN's error), measured by",
    "spikec's simulator, no options beyond the target. Operations per query over the ANN's multiply-accumulates.",
    "The rate network is today's default method for Loihi 2 (`--coding rate --target loihi2`: subtract reset,",
    'window openings, Loihi integers), which NIR cannot state; the NIR network is what `--target nir` writes:',
    'float, reset to zero, at rest until its input arrives, no synaptic delay, the readout averaging T steps.',
    '',
    mdRow(['model', 'ANN vs exact', 'rate network', 'ops/MAC', 'NIR network', 'ops/MAC', 'NIR / rate', 'T']),
    mdRow(Array(8).fill('---')),
    ...r.rows.map((x) =>
      mdRow([
        x.model,
        sci(x.ann_vs_exact),
        sciTimes(x.rate_vs_exact, x.ann_vs_exact),
        x.rate_ops_per_mac.toFixed(0),
        sciTimes(x.nir_vs_exact, x.ann_vs_exact),
        x.nir_ops_per_mac.toFixed(0),
        x.rate_vs_exact && x.nir_vs_exact ? (x.nir_vs_exact / x.rate_vs_exact).toFixed(1) : 'n/a',
        String(x.T),
      ]),
    ),
    '',
    '## Norse runs the NIR files (norse.torch.from_nir, float64; NIR fields only)',
    '',
    r.norse.length
      ? [
          mdRow(['model', 'inputs', 'steps', 'spikes', 'differing spikes', 'largest output difference']),
          mdRow(Array(6).fill('---')),
          ...r.norse.map((n) =>
            mdRow([
              n.model,
              String(n.inputs),
              String(n.steps),
              String(n.spikes),
              String(n.differing_spikes),
              n.max_output_difference.toExponential(2),
            ]),
          ),
        ].join('\n')
      : 'not run: the real tools are not in the oracle folder',
    '',
  ].join('\n');
}
