import { writeFileSync } from 'node:fs';
import {
  type CoreUsage,
  type FormatLimits,
  type Graph,
  type OutputFile,
  printGraph,
  writeFileSet,
} from '../ir/index.js';
import { describeJson } from './json.js';
import { lavaScript } from './lava-py.js';
import { lavaSigmaDeltaProblems } from './lava-py-sd.js';
import { isSigmaDelta } from './chain.js';
import { NETX_LIMITS, netxProblems, writeNetx } from './netx.js';
import { writeNir } from './nir.js';

export const BACKENDS = ['lava-netx', 'nir', 'lava-py', 'json'] as const;
export type Backend = (typeof BACKENDS)[number];

/** The file each backend writes: NAME plus this suffix. */
export const BACKEND_SUFFIX: Record<Backend, string> = {
  'lava-netx': '.net.h5',
  nir: '.nir',
  'lava-py': '.py',
  json: '.json',
};

/**
 * What each format can express: lava-netx, nir and lava-py hold one chain of dense layers (a SPINN's
 * branches are merged into one); NIR has no sigma-delta neuron; json describes any network spikec compiles.
 */
export const FORMAT_LIMITS: Record<Backend, FormatLimits> = {
  'lava-netx': NETX_LIMITS,
  nir: { chain: true, sigmaDelta: false },
  'lava-py': { chain: true },
  json: {},
};

/** Why a backend would refuse the graph (empty: it writes it); lava-netx and lava-py check before writing. */
export function backendProblems(g: Graph, backend: Backend): string[] {
  if (backend === 'lava-netx') return netxProblems(g);
  return backend === 'lava-py' && isSigmaDelta(g) ? lavaSigmaDeltaProblems(g) : [];
}

/**
 * Writes the graph for each backend into `dir`, plus its spikec IR, as one set (writeFileSet): the
 * manifest NAME.manifest.json, written last, lists every file with its SHA-256. Returns what went where.
 */
export async function emit(
  g: Graph,
  backends: readonly Backend[],
  dir: string,
  resources: readonly CoreUsage[] | undefined,
  profile: string,
): Promise<[string, string][]> {
  const base = g.name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'network';
  const writers: Record<Backend, (path: string) => void | Promise<void>> = {
    'lava-netx': (path) => writeNetx(g, path),
    nir: (path) => writeNir(g, path),
    'lava-py': (path) => writeFileSync(path, lavaScript(g)),
    json: (path) => writeFileSync(path, describeJson(g, resources, profile)),
  };
  const files: OutputFile[] = [
    { name: `${base}.sir`, write: (path) => writeFileSync(path, printGraph(g, { weights: true })) },
    ...backends.map((b) => ({ name: `${base}${BACKEND_SUFFIX[b]}`, write: writers[b] })),
  ];
  const paths = await writeFileSet(dir, `${base}.manifest.json`, files, {
    generator: 'spikec',
    graph: g.name,
    profile,
  });
  return [
    ...['spikec IR', ...backends].map((what, i): [string, string] => [what, paths[i]]),
    ['manifest', paths[paths.length - 1]],
  ];
}

export { NETX_LIMITS, netxProblems, writeNetx, writeNir, lavaScript, describeJson };
