import { writeFileSync } from 'node:fs';
import { type CoreUsage, type Graph, type OutputFile, printGraph, writeFileSet } from '../ir/index.js';
import { describeJson } from './json.js';
import { lavaScript } from './lava-py.js';
import { writeNetx } from './netx.js';
import { writeNir } from './nir.js';

export const BACKENDS = ['lava-netx', 'nir', 'lava-py', 'json'] as const;
export type Backend = (typeof BACKENDS)[number];

const FILE: Record<Backend, string> = { 'lava-netx': '.net.h5', nir: '.nir', 'lava-py': '.py', json: '.json' };

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
    ...backends.map((b) => ({ name: `${base}${FILE[b]}`, write: writers[b] })),
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

export { writeNetx, writeNir, lavaScript, describeJson };
