import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readProblemFile, testPoints } from '../src/frontend/train/index.js';
import { mdRow } from './markdown.js';
import { ORACLE_PATHS, PYTHON, oraclesMissing } from './oracles.js';
import { type PeakRun, runMeasured } from './process-peak.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SPIKEC = join(ROOT, 'bin', 'spikec.js');
const MODEL = 'poisson2d';

/** One way of running the compiled network on the rows: what it took and whether it matched spikec eval. */
export interface ScaleRow {
  runner: string;
  command: string;
  rows: number;
  seconds: number;
  peak_mib: number;
  /** Rows whose outputs differ from spikec eval's in any digit. */
  differing_rows: number;
  /** Progress lines it printed on stderr. */
  progress_lines: number;
}

const outputsOf = (r: PeakRun, file?: string): number[][] =>
  (JSON.parse(file ? readFileSync(file, 'utf8') : r.stdout) as { outputs: number[][] }).outputs;

/**
 * The default Loihi 2 network of poisson2d (`spikec compile examples/poisson2d --target
 * loihi2,lava-netx,lava-py`) on its 10,000-point test grid: `spikec eval`, the sigma-delta Lava script
 * (its own processes, batches of 64 rows) and the same script running the netx file, each timed with
 * the peak memory of its process tree; every output compared with spikec eval's.
 */
export async function lavaScaleBench(log: (s: string) => void, rowLimit?: number): Promise<ScaleRow[]> {
  const missing = oraclesMissing();
  if (missing) throw new Error(`lava-scale needs the real tools: ${missing}`);
  const dir = mkdtempSync(join(tmpdir(), 'spikec-lava-scale-'));
  const model = join(ROOT, 'examples', MODEL);
  const compiled = await runMeasured(process.execPath, [
    SPIKEC,
    'compile',
    model,
    '--target',
    'loihi2,lava-netx,lava-py',
    '-o',
    dir,
    '--quiet',
  ]);
  if (compiled.status !== 0) throw new Error(`compile failed: ${compiled.stderr}`);
  const rows = testPoints(readProblemFile(model)!).slice(0, rowLimit);
  const rowsFile = join(dir, 'rows.json');
  writeFileSync(rowsFile, JSON.stringify(rows));
  const [sir, script, netx] = ['sir', 'py', 'net.h5'].map((ext) => join(dir, `${MODEL}.${ext}`));
  const env = { ...process.env, PYTHONPATH: [ORACLE_PATHS.lava, ORACLE_PATHS.nir].join(':') };

  log(`lava-scale: spikec eval on ${rows.length} rows`);
  const ours = await runMeasured(process.execPath, [SPIKEC, 'eval', sir, '--inputs', rowsFile]);
  if (ours.status !== 0) throw new Error(`spikec eval failed: ${ours.stderr}`);
  const reference = outputsOf(ours);
  const row = (runner: string, command: string, r: PeakRun, outputs: number[][]): ScaleRow => ({
    runner,
    command,
    rows: rows.length,
    seconds: Number(r.seconds.toFixed(1)),
    peak_mib: Math.round(r.peakMiB),
    differing_rows:
      outputs.length === reference.length ? outputs.filter((o, i) => !sameRow(o, reference[i])).length : NaN,
    progress_lines: r.stderr.split('\n').filter((l) => / rows through Lava, /.test(l)).length,
  });
  const result: ScaleRow[] = [row('spikec eval', `spikec eval ${MODEL}.sir --inputs rows.json`, ours, reference)];
  for (const [runner, flags] of [
    ['sigma-delta script, Lava processes', []],
    ['sigma-delta script, the netx file', ['--netx', netx]],
  ] as const) {
    const out = join(dir, `${runner.endsWith('file') ? 'netx' : 'processes'}.json`);
    log(`lava-scale: ${runner} on ${rows.length} rows`);
    const r = await runMeasured(PYTHON, [script, rowsFile, ...flags, '--out', out], env);
    if (r.status !== 0) throw new Error(`${runner} failed: ${r.stderr.slice(-2000)}`);
    const shown = flags.length ? ` --netx ${MODEL}.net.h5` : '';
    result.push(row(runner, `python3 ${MODEL}.py rows.json${shown} --out FILE`, r, outputsOf(r, out)));
  }
  rmSync(dir, { recursive: true, force: true });
  return result;
}

const sameRow = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

export function lavaScaleMarkdown(rows: readonly ScaleRow[]): string {
  return [
    `${MODEL}, the default Loihi 2 network, on its ${rows[0].rows}-point test grid: every output compared with`,
    "spikec eval's to the last digit; peak memory is the PSS of the whole process tree (Lava forks a process",
    'per process model), sampled every second.',
    '',
    mdRow(['runner', 'command', 'rows', 'time (s)', 'peak memory (MiB)', 'rows differing', 'progress lines']),
    mdRow(['---', '---', '---:', '---:', '---:', '---:', '---:']),
    ...rows.map((r) =>
      mdRow([
        r.runner,
        `\`${r.command}\``,
        String(r.rows),
        r.seconds.toFixed(1),
        String(r.peak_mib),
        String(r.differing_rows),
        String(r.progress_lines),
      ]),
    ),
    '',
  ].join('\n');
}
