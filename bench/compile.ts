import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Graph, packageRoot, readGraphFile, tanhMlp } from '../src/ir/index.js';
import { DEFAULT_CONTEXT, DEFAULT_PIPELINE, type PassContext, runPipeline } from '../src/passes/index.js';
import { Rng } from '../src/sim/rng.js';
import { calibrationInputs } from '../src/verification/calibration-data.js';
import { measure, verifySetup } from '../src/verification/measure.js';
import { render } from '../src/verification/plots.js';
import { RESULTS } from './common.js';
import { mdRow } from './markdown.js';

/** The commit issue 15 measures against. */
export const BASE_COMMIT = 'c343494';

/** One `spikec compile --pass-stats` run of the default pipeline on poisson2d. */
interface CompileRun {
  readonly commit: string;
  readonly wallSeconds: number;
  /** Per pass, in pipeline order (fold-weights appears twice). */
  readonly passes: { pass: string; ms: number }[];
  readonly floatSnnVsExact: number;
  /** The float network quantized by this commit's quantize. */
  readonly integerSnnVsExact: number;
  /** What the commit's own `spikec compile --target loihi2` writes (its own quantize). */
  readonly ownIntegerSnnVsExact?: number;
}

/** Width sweep: per-pass time of a 2 -> W -> W -> W -> 1 tanh MLP. */
interface WidthRow {
  readonly width: number;
  readonly synapses: number;
  readonly passes: { pass: string; ms: number }[];
}

export interface CompileBench {
  readonly runs: CompileRun[];
  readonly sweep: { readonly settings: Record<string, number>; readonly rows: WidthRow[] };
}

const passStats = (stderr: string): { pass: string; ms: number }[] =>
  [...stderr.matchAll(/^ {2}(\S+)\s+([\d.]+) ms/gm)].map((m) => ({ pass: m[1], ms: Number(m[2]) }));

/**
 * Compiles examples/poisson2d with the CLI of `root` (default pipeline, -o FILE.sir), then measures
 * the result, float and quantized for Loihi 2 by this commit's quantize, on the 10,000-point test grid
 * with this commit's simulator: both commits' networks are judged by the same code. With `own`, also
 * the integer network the commit's own `--target loihi2` compile writes.
 */
async function compileWith(
  root: string,
  commit: string,
  out: string,
  threads?: number,
  own = false,
): Promise<CompileRun> {
  const model = join(packageRoot(), 'examples', 'poisson2d');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'bin', 'spikec.js'), 'compile', model, '--pass-stats', '-o', out], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: threads ? { ...process.env, SPIKEC_THREADS: String(threads) } : process.env,
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${commit}: compile failed: ${r.stderr}`);
  const setup = await verifySetup(model);
  // what `spikec compile --target loihi2` quantizes with: the default context, 256 calibration inputs
  const ctx: PassContext = {
    ...DEFAULT_CONTEXT,
    calibration: calibrationInputs(setup.model, { calibSamples: 256 }),
  };
  const float = readGraphFile(out);
  const integer = runPipeline(float, ['quantize'], ctx).graph;
  let ownIntegerSnnVsExact: number | undefined;
  if (own) {
    const intOut = out.replace(/\.sir$/, '.loihi2.sir');
    const t = spawnSync(
      process.execPath,
      [join(root, 'bin', 'spikec.js'), 'compile', model, '--target', 'loihi2', '-o', intOut],
      { encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    if (t.status !== 0) throw new Error(`${commit}: compile --target loihi2 failed: ${t.stderr}`);
    ownIntegerSnnVsExact = (await measure(setup, readGraphFile(intOut))).snn_vs_exact!;
  }
  return {
    commit,
    wallSeconds,
    passes: passStats(r.stderr),
    floatSnnVsExact: (await measure(setup, float)).snn_vs_exact!,
    integerSnnVsExact: (await measure(setup, integer)).snn_vs_exact!,
    ...(ownIntegerSnnVsExact === undefined ? {} : { ownIntegerSnnVsExact }),
  };
}

/** A checkout of `commit` in a temporary directory, built, sharing this checkout's node_modules. */
export function checkout(commit: string): { root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), `spikec-${commit}-`));
  const here = packageRoot();
  execFileSync('git', ['-C', here, 'worktree', 'add', '--detach', '--force', root, commit], { stdio: 'ignore' });
  symlinkSync(join(here, 'node_modules'), join(root, 'node_modules'));
  execFileSync(
    process.execPath,
    [join(here, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'ignore',
    },
  );
  return {
    root,
    remove: () => {
      execFileSync('git', ['-C', here, 'worktree', 'remove', '--force', root], { stdio: 'ignore' });
      if (existsSync(root)) rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A 2 -> W -> W -> W -> 1 tanh MLP with seeded weights (the shape of the bundled poisson2d, wider). */
export function mlp(width: number): Graph {
  const rng = new Rng(width);
  const uniform = (): number => 2 * rng.next() - 1;
  return tanhMlp({
    name: `mlp${width}`,
    domain: [
      [-1, 1],
      [-1, 1],
    ],
    widths: [width, width, width, 1],
    weight: (_, fanIn) => uniform() * Math.sqrt(1 / fanIn) * Math.sqrt(3),
    bias: () => 0.1 * uniform(),
    ids: (l) => [`dense${l}`, `dense${l}_act`],
  });
}

const synapsesOf = (g: Graph): number =>
  g.nodes.reduce((s, n) => {
    if (n.kind !== 'snn.synapse') return s;
    const [rows, cols] = n.weight.kind === 'float' ? n.weight.values.shape : n.weight.mantissa.shape;
    return s + rows * cols;
  }, 0);

export async function compileBench(log: (s: string) => void, widths = [32, 64, 128, 256, 512]): Promise<CompileBench> {
  const runs: CompileRun[] = [];
  const base = checkout(BASE_COMMIT);
  const scratch = mkdtempSync(join(tmpdir(), 'spikec-compile-'));
  try {
    log(`  poisson2d, default pipeline, ${BASE_COMMIT}`);
    runs.push(await compileWith(base.root, BASE_COMMIT, join(scratch, 'base.sir'), undefined, true));
    log(`    ${runs.at(-1)!.wallSeconds.toFixed(1)} s`);
    log('  poisson2d, default pipeline, this commit');
    runs.push(await compileWith(packageRoot(), 'this commit', join(scratch, 'head.sir'), undefined, true));
    log(`    ${runs.at(-1)!.wallSeconds.toFixed(1)} s`);
    log('  poisson2d, default pipeline, this commit on one thread (SPIKEC_THREADS=1)');
    runs.push(await compileWith(packageRoot(), 'this commit, one thread', join(scratch, 'one.sir'), 1));
    log(`    ${runs.at(-1)!.wallSeconds.toFixed(1)} s`);
  } finally {
    base.remove();
    rmSync(scratch, { recursive: true, force: true });
  }

  // Wide networks with the default pipeline would take hours (finetune alone is ~3 x synapses x 128 per
  // step): fewer calibration inputs, a shorter T and a few finetune steps keep the work per pass
  // proportional to synapses x inputs x T while the whole sweep takes minutes.
  const settings = { calibrationInputs: 32, T: 16, finetuneSteps: 5 };
  const rows: WidthRow[] = [];
  for (const width of widths) {
    const ann = mlp(width);
    const rng = new Rng(7);
    const ctx: PassContext = {
      ...DEFAULT_CONTEXT,
      T: settings.T,
      finetuneSteps: settings.finetuneSteps,
      calibration: rng.box(
        [
          [-1, 1],
          [-1, 1],
        ],
        settings.calibrationInputs,
      ),
    };
    const { graph, records } = runPipeline(ann, DEFAULT_PIPELINE, ctx);
    rows.push({ width, synapses: synapsesOf(graph), passes: records.map((r) => ({ pass: r.pass, ms: r.ms })) });
    log(`  width ${width}: ${records.map((r) => `${r.pass} ${(r.ms / 1000).toFixed(2)} s`).join(', ')}`);
  }
  return { runs, sweep: { settings, rows } };
}

/** Least-squares slope of log(y) against log(x). */
function logSlope(xs: readonly number[], ys: readonly number[]): number {
  const lx = xs.map(Math.log);
  const ly = ys.map((y) => Math.log(Math.max(y, 1e-3)));
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  const sxy = lx.reduce((s, x, i) => s + (x - mx) * (ly[i] - my), 0);
  const sxx = lx.reduce((s, x) => s + (x - mx) ** 2, 0);
  return sxy / sxx;
}

/** Pass names made unique in pipeline order (the second fold-weights is "fold-weights (2)"). */
const passLabels = (passes: readonly { pass: string }[]): string[] =>
  passes.map((p, i) => (passes.slice(0, i).some((q) => q.pass === p.pass) ? `${p.pass} (2)` : p.pass));

export function compileMarkdown(r: CompileBench, command: string, date: string): string {
  const [base, head, one] = r.runs;
  const labels = passLabels(head.passes);
  const s = (ms: number): string => (ms / 1000).toFixed(2);
  const [baseTotal, headTotal] = [base, head].map((run) => run.passes.reduce((a, p) => a + p.ms, 0));
  const lines = [
    `<!-- made by: ${command} -->`,
    '# Compile speed',
    '',
    `Measured ${date} on this machine (2 cores). The compiles ran in the same \`${command}\`, one after the other.`,
    '',
    `## poisson2d, default pipeline: ${BASE_COMMIT} against this commit`,
    '',
    "`spikec compile examples/poisson2d --pass-stats -o FILE.sir` with each commit's CLI (timed: the default",
    "pipeline). Accuracy: each commit's networks simulated on the 10,000-point test grid by this commit's",
    "simulator: the float network; the Loihi 2 integer network each commit's own `spikec compile",
    'examples/poisson2d --target loihi2` writes (its own quantize, compiled after the timed run); and',
    "the float network quantized by this commit's quantize, the same code judging both.",
    '',
    mdRow(['pass', `${BASE_COMMIT} (s)`, 'this commit (s)', 'speed-up']),
    mdRow(['---', '---:', '---:', '---:']),
    ...labels.map((label, i) => {
      const [b, h] = [base.passes[i]?.ms ?? NaN, head.passes[i].ms];
      return mdRow([label, s(b), s(h), `${(b / h).toFixed(1)}x`]);
    }),
    mdRow(['**all passes**', s(baseTotal), s(headTotal), `**${(baseTotal / headTotal).toFixed(1)}x**`]),
    mdRow([
      'wall clock of the command',
      base.wallSeconds.toFixed(1),
      head.wallSeconds.toFixed(1),
      `${(base.wallSeconds / head.wallSeconds).toFixed(1)}x`,
    ]),
    '',
    ...(one
      ? [
          `On one thread (\`SPIKEC_THREADS=1\`: no simulator threads for the passes' simulations) this`,
          `commit's compile took ${one.wallSeconds.toFixed(1)} s on the wall clock, finetune ` +
            `${s(one.passes.find((p) => p.pass === 'finetune')?.ms ?? NaN)} s; its network is the same ` +
            `(${one.floatSnnVsExact === head.floatSnnVsExact ? 'equal' : 'DIFFERENT'} errors).`,
          '',
        ]
      : []),
    mdRow(['SNN vs exact (test grid)', BASE_COMMIT, 'this commit']),
    mdRow(['---', '---:', '---:']),
    mdRow(['float', base.floatSnnVsExact.toExponential(3), head.floatSnnVsExact.toExponential(3)]),
    mdRow([
      "Loihi 2 integer, each commit's own --target loihi2",
      base.ownIntegerSnnVsExact?.toExponential(3) ?? 'n/a',
      head.ownIntegerSnnVsExact?.toExponential(3) ?? 'n/a',
    ]),
    mdRow([
      "Loihi 2 integer, both quantized by this commit's quantize",
      base.integerSnnVsExact.toExponential(3),
      head.integerSnnVsExact.toExponential(3),
    ]),
    '',
    '## Per-pass time against width',
    '',
    `2 -> W -> W -> W -> 1 tanh MLPs with seeded weights, default pipeline (pwl K = 4, stagger 4) with`,
    `${r.sweep.settings.calibrationInputs} calibration inputs, T = ${r.sweep.settings.T} and ` +
      `${r.sweep.settings.finetuneSteps} finetune steps, so that width 512 compiles in minutes. Synapses`,
    '(of the compiled network) grow as W^2; the work of every pass is proportional to synapses x inputs x T',
    '(finetune: synapses x 128 per step), so a pass whose cost grows with its work has an exponent near 2',
    'against W. The exponent is the least-squares slope of log time against log W over the widths; the',
    'last column is the slope from W = 256 to 512 alone. Above 2 it means the pass grew faster than its',
    'work over that doubling (with 20 M synapses, weight tensors of 160 MB); what makes it so is not measured.',
    '',
  ];
  const sweepLabels = passLabels(r.sweep.rows[0].passes);
  lines.push(
    mdRow(['pass', ...r.sweep.rows.map((w) => `W = ${w.width} (s)`), 'exponent', 'last doubling']),
    mdRow(['---', ...r.sweep.rows.map(() => '---:'), '---:', '---:']),
    ...sweepLabels.map((label, i) => {
      const ws = r.sweep.rows.map((w) => w.width);
      const ms = r.sweep.rows.map((w) => w.passes[i].ms);
      return mdRow([label, ...ms.map(s), logSlope(ws, ms).toFixed(2), logSlope(ws.slice(-2), ms.slice(-2)).toFixed(2)]);
    }),
    mdRow(['synapses', ...r.sweep.rows.map((w) => String(w.synapses)), '', '']),
    '',
    '![per-pass time against width](compile-vs-width.svg)',
    '',
  );
  return lines.join('\n');
}

/** compile-vs-width.svg/.png: per-pass time against W, log-log. */
export async function compilePlot(r: CompileBench): Promise<string[]> {
  const labels = passLabels(r.sweep.rows[0].passes);
  return render(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: 'Per-pass compile time against hidden width (2 -> W -> W -> W -> 1)',
      width: 460,
      height: 300,
      data: {
        values: r.sweep.rows.flatMap((w) =>
          w.passes.map((p, i) => ({ width: w.width, seconds: Math.max(p.ms / 1000, 1e-3), pass: labels[i] })),
        ),
      },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'width', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'W' },
        y: { field: 'seconds', type: 'quantitative', scale: { type: 'log' }, title: 'seconds' },
        color: { field: 'pass', type: 'nominal' },
      },
    },
    RESULTS,
    'compile-vs-width',
  );
}
