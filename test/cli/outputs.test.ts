import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { openHdf5 } from '../../src/backends/hdf5.js';
import { readGraphFile, verify } from '../../src/ir/index.js';
import { ROOT, spikec } from '../support/cli.js';

const P1 = join(ROOT, 'examples', 'poisson1d');
const FAST = ['--T', '8', '--calib-samples', '16', '--pipeline', 'fold-weights,threshold-balance,lower-to-snn'];
const compileArgs = (out: string, backends = 'lava-netx,nir,lava-py,json'): string[] => [
  'compile',
  P1,
  ...FAST,
  '--target',
  `loihi2,${backends}`,
  '-o',
  out,
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spikec-outputs-'));
});

const sha = (path: string): string => `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;

/** Opens every visible file with the reader a user would use; throws on a partial one. */
async function expectComplete(out: string): Promise<void> {
  for (const f of readdirSync(out).filter((n) => !n.startsWith('.'))) {
    const path = join(out, f);
    if (f.endsWith('.sir')) verify(readGraphFile(path), path);
    else if (f.endsWith('.h5') || f.endsWith('.nir')) (await openHdf5(path)).close();
    else if (f.endsWith('.json')) JSON.parse(readFileSync(path, 'utf8'));
    else if (f.endsWith('.py')) expect(readFileSync(path, 'utf8')).toMatch(/\n$/);
  }
  // a manifest, when there, vouches for every file it lists
  const manifest = join(out, 'poisson1d.manifest.json');
  if (existsSync(manifest)) {
    for (const [name, hash] of Object.entries(
      JSON.parse(readFileSync(manifest, 'utf8')).files as Record<string, string>,
    ))
      expect(sha(join(out, name))).toBe(hash);
  }
}

/** Runs a compile and kills it with SIGKILL `delayMs` after its first temporary file appears. */
function killedCompile(out: string, delayMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'spikec.js'), ...compileArgs(out)], { stdio: 'ignore' });
    let killAt: number | undefined;
    const poll = setInterval(() => {
      if (killAt === undefined && existsSync(out) && readdirSync(out).some((n) => n.endsWith('.tmp')))
        killAt = Date.now() + delayMs;
      if (killAt !== undefined && Date.now() >= killAt) child.kill('SIGKILL');
    }, 1);
    child.on('exit', () => {
      clearInterval(poll);
      resolve();
    });
  });
}

describe('outputs are written as one unit', () => {
  test('a compile writes its files, then a manifest of their hashes; fewer backends drop the rest', () => {
    const out = join(dir, 'set');
    expect(spikec(compileArgs(out)).code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'poisson1d.manifest.json'), 'utf8'));
    // the Loihi formats' rate network, and nir's own (float, within NIR's fields)
    expect(Object.keys(manifest.files).sort()).toEqual([
      'poisson1d.rate-float.json',
      'poisson1d.rate-float.nir',
      'poisson1d.rate-float.sir',
      'poisson1d.rate.json',
      'poisson1d.rate.net.h5',
      'poisson1d.rate.py',
      'poisson1d.rate.sir',
    ]);
    for (const [name, hash] of Object.entries(manifest.files)) expect(sha(join(out, name))).toBe(hash);
    expect(spikec(compileArgs(out, 'nir')).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      'poisson1d.manifest.json',
      'poisson1d.rate-float.nir',
      'poisson1d.rate-float.sir',
      'poisson1d.rate.sir',
    ]);
  });

  test('two compiles give byte-identical files for every target', () => {
    const [a, b] = [join(dir, 'det-a'), join(dir, 'det-b')];
    expect(spikec(compileArgs(a)).code).toBe(0);
    expect(spikec(compileArgs(b)).code).toBe(0);
    for (const f of readdirSync(a)) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f)))).toBe(true);
  });

  test('kill -9 at any moment leaves each file absent or complete; the next compile removes temporaries', async () => {
    const out = join(dir, 'killed');
    expect(spikec(compileArgs(out)).code).toBe(0);
    for (const delay of [0, 2, 5, 10, 20, 40]) {
      await killedCompile(out, delay);
      await expectComplete(out);
    }
    expect(spikec(compileArgs(out)).code).toBe(0);
    expect(readdirSync(out).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(existsSync(join(out, 'poisson1d.manifest.json'))).toBe(true);
    await expectComplete(out);
  }, 120_000);
});
