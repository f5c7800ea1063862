import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot, readGraphFile } from '../src/ir/index.js';
import { measure, verifySetup } from '../src/verification/measure.js';
import { BUNDLED_MODELS, ONNX_FIXTURES } from './common.js';
import { checkout } from './compile.js';
import { mdRow, sci, sciTimes } from './markdown.js';
import { renderFrontier } from './sigma-delta.js';

/** The commit issue 30 measures against (its default: the rate-coded network for Loihi 2). */
export const FAMILIES_BASE = '5f165f5';

/** Every bundled model, and both ONNX fixtures each in a directory with poisson2d's problem. */
function modelDirs(): { name: string; dir: string }[] {
  const here = packageRoot();
  const onnx = ONNX_FIXTURES.map((name) => {
    const dir = mkdtempSync(join(tmpdir(), `spikec-families-${name}-model-`));
    copyFileSync(join(here, 'test', 'fixtures', 'onnx', `${name}.onnx`), join(dir, 'model.onnx'));
    copyFileSync(join(here, 'examples', 'poisson2d', 'problem.json'), join(dir, 'problem.json'));
    return { name: `${name}.onnx`, dir };
  });
  return [...BUNDLED_MODELS.map((name) => ({ name, dir: join(here, 'examples', name) })), ...onnx];
}

/** The spikec IR a compile wrote into `dir` (NAME.sir, or NAME.STEM.sir). */
export const sirIn = (dir: string, stem?: string): string =>
  join(
    dir,
    readdirSync(dir).find((f) => f.endsWith(stem ? `.${stem}.sir` : '.sir') && (stem || f.split('.').length === 2))!,
  );

export interface FamilyRow {
  readonly model: string;
  readonly ann_vs_exact: number | null;
  /** 5f165f5's `--target loihi2`: its Loihi 2 integer network (rate coding). */
  readonly base_vs_exact: number | null;
  readonly base_ops_per_mac: number;
  /** Today's `--target loihi2,lava-netx`: the network its netx file holds (sigma-delta). */
  readonly netx_vs_exact: number | null;
  readonly netx_ops_per_mac: number;
  readonly netx_steps: number;
  /** Today's float sigma-delta network (`--coding sigma-delta`, no target: what `verify --coding sigma-delta` runs). */
  readonly float_vs_exact: number | null;
  /** Today's `--target nir`: the network its NIR file holds (null: refused, a SPINN). */
  readonly nir_vs_exact: number | null;
  readonly nir_ops_per_mac: number;
  /** Each network of `--target loihi2,lava-netx,nir,lava-py` is byte for byte the one compiled alone. */
  readonly together_same_as_alone: boolean;
}

export interface TimingRow {
  readonly run: number;
  readonly base_seconds: number;
  readonly both_seconds: number;
}

/** `spikec compile MODEL ARGS -o OUT` with the spikec checked out at `root`; its wall-clock seconds. */
export function compileWith(root: string, model: string, args: readonly string[], out: string): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'bin', 'spikec.js'), 'compile', model, ...args, '-o', out], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`${root}: compile ${model} ${args.join(' ')}: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

const compile = (root: string, model: string, target: string, out: string): number =>
  compileWith(root, model, ['--target', target], out);

/**
 * Per model: 5f165f5's default Loihi 2 network, and today's per family (the netx file's sigma-delta
 * network, the NIR file's rate network), each measured on the problem's test grid by today's simulator;
 * whether compiling both families at once writes the same networks as compiling each alone. Then the
 * compile time of poisson2d with both families against 5f165f5's `--target loihi2`, alternating runs.
 */
export async function familiesBench(
  log: (s: string) => void,
  runs = 3,
): Promise<{ rows: FamilyRow[]; timing: TimingRow[] }> {
  const base = checkout(FAMILIES_BASE);
  const here = packageRoot();
  const rows: FamilyRow[] = [];
  const timing: TimingRow[] = [];
  try {
    for (const { name, dir: model } of modelDirs()) {
      const dir = mkdtempSync(join(tmpdir(), `spikec-families-${name}-`));
      log(`families: ${name}`);
      compile(base.root, model, 'loihi2', join(dir, 'base.sir'));
      compile(here, model, 'loihi2,lava-netx', join(dir, 'netx'));
      compileWith(here, model, ['--coding', 'sigma-delta'], join(dir, 'float.sir'));
      // NIR has no node for a SPINN's product: --target nir refuses it
      const nir = name.includes('spinn') ? undefined : join(dir, 'nir');
      if (nir) compile(here, model, 'nir', nir);
      compile(here, model, nir ? 'loihi2,lava-netx,nir,lava-py' : 'loihi2,lava-netx,lava-py', join(dir, 'both'));
      const setup = await verifySetup(model);
      const files = [join(dir, 'base.sir'), sirIn(join(dir, 'netx')), ...(nir ? [sirIn(nir)] : [])];
      const [b, x, n] = await Promise.all(files.map((f) => measure(setup, readGraphFile(f))));
      const float = await measure(setup, readGraphFile(join(dir, 'float.sir')));
      const same = (a: string, c: string): boolean => readFileSync(a).equals(readFileSync(c));
      rows.push({
        model: name,
        ann_vs_exact: b.ann_vs_exact,
        base_vs_exact: b.snn_vs_exact,
        base_ops_per_mac: b.synops_per_inference / b.ann_macs_per_inference,
        netx_vs_exact: x.snn_vs_exact,
        netx_ops_per_mac: x.synops_per_inference / x.ann_macs_per_inference,
        netx_steps: x.settle_steps?.max ?? x.T,
        float_vs_exact: float.snn_vs_exact,
        nir_vs_exact: n ? n.snn_vs_exact : null,
        nir_ops_per_mac: n ? n.synops_per_inference / n.ann_macs_per_inference : NaN,
        together_same_as_alone: nir
          ? same(files[1], sirIn(join(dir, 'both'), 'sigma-delta')) && same(files[2], sirIn(join(dir, 'both'), 'rate'))
          : same(files[1], sirIn(join(dir, 'both'))),
      });
    }
    const model = join(here, 'examples', 'poisson2d');
    for (let run = 1; run <= runs; run++) {
      const dir = mkdtempSync(join(tmpdir(), 'spikec-families-time-'));
      const baseSeconds = compile(base.root, model, 'loihi2', join(dir, 'base.sir'));
      const bothSeconds = compile(here, model, 'loihi2,lava-netx,nir,lava-py', join(dir, 'both'));
      const [b, c] = [baseSeconds.toFixed(1), bothSeconds.toFixed(1)];
      log(`families: poisson2d run ${run}: ${FAMILIES_BASE} ${b} s, both families ${c} s`);
      timing.push({ run, base_seconds: baseSeconds, both_seconds: bothSeconds });
    }
  } finally {
    base.remove();
  }
  return { rows, timing };
}

export function familiesMarkdown(r: { rows: FamilyRow[]; timing: TimingRow[] }, made: string, date: string): string {
  const table = [
    mdRow([
      'model',
      'ANN vs exact',
      `${FAMILIES_BASE} --target loihi2 (rate)`,
      'ops/MAC',
      'netx network (sigma-delta)',
      'ops/MAC',
      'steps',
      'float sigma-delta',
      'NIR network (rate)',
      'ops/MAC',
      'together = alone',
    ]),
    mdRow(Array(11).fill('---')),
    ...r.rows.map((x) =>
      mdRow([
        x.model,
        sci(x.ann_vs_exact),
        sciTimes(x.base_vs_exact, x.ann_vs_exact),
        x.base_ops_per_mac.toFixed(0),
        sciTimes(x.netx_vs_exact, x.ann_vs_exact),
        x.netx_ops_per_mac.toFixed(2),
        String(x.netx_steps),
        sciTimes(x.float_vs_exact, x.ann_vs_exact),
        sciTimes(x.nir_vs_exact, x.ann_vs_exact),
        Number.isNaN(x.nir_ops_per_mac) ? 'refused' : x.nir_ops_per_mac.toFixed(0),
        x.together_same_as_alone ? 'identical bytes' : 'DIFFERENT',
      ]),
    ),
  ];
  const mean = (k: 'base_seconds' | 'both_seconds'): number =>
    r.timing.reduce((s, t) => s + t[k], 0) / Math.max(1, r.timing.length);
  const timingRows = [
    mdRow(['run', `${FAMILIES_BASE} --target loihi2 (s)`, 'today --target loihi2,lava-netx,nir,lava-py (s)', 'ratio']),
    mdRow(['---', '---', '---', '---']),
    ...r.timing.map((t) =>
      mdRow([
        String(t.run),
        t.base_seconds.toFixed(1),
        t.both_seconds.toFixed(1),
        (t.both_seconds / t.base_seconds).toFixed(2),
      ]),
    ),
    mdRow([
      'mean',
      mean('base_seconds').toFixed(1),
      mean('both_seconds').toFixed(1),
      (mean('both_seconds') / mean('base_seconds')).toFixed(2),
    ]),
  ];
  return [
    `<!-- made by: ${made} -->`,
    `# A network per target family (${date})`,
    '',
    "SNN vs exact on each problem's test grid (relative L2), every network in its integer arithmetic as its",
    "files hold it, all measured by today's simulator; in brackets, times the ANN's error. Operations per",
    "query over the ANN's multiply-accumulates, as the hardware counts them (a synapse stored dense counts",
    'whether its weight is zero or not; the sigma-delta layers are stored sparse). No options beyond `--target`.',
    'The float sigma-delta network is the one before quantization (`--coding sigma-delta`, no target: what',
    '`spikec verify MODEL --coding sigma-delta` runs).',
    '',
    ...table,
    '',
    '![error against operations per query, every model, both families](families-frontier.svg)',
    '',
    '## Compile time, poisson2d (wall clock, alternating runs on one machine)',
    '',
    ...timingRows,
    '',
  ].join('\n');
}

/**
 * The frontier plot (families-frontier.svg/.png): per model, error against the exact solution over
 * operations per query as the hardware counts them, for the ANN (one multiply-accumulate each), the
 * base commit's Loihi 2 network and today's two families.
 */
export function familiesPlot(rows: readonly FamilyRow[]): Promise<string[]> {
  const point = (model: string, kind: string, ops: number, error: number | null) =>
    error === null ? [] : [{ model, kind, ops, error }];
  const values = rows.flatMap((r) => [
    ...point(r.model, 'ANN (float)', 1, r.ann_vs_exact),
    ...point(r.model, `${FAMILIES_BASE} Loihi 2 (rate)`, r.base_ops_per_mac, r.base_vs_exact),
    ...point(r.model, 'netx network (sigma-delta)', r.netx_ops_per_mac, r.netx_vs_exact),
    ...point(r.model, 'NIR network (rate)', r.nir_ops_per_mac, r.nir_vs_exact),
  ]);
  return renderFrontier(
    'families-frontier',
    'Error against the exact solution over operations per query (every model, no options)',
    values,
    'points',
    {
      shape: { field: 'model', type: 'nominal' },
      color: { field: 'kind', type: 'nominal', legend: { labelLimit: 400 } },
    },
  );
}
