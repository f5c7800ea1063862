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
import { NIR_LIMITS, nirProblems, writeNir } from './nir.js';

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
  nir: NIR_LIMITS,
  'lava-py': { chain: true },
  json: {},
};

/** Why a backend would refuse the graph (empty: it writes it); lava-netx, nir and lava-py check before writing. */
export function backendProblems(g: Graph, backend: Backend): string[] {
  if (backend === 'lava-netx') return netxProblems(g);
  if (backend === 'nir') return nirProblems(g);
  return backend === 'lava-py' && isSigmaDelta(g) ? lavaSigmaDeltaProblems(g) : [];
}

/** One network a compile writes: its graph, the formats it feeds, and what the manifest says of it. */
export interface NetworkOutput {
  readonly graph: Graph;
  readonly backends: readonly Backend[];
  /**
   * What the file names say of it, where a compile writes more than one network (NAME.STEM.sir,
   * NAME.STEM.nir, ...); absent: NAME.sir, NAME.nir, ...
   */
  readonly stem?: string;
  readonly resources?: readonly CoreUsage[];
  readonly profile: string;
  /** What the manifest records of this network beside its files (its coding, its validation). */
  readonly about?: Record<string, unknown>;
}

const fileBase = (g: Graph): string => g.name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'network';

/**
 * Writes each network's spikec IR and its files for each of its backends into `dir`, all as one set
 * (writeFileSet): the manifest NAME.manifest.json, written last, lists every network with its files and
 * what `about` says of it, and every file with its SHA-256. Returns what went where.
 */
export async function emitNetworks(networks: readonly NetworkOutput[], dir: string): Promise<[string, string][]> {
  const base = fileBase(networks[0].graph);
  const named = networks.map((n) => ({ ...n, name: n.stem ? `${base}.${n.stem}` : base }));
  const files: (OutputFile & { what: string })[] = named.flatMap(({ name, ...n }) => {
    const writers: Record<Backend, (path: string) => void | Promise<void>> = {
      'lava-netx': (path) => writeNetx(n.graph, path),
      nir: (path) => writeNir(n.graph, path),
      'lava-py': (path) => writeFileSync(path, lavaScript(n.graph)),
      json: (path) => writeFileSync(path, describeJson(n.graph, n.resources, n.profile)),
    };
    const label = n.stem ? `, ${n.stem}` : '';
    return [
      {
        name: `${name}.sir`,
        what: `spikec IR${label}`,
        write: (path: string) => writeFileSync(path, printGraph(n.graph, { weights: true })),
      },
      ...n.backends.map((b) => ({ name: `${name}${BACKEND_SUFFIX[b]}`, what: `${b}${label}`, write: writers[b] })),
    ];
  });
  const listed = named.map((n) => ({
    name: n.name,
    profile: n.profile,
    files: [`${n.name}.sir`, ...n.backends.map((b) => `${n.name}${BACKEND_SUFFIX[b]}`)],
    ...n.about,
  }));
  const paths = await writeFileSet(dir, `${base}.manifest.json`, files, {
    generator: 'spikec',
    graph: networks[0].graph.name,
    profile: networks[0].profile,
    networks: listed,
  });
  return [...files.map((f, i): [string, string] => [f.what, paths[i]]), ['manifest', paths[paths.length - 1]]];
}

/** emitNetworks for one network. */
export const emit = (
  g: Graph,
  backends: readonly Backend[],
  dir: string,
  resources: readonly CoreUsage[] | undefined,
  profile: string,
): Promise<[string, string][]> => emitNetworks([{ graph: g, backends, resources, profile }], dir);

export { NETX_LIMITS, netxProblems, writeNetx, writeNir, lavaScript, describeJson };
