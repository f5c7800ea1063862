import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BACKENDS, BACKEND_SUFFIX, type Backend, emitNetworks } from '../src/backends/index.js';
import { type Graph, packageRoot, readGraphFile } from '../src/ir/index.js';
import type { Trace } from '../src/sim/simulate.js';
import type { NirView } from './oracles.js';

/**
 * What the real tools computed on a fixed set of files spikec writes, kept as test data so that the
 * simulator stays pinned to Lava's arithmetic where Lava is absent. Each network is a folder under
 * RECORDINGS_DIR holding what `spikec compile -o` wrote (the .sir, the emitted files, the manifest),
 * the inputs, and recording.json: what Lava (its own processes, or netx loading the .net.h5) and the
 * NIR package produced on exactly those bytes. `npm run record-oracles` makes them; the tests in
 * test/backends/recorded-runs.test.ts replay them.
 */
export const RECORDINGS_DIR = join(packageRoot(), 'test', 'fixtures', 'real-tools');

/** The command that renews the recordings. */
export const RECORD_COMMAND = 'npm run record-oracles';

/**
 * A network of the fixed set: the model, the compile flags (`spikec compile examples/MODEL ... -o DIR`),
 * and the tools that run its files. Short windows and finetunes: the recordings pin what the files
 * compute, which is the same arithmetic however long the network was fitted.
 */
export interface RecordedNetwork {
  readonly folder: string;
  readonly model: string;
  readonly flags: readonly string[];
  readonly runs: readonly ToolRun[];
}

/**
 * lava-py: the script's own Lava processes; netx: Lava running netx.hdf5.Network on the .net.h5;
 * nir: nir.read, then nir.write; norse: Norse running the .nir (norse.torch.from_nir, float64).
 */
export type ToolRun = 'lava-py' | 'netx' | 'nir' | 'norse';

const SHORT = ['--T', '16', '--finetune-steps', '50'];

export const RECORDED_NETWORKS: readonly RecordedNetwork[] = [
  {
    folder: 'poisson2d-sigma-delta',
    model: 'poisson2d',
    flags: ['--target', 'loihi2,lava-netx,lava-py', '--coding', 'sigma-delta', ...SHORT],
    runs: ['netx', 'lava-py'],
  },
  {
    folder: 'navier-stokes2d-rate-netx',
    model: 'navier-stokes2d',
    flags: ['--target', 'loihi2,lava-netx,lava-py', '--coding', 'rate', ...SHORT],
    runs: ['netx', 'lava-py'],
  },
  {
    folder: 'poisson1d-sin-rate',
    model: 'poisson1d-sin',
    flags: ['--target', 'loihi2,lava-py', '--coding', 'rate', ...SHORT],
    runs: ['lava-py'],
  },
  {
    folder: 'heat1d-nir',
    model: 'heat1d',
    flags: ['--target', 'nir', ...SHORT],
    runs: ['nir', 'norse'],
  },
];

/** Input rows per network: few, since every step of every population is recorded. */
export const RECORDED_ROWS = 8;

/** One step of one population: the nonzero entries, flattened as [neuron, value, neuron, value, ...]. */
export type StepEvents = number[];

/** Per input row, per population, its events at each step. */
export type RecordedEvents = Record<string, StepEvents[]>[];

/**
 * What a tool computed running the network: outputs per row, and every population's spikes or messages
 * per step (for Norse, shifted to the simulator's steps: bench/oracles.ts, norseEvents).
 */
export interface RecordedLavaRun {
  readonly tool: 'lava-py' | 'netx' | 'norse';
  readonly command: string;
  readonly outputs: number[][];
  readonly events: RecordedEvents;
}

/** What the NIR package made of the .nir file; REWRITTEN_NIR in the folder is what it wrote back. */
export interface RecordedNirRun extends NirView {
  readonly tool: 'nir';
  readonly command: string;
}

export interface Recording {
  readonly made_by: string;
  readonly recorded: string;
  /** The released packages the tools are, at the versions that ran (from source, in the oracle folder). */
  readonly tools: Record<string, string>;
  /** The SHA-256 of every file the tools ran on, as recorded: renewing a file without re-recording fails. */
  readonly files: Record<string, string>;
  readonly inputs: string;
  readonly runs: readonly (RecordedLavaRun | RecordedNirRun)[];
}

export const RECORDING_FILE = 'recording.json';
export const INPUTS_FILE = 'inputs.json';
/** What `nir.write` wrote from what `nir.read` read of the compiled .nir. */
export const REWRITTEN_NIR = 'rewritten-by-nir.nir';

export const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A raster (per step, every neuron's spike or message) as its events. */
function stepEvents(steps: readonly ArrayLike<number>[]): StepEvents[] {
  return steps.map((s) => {
    const events: number[] = [];
    for (let i = 0; i < s.length; i++) if (s[i] !== 0) events.push(i, s[i]);
    return events;
  });
}

/**
 * Every population's raster of one row as its events: a Lava run's raster (`--rasters`), `spikec sim
 * --json`'s trace, or the simulator's own.
 */
export function rasterEvents(
  raster: Readonly<Record<string, readonly ArrayLike<number>[]>> | ReadonlyMap<string, Trace>,
): Record<string, StepEvents[]> {
  const entries = raster instanceof Map ? [...raster] : Object.entries(raster);
  return Object.fromEntries(entries.map(([id, steps]) => [id, stepEvents(steps)]));
}

/** The files of a recorded network's folder, as `spikec compile -o` named them. */
export interface RecordedFolder {
  readonly dir: string;
  readonly sir: string;
  readonly graph: Graph;
  readonly backends: Backend[];
  readonly profile: string;
  readonly about: Record<string, unknown>;
  readonly file: (backend: Backend) => string;
  readonly rows: number[][];
}

export function readRecordedFolder(n: RecordedNetwork): RecordedFolder {
  const dir = join(RECORDINGS_DIR, n.folder);
  const manifest = readdirSync(dir).find((f) => f.endsWith('.manifest.json'));
  if (!manifest) throw new Error(`${dir}: no manifest; run ${RECORD_COMMAND}`);
  const m = JSON.parse(readFileSync(join(dir, manifest), 'utf8')) as {
    profile: string;
    files: Record<string, string>;
    networks: { name: string; profile: string; files: string[] }[];
  };
  // what the manifest said of the network beside its files (its coding, its validation), written again as it was
  const { name: _name, profile: _profile, files: _files, ...about } = m.networks[0];
  const base = manifest.slice(0, -'.manifest.json'.length);
  // in the manifest's order, which is the order the compile named them in (and the manifest's bytes)
  const backends = Object.keys(m.files).flatMap((name) =>
    BACKENDS.filter((b) => name === `${base}${BACKEND_SUFFIX[b]}`),
  );
  const sir = join(dir, `${base}.sir`);
  return {
    dir,
    sir,
    graph: readGraphFile(sir),
    backends,
    profile: m.profile,
    about,
    file: (b) => join(dir, `${base}${BACKEND_SUFFIX[b]}`),
    rows: JSON.parse(readFileSync(join(dir, INPUTS_FILE), 'utf8')) as number[][],
  };
}

export const readRecording = (n: RecordedNetwork): Recording =>
  JSON.parse(readFileSync(join(RECORDINGS_DIR, n.folder, RECORDING_FILE), 'utf8')) as Recording;

/** Today's writers on a recorded folder's network, into `dir`: what `spikec compile -o` would write. */
export const writeRecordedFolder = (f: RecordedFolder, dir: string): Promise<[string, string][]> =>
  emitNetworks([{ graph: f.graph, backends: f.backends, profile: f.profile, about: f.about }], dir);
