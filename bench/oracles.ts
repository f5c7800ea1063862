import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { lavaScript } from '../src/backends/lava-py.js';
import { writeNetx } from '../src/backends/netx.js';
import { type Graph, type NodeOf, packageRoot, windowLength } from '../src/ir/index.js';
import { compileProgram } from '../src/sim/program.js';
import { simulate } from '../src/sim/simulate.js';

/**
 * The real tools that judge spikec's files (Lava with lava-dl's netx, the NIR package), run as a user
 * runs them: Debian's python3 with the oracle folder's two package folders on PYTHONPATH. spikec ships
 * none of them; a developer brings them (docs/formats.md, "The real tools") into this folder, outside every
 * repository. The benchmarks and the tests both find them here and nowhere else.
 */
export const ORACLES = process.env.SPIKEC_ORACLES || join(homedir(), '.cache', 'spikec', 'oracles');

/**
 * The folders that go on PYTHONPATH: `lava/` holds the `lava` package (netx in lava/lib/dl), `nir/` `nir`,
 * `nirtorch/` and `norse/` the NIR reader of Norse (norse.torch.from_nir, on NIRTorch).
 */
export const ORACLE_PATHS = {
  lava: join(ORACLES, 'lava'),
  nir: join(ORACLES, 'nir'),
  nirtorch: join(ORACLES, 'nirtorch'),
  norse: join(ORACLES, 'norse'),
} as const;

/** The interpreter the real tools run on: Debian's, which has numpy, scipy, h5py, networkx, asteval and torch. */
export const PYTHON = '/usr/bin/python3';

/**
 * Why the real tools cannot run here, or undefined when they can: the oracle folder must hold both
 * packages. (A folder that holds them but lacks a Python module fails its tests loudly instead.)
 */
export function oraclesMissing(): string | undefined {
  const missing = [
    ['lava', join(ORACLE_PATHS.lava, 'lava', 'magma')],
    ['lava-dl netx', join(ORACLE_PATHS.lava, 'lava', 'lib', 'dl', 'netx')],
    ['nir', join(ORACLE_PATHS.nir, 'nir')],
    ['nirtorch', join(ORACLE_PATHS.nirtorch, 'nirtorch')],
    ['norse', join(ORACLE_PATHS.norse, 'norse')],
  ].filter(([, path]) => !existsSync(path));
  if (missing.length === 0) return undefined;
  const names = missing.map(([name]) => name).join(', ');
  return `${names} not found under ${ORACLES} (set SPIKEC_ORACLES; docs/formats.md, "The real tools")`;
}

const oracleEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PYTHONPATH: Object.values(ORACLE_PATHS).join(':'),
});

function python(args: readonly string[]): string {
  return execFileSync(PYTHON, args, { env: oracleEnv(), encoding: 'utf8', maxBuffer: 1 << 28 });
}

/** Runs Debian's python3 with the real tools on PYTHONPATH: exit status, stdout and stderr. */
export function pythonRun(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(PYTHON, args, { env: oracleEnv(), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What the lava-py script printed with --rasters: per input row, outputs and per population its spikes per step. */
export interface LavaRun {
  readonly outputs: number[][];
  readonly rasters: Record<string, number[][]>[];
}

/**
 * Runs a lava-py script spikec wrote on the rows of `inputs` (a JSON file, as for `spikec eval --inputs`)
 * with --rasters, as a user runs it; `flags` may add --stream or --netx FILE.
 */
export function runScript(script: string, inputs: string, flags: readonly string[] = []): LavaRun {
  return JSON.parse(python([script, inputs, '--rasters', ...flags])) as LavaRun;
}

/** Writes the lava-py script of `g` and runs it in Lava on `rows`. */
export function runLavaScript(g: Graph, rows: readonly (readonly number[])[], flags: readonly string[] = []): LavaRun {
  const dir = mkdtempSync(join(tmpdir(), 'spikec-lava-py-'));
  writeFileSync(join(dir, 'net.py'), lavaScript(g));
  writeFileSync(join(dir, 'rows.json'), JSON.stringify(rows));
  return runScript(join(dir, 'net.py'), join(dir, 'rows.json'), flags);
}

/**
 * Writes the netx file and the lava-py script of `g` (compiled within netx's limits) and runs the
 * script's --netx mode: netx.hdf5.Network loads the file and Lava runs it on `rows`.
 */
export async function runNetx(
  g: Graph,
  rows: readonly (readonly number[])[],
  flags: readonly string[] = [],
): Promise<LavaRun> {
  const dir = mkdtempSync(join(tmpdir(), 'spikec-netx-'));
  await writeNetx(g, join(dir, 'net.net.h5'));
  writeFileSync(join(dir, 'net.py'), lavaScript(g));
  writeFileSync(join(dir, 'rows.json'), JSON.stringify(rows));
  return runScript(join(dir, 'net.py'), join(dir, 'rows.json'), [...flags, '--netx', join(dir, 'net.net.h5')]);
}

/** What the NIR package saw in a file: each node's NIR type, the edges, the metadata keys it kept. */
export interface NirView {
  readonly nodes: Record<string, string>;
  readonly edges: [string, string][];
  readonly metadata: string[];
}

/** `nir.read` of `src`, then `nir.write` of what it read to `dst`: what the NIR package saw. */
export function nirReadWrite(src: string, dst: string): NirView {
  const script = [
    'import json, sys, nir',
    'g = nir.read(sys.argv[1])',
    'nir.write(sys.argv[2], g)',
    'nodes = {k: type(n).__name__ for k, n in sorted(g.nodes.items())}',
    'keys = sorted({k for n in g.nodes.values() for k in n.metadata})',
    'print(json.dumps({"nodes": nodes, "edges": sorted(map(list, g.edges)), "metadata": keys}))',
  ].join('\n');
  return JSON.parse(python(['-c', script, src, dst])) as NirView;
}

/** What Norse computed running a NIR file (bench/norse_nir_run.py): per row, outputs and each IF node's spikes. */
export interface NorseRun {
  /** Per row, the mean over the steps of the Output node. */
  readonly outputs: number[][];
  /** Per row, per IF node, [step, neuron, ...] for each step with spikes. */
  readonly spikes: Record<string, number[][]>[];
}

/**
 * Norse (from_nir, float64) runs `nirFile` on the rows of the JSON file `rows` for `runSteps` steps,
 * averaging the Output over the first `steps`.
 */
export function runNorse(nirFile: string, rows: string, steps: number, runSteps = steps): NorseRun {
  const script = join(packageRoot(), 'bench', 'norse_nir_run.py');
  return JSON.parse(python([script, nirFile, rows, String(steps), String(runSteps)])) as NorseRun;
}

/**
 * Norse runs `nirFile`, which holds the spikec network `g`, on the rows of the JSON file `rows`: the
 * Output averaged over g's window, every step the simulator runs g covered (norseEvents).
 */
export function runNorseOn(g: Graph, nirFile: string, rows: string): NorseRun {
  const readout = readoutOf(g);
  return runNorse(nirFile, rows, windowLength(readout), stepsOf(g) - 1);
}

/**
 * A Norse run as the simulator's events per population per step (bench/recordings.ts): NIR has no
 * synaptic delay, spikec's synapses take a step, so Norse's step s of the population at depth d is the
 * simulator's step s + d (and the simulator's steps before d are empty). `g` is the spikec network the
 * NIR file holds; the run must cover its steps (runNorseOn).
 */
export function norseEvents(run: NorseRun, g: Graph): Record<string, number[][]>[] {
  const { depth } = compileProgram(g);
  const populations = g.nodes.filter((n) => n.kind === 'snn.neurons').map((n) => n.id);
  const steps = stepsOf(g);
  return run.spikes.map((row) =>
    Object.fromEntries(
      populations.map((id) => {
        const d = depth.get(id)!;
        const events: number[][] = Array.from({ length: steps }, () => []);
        for (const [s, ...fired] of row[id] ?? []) if (s + d < steps) events[s + d] = fired.flatMap((n) => [n, 1]);
        return [id, events];
      }),
    ),
  );
}

/** Norse against spikec sim on the same NIR network. */
export interface NorseComparison {
  readonly spikes: number;
  /** Spikes (population, step, neuron) that one of the two has and the other has not. */
  readonly spikesDiffering: number;
  readonly maxOutputDifference: number;
}

/**
 * Writes `rows` beside `nirFile`, has Norse run the file (the steps spikec simulates `g`, the NIR
 * network in it) and counts where Norse's spikes and outputs differ from spikec sim's.
 */
export function compareNorse(g: Graph, nirFile: string, rows: readonly (readonly number[])[]): NorseComparison {
  const rowsFile = join(mkdtempSync(join(tmpdir(), 'spikec-norse-rows-')), 'rows.json');
  writeFileSync(rowsFile, JSON.stringify(rows));
  const run = runNorseOn(g, nirFile, rowsFile);
  const theirs = norseEvents(run, g);
  let [spikes, spikesDiffering] = [0, 0];
  rows.forEach((row, r) => {
    const trace = simulate(g, [row], { trace: true }).trace!;
    for (const [id, steps] of trace)
      steps.forEach((s, t) => {
        const fired = new Set<number>();
        s.forEach((z, i) => z !== 0 && fired.add(i));
        const other = new Set(theirs[r][id][t].filter((_, k) => k % 2 === 0));
        spikes += fired.size;
        for (const i of fired) if (!other.has(i)) spikesDiffering++;
        for (const i of other) if (!fired.has(i)) spikesDiffering++;
      });
  });
  const out = simulate(g, rows).outputs;
  const maxOutputDifference = Math.max(...out.flatMap((o, r) => o.map((v, j) => Math.abs(v - run.outputs[r][j]))));
  return { spikes, spikesDiffering, maxOutputDifference };
}

/** The steps the simulator runs a rate-coded chain: its readout's window end. */
export const stepsOf = (g: Graph): number => readoutOf(g).window[1];

function readoutOf(g: Graph): NodeOf<'snn.readout'> {
  const r = g.nodes.find((n) => n.kind === 'snn.readout');
  if (r?.kind !== 'snn.readout') throw new Error(`${g.name}: no snn.readout`);
  return r;
}

/** The released package each real tool is, and its version as Python sees it (the oracle folder's dist-info). */
export function oracleVersions(): Record<string, string> {
  const script = [
    'import json',
    'from importlib.metadata import version, PackageNotFoundError',
    'def v(p):',
    '    try: return version(p)',
    '    except PackageNotFoundError: return "unknown (no dist-info in the oracle folder)"',
    'print(json.dumps({p: v(p) for p in ["lava-nc", "lava-dl", "nir", "nirtorch", "norse"]}))',
  ].join('\n');
  return JSON.parse(python(['-c', script])) as Record<string, string>;
}
