import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { writeNir } from '../../src/backends/nir.js';
import { ImportError, importNir } from '../../src/frontend/index.js';
import { readHdf5Tree } from '../../src/frontend/nir/read-hdf5.js';
import { exampleNirSnn } from '../../src/ir/index.js';
import { simulate } from '../../src/sim/simulate.js';
import { spikec } from '../support/cli.js';
import { importErrorOf } from '../support/import-error.js';
import { type NirNodeSpec, writeNirFile } from '../support/nir-file.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spikec-nir-'));
});

const v = (values: number[], shape: number[] = [values.length]): { values: number[]; shape: number[] } => ({
  values,
  shape,
});

/** Input(3) -> Affine -> IF -> Affine -> Output, with the first Affine's weight as given. */
function chain(weight: { values: number[]; shape: number[] }, bias: number[]): Record<string, NirNodeSpec> {
  return {
    in: { type: 'Input', data: { shape: v([3]) } },
    a0: { type: 'Affine', data: { weight, bias: v(bias) } },
    if0: { type: 'IF', data: { v_threshold: v([1, 1]), r: v([1, 1]), v_reset: v([0, 0]) } },
    a1: { type: 'Affine', data: { weight: v([1, -1], [1, 2]), bias: v([0]) } },
    out: { type: 'Output', data: { shape: v([1]) } },
  };
}
const EDGES: [string, string][] = [
  ['in', 'a0'],
  ['a0', 'if0'],
  ['if0', 'a1'],
  ['a1', 'out'],
];

const importError = (path: string): Promise<string> => importErrorOf(importNir, path);

describe('NIR import checks every stored shape against the graph', () => {
  test('a well-formed chain imports', async () => {
    const path = join(dir, 'good.nir');
    await writeNirFile(path, chain(v([1, 2, 3, 4, 5, 6], [2, 3]), [0.1, 0.2]), EDGES);
    const g = await importNir(path);
    const syn = g.nodes.find((n) => n.id === 'a0');
    expect(syn?.kind === 'snn.synapse' && syn.weight.kind === 'float' && syn.weight.values.shape).toEqual([2, 3]);
  });

  test('an Affine weight stored transposed (3x2 for 3 inputs, 2 outputs) names the node and shapes', async () => {
    const path = join(dir, 'transposed.nir');
    await writeNirFile(path, chain(v([1, 2, 3, 4, 5, 6], [3, 2]), [0.1, 0.2]), EDGES);
    expect(await importError(path)).toMatch(
      new RegExp(
        String.raw`node\/nodes\/a0\/weight: shape \[3, 2\] takes 2 inputs, but the layer before it has 3 ` +
          String.raw`\(NIR stores an Affine weight as \[out, in\]\)`,
      ),
    );
    const r = spikec(['import', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^spikec: error: .*transposed\.nir: cannot import: node\/nodes\/a0\/weight: shape \[3, 2\]/,
    );
  });

  test('a bias, a threshold or an output that does not match its Affine', async () => {
    const bias = join(dir, 'bias.nir');
    await writeNirFile(bias, chain(v([1, 2, 3, 4, 5, 6], [2, 3]), [0.1, 0.2, 0.3]), EDGES);
    expect(await importError(bias)).toMatch(/node\/nodes\/a0\/bias: has 3 values; the weight \[2, 3\] has 2 outputs/);
    const th = join(dir, 'threshold.nir');
    const nodes = chain(v([1, 2, 3, 4, 5, 6], [2, 3]), [0.1, 0.2]);
    await writeNirFile(th, { ...nodes, if0: { type: 'IF', data: { v_threshold: v([1, 1, 1]) } } }, EDGES);
    expect(await importError(th)).toMatch(
      /node\/nodes\/if0\/v_threshold: has 3 values; the Affine before it has 2 outputs/,
    );
    const flat = join(dir, 'flat.nir');
    await writeNirFile(flat, chain(v([1, 2, 3, 4, 5, 6], [6]), [0.1, 0.2]), EDGES);
    expect(await importError(flat)).toMatch(/node\/nodes\/a0\/weight: expected 2 dimensions, found shape \[6\]/);
  });

  test('edges that cycle, branch or name unknown nodes', async () => {
    const nodes = chain(v([1, 2, 3, 4, 5, 6], [2, 3]), [0.1, 0.2]);
    const cyc = join(dir, 'cycle.nir');
    await writeNirFile(cyc, nodes, [
      ['in', 'a0'],
      ['a0', 'if0'],
      ['if0', 'a0'],
    ]);
    expect(await importError(cyc)).toMatch(/node 'a0': the edges form a cycle/);
    const ghost = join(dir, 'ghost.nir');
    await writeNirFile(ghost, nodes, [...EDGES, ['out', 'ghost']]);
    expect(await importError(ghost)).toMatch(/node\/edges: names node 'ghost', which node\/nodes does not hold/);
    const branch = join(dir, 'branch.nir');
    await writeNirFile(branch, nodes, [...EDGES, ['in', 'a1']]);
    expect(await importError(branch)).toMatch(/node 'in' has more than one successor/);
  });

  test('an empty file, random bytes and a missing file', async () => {
    writeFileSync(join(dir, 'empty.nir'), '');
    expect(await importError(join(dir, 'empty.nir'))).toMatch(/empty\.nir: cannot import: empty file/);
    writeFileSync(join(dir, 'noise.nir'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
    expect(await importError(join(dir, 'noise.nir'))).toMatch(/noise\.nir: cannot import: not a readable HDF5 file/);
    expect(await importError(join(dir, 'none.nir'))).toMatch(
      /none\.nir: cannot import: cannot read: no such file or directory/,
    );
  });
});

describe('the HDF5 reader runs apart, under a time limit', () => {
  test('a read that takes longer than its limit is stopped and named', async () => {
    const path = join(dir, 'snn.nir');
    await writeNir(exampleNirSnn(), path);
    await expect(readHdf5Tree(path, 1)).rejects.toThrow(
      /the HDF5 library did not finish reading it within 0\.001 s: the file is corrupt/,
    );
  });

  test('bytes changed anywhere in a valid file give a graph or a named error (seeded)', async () => {
    const path = join(dir, 'snn.nir');
    await writeNir(exampleNirSnn(), path);
    const base = readFileSync(path);
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 12; i++) {
      const b = Buffer.from(base);
      for (let k = 0; k < 2; k++) b[rnd(b.length)] = rnd(256);
      const p = join(dir, `mutant${i}.nir`);
      writeFileSync(p, b);
      await importNir(p).catch((e: unknown) => expect(e).toBeInstanceOf(ImportError));
    }
  });
});

describe('a NIR file another tool wrote imports and runs as that tool ran it', () => {
  // test/fixtures/nir/norse-mlp: exported by Norse's own NIR export and run by Norse (make.py there)
  const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'nir', 'norse-mlp');

  test("Norse's spiking MLP: spikec's outputs are Norse's, for each of its 8 inputs", async () => {
    const g = await importNir(join(FIXTURE, 'norse-mlp.nir'));
    const rows = JSON.parse(readFileSync(join(FIXTURE, 'inputs.json'), 'utf8')) as number[][];
    const norse = JSON.parse(readFileSync(join(FIXTURE, 'outputs.json'), 'utf8')) as {
      steps: number;
      outputs: number[][];
    };
    expect(simulate(g, rows, { T: norse.steps }).outputs).toEqual(norse.outputs);
    // the run is not vacuous: the outputs differ from row to row
    expect(new Set(norse.outputs.map((o) => o[0])).size).toBe(rows.length);
  });
});
