import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lavaScript } from '../src/backends/lava-py.js';
import { writeNetx } from '../src/backends/netx.js';
import { type Graph, packageRoot } from '../src/ir/index.js';

/**
 * The real tools of ../shared/oracles (Lava with lava-dl's netx, the NIR package), run as a user runs
 * them: Debian's python3 (.ci/run installs its packages) with the oracles on PYTHONPATH. The
 * benchmarks and the tests both judge spikec's files through these.
 */
export const ORACLES = join(packageRoot(), '..', 'shared', 'oracles');

function python(args: readonly string[]): string {
  const env = { ...process.env, PYTHONPATH: [join(ORACLES, 'lava'), join(ORACLES, 'nir')].join(':') };
  return execFileSync('/usr/bin/python3', args, { env, encoding: 'utf8', maxBuffer: 1 << 28 });
}

/** What the lava-py script printed with --rasters: per input row, outputs and per population its spikes per step. */
export interface LavaRun {
  readonly outputs: number[][];
  readonly rasters: Record<string, number[][]>[];
}

/** Writes the lava-py script of `g` and runs it in Lava on `rows`. */
export function runLavaScript(g: Graph, rows: readonly (readonly number[])[], flags: readonly string[] = []): LavaRun {
  const dir = mkdtempSync(join(tmpdir(), 'spikec-lava-py-'));
  writeFileSync(join(dir, 'net.py'), lavaScript(g));
  writeFileSync(join(dir, 'rows.json'), JSON.stringify(rows));
  return JSON.parse(python([join(dir, 'net.py'), join(dir, 'rows.json'), '--rasters', ...flags])) as LavaRun;
}

/**
 * Reads a NIR file with `nir.read` and writes it to `dst` with `nir.write`; returns the sorted
 * metadata keys the NIR package saw on the nodes (as Python prints the list).
 */
export function nirRewrite(src: string, dst: string): string {
  const script = [
    'import sys, nir',
    'g = nir.read(sys.argv[1])',
    'nir.write(sys.argv[2], g)',
    'print(sorted(k for n in g.nodes.values() for k in n.metadata))',
  ].join('\n');
  return python(['-c', script, src, dst]);
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
  const args = [join(dir, 'net.py'), join(dir, 'rows.json'), '--rasters', ...flags, '--netx', join(dir, 'net.net.h5')];
  return JSON.parse(python(args)) as LavaRun;
}
