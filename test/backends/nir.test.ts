import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { NIR_LIMITS, nirProblems, writeNir } from '../../src/backends/nir.js';
import { importNir, loadModel } from '../../src/frontend/index.js';
import { Rng, readProblemFile } from '../../src/frontend/train/index.js';
import { type Graph, Node as NodeSchema, type NodeOf } from '../../src/ir/index.js';
import { DEFAULT_CONTEXT, runPipeline } from '../../src/passes/index.js';
import { simulate } from '../../src/sim/simulate.js';
import { nirReadWrite, norseEvents, runNorseOn } from '../../bench/oracles.js';
import { rasterEvents } from '../../bench/recordings.js';
import { ROOT, spikec } from '../support/cli.js';
import { describeRealTools } from '../support/real-tools.js';

/**
 * The network compiled for `nir` is one NIR's own fields state (src/backends/nir.ts): a reader that
 * knows nothing of spikec runs it as spikec sim does. Without the real tools: the writer refuses what
 * NIR cannot state, and spikec's own import of the file (NIR's fields only) runs as the network. With
 * them: the NIR package keeps it through nir.read and nir.write, and Norse runs it spike for spike.
 */
const PIPELINE = ['fold-weights', 'threshold-balance', 'lower-to-snn', 'calibrate', 'finetune', 'merge-branches'];

async function compiledForNir(model: string, T = 16): Promise<{ g: Graph; rows: number[][] }> {
  const dir = join(ROOT, 'examples', model);
  const domain = readProblemFile(dir)!.domain;
  const ctx = {
    ...DEFAULT_CONTEXT,
    calibration: new Rng(7).box(domain, 64),
    T,
    finetuneSteps: 20,
    limits: NIR_LIMITS,
  };
  const g = runPipeline((await loadModel(dir)).graph, PIPELINE, ctx).graph;
  // grid-like inputs (multiples of 1/64): their products with float32 weights are exact in float64
  const rows = new Rng(5).box(domain, 16).map((r) => r.map((x) => Math.round(x * 64) / 64));
  return { g, rows };
}

const written = async (g: Graph): Promise<string> => {
  const path = join(mkdtempSync(join(tmpdir(), 'spikec-nir-')), 'net.nir');
  await writeNir(g, path);
  return path;
};

const withPopulation = (g: Graph, edit: Partial<NodeOf<'snn.neurons'>>): Graph => {
  const first = g.nodes.find((n) => n.kind === 'snn.neurons')!;
  return { ...g, nodes: g.nodes.map((n) => (n === first ? NodeSchema.parse({ ...n, ...edit }) : n)) };
};

describe('the NIR network', () => {
  test('compiled within NIR_LIMITS: reset to zero, at rest until its input arrives, firing above', async () => {
    const { g } = await compiledForNir('poisson1d');
    expect(nirProblems(g)).toEqual([]);
    for (const n of g.nodes.filter((x): x is NodeOf<'snn.neurons'> => x.kind === 'snn.neurons')) {
      expect([n.reset, n.onset, n.fireAbove, n.arith]).toEqual(['zero', 'window', true, 'float']);
      expect(n.initialV.data.every((v) => v === 0)).toBe(true);
    }
  });

  test('spikec imports the file from NIR fields alone and runs it exactly as the network', async () => {
    const { g, rows } = await compiledForNir('poisson1d');
    const back = await importNir(await written(g));
    expect(simulate(back, rows).outputs).toEqual(simulate(g, rows).outputs);
    for (const row of rows.slice(0, 4))
      expect(rasterEvents(simulate(back, [row], { trace: true }).trace!)).toEqual(
        rasterEvents(simulate(g, [row], { trace: true }).trace!),
      );
  });

  test('what NIR cannot state is refused, each reason named, and nothing is written', async () => {
    const { g } = await compiledForNir('poisson1d');
    const bad = withPopulation(g, { reset: 'subtract', onset: undefined, fireAbove: undefined });
    const [problem] = nirProblems(bad);
    expect(problem).toMatch(/reset subtract .*integrates before its input arrives.*fires at the threshold/);
    const dir = mkdtempSync(join(tmpdir(), 'spikec-nir-'));
    await expect(writeNir(bad, join(dir, 'net.nir'))).rejects.toThrow(/NIR's fields cannot state this network/);
    expect(nirProblems(withPopulation(g, { initialV: { dtype: 'f32', shape: [1], data: [0.5] } })).join()).toMatch(
      /start potential/,
    );
  });
});

test('a SPINN for nir: refused before compiling (NIR has no node for the product), nothing written', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'spikec-nir-')), 'out');
  const r = spikec(['compile', join(ROOT, 'examples', 'poisson2d-spinn'), '--target', 'nir', '-o', out]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^spikec: error: .*poisson2d-spinn.*: nir has no node for %\S+, the product of a SPINN's/m);
  expect(r.stderr).not.toMatch(/compile \[1\//);
  expect(existsSync(out)).toBe(false);
});

describeRealTools('NIR read by tools that know nothing of spikec', () => {
  test('nir.read then nir.write: spikec reads the same network from either file', async () => {
    const { g, rows } = await compiledForNir('poisson1d');
    const ours = await written(g);
    const theirs = join(mkdtempSync(join(tmpdir(), 'spikec-nir-')), 'rewritten.nir');
    const view = nirReadWrite(ours, theirs);
    expect(new Set(Object.values(view.nodes))).toEqual(new Set(['Input', 'Affine', 'IF', 'Output']));
    expect(view.metadata.filter((k) => !['spikec_names', 'spikec_domain', 'spikec_steps'].includes(k))).toEqual([]);
    const [a, b] = [await importNir(ours), await importNir(theirs)];
    expect(b.nodes).toStrictEqual(a.nodes);
    expect(simulate(b, rows).outputs).toEqual(simulate(g, rows).outputs);
  });

  for (const model of ['poisson2d', 'heat1d'])
    test(`${model}: Norse runs the NIR file as spikec sim runs the network, spike for spike (16 inputs)`, async () => {
      const { g, rows } = await compiledForNir(model, 32);
      const nir = await written(g);
      const rowsFile = join(mkdtempSync(join(tmpdir(), 'spikec-rows-')), 'rows.json');
      writeFileSync(rowsFile, JSON.stringify(rows));
      const norse = runNorseOn(g, nir, rowsFile);
      expect(norse.outputs).toEqual(simulate(g, rows).outputs);
      const events = norseEvents(norse, g);
      rows.forEach((row, r) =>
        expect(events[r], `input ${r}`).toEqual(rasterEvents(simulate(g, [row], { trace: true }).trace!)),
      );
      // and not vacuously: every hidden layer spikes
      for (const [id, steps] of Object.entries(events[0])) expect(steps.flat().length, id).toBeGreaterThan(0);
    });
});
