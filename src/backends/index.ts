import { join } from 'node:path';
import { type Graph, writeFileAtomic, writeGraphFile } from '../ir/index.js';
import type { CoreUsage } from '../passes/index.js';
import { describeJson } from './json.js';
import { lavaScript } from './lava-py.js';
import { writeNetx } from './netx.js';
import { writeNir } from './nir.js';

export const BACKENDS = ['lava-netx', 'nir', 'lava-py', 'json'] as const;
export type Backend = (typeof BACKENDS)[number];

const FILE: Record<Backend, string> = { 'lava-netx': '.net.h5', nir: '.nir', 'lava-py': '.py', json: '.json' };

/** Writes the graph for each backend into `dir` (each file atomically), plus its spikec IR; returns what went where. */
export async function emit(g: Graph, backends: readonly Backend[], dir: string, resources: readonly CoreUsage[] | undefined, profile: string): Promise<[string, string][]> {
  const base = g.name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'network';
  const written: [string, string][] = [];
  const sir = join(dir, `${base}.sir`);
  writeGraphFile(sir, g);
  written.push(['spikec IR', sir]);
  for (const b of backends) {
    const path = join(dir, `${base}${FILE[b]}`);
    if (b === 'lava-netx') await writeNetx(g, path);
    else if (b === 'nir') await writeNir(g, path);
    else if (b === 'lava-py') writeFileAtomic(path, lavaScript(g));
    else writeFileAtomic(path, describeJson(g, resources, profile));
    written.push([b, path]);
  }
  return written;
}

export { writeNetx, writeNir, lavaScript, describeJson };
