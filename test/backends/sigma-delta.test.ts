import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  NETX_LIMITS,
  backendProblems,
  lavaScript,
  netxProblems,
  writeNetx,
  writeNir,
} from '../../src/backends/index.js';
import { loadModel } from '../../src/frontend/index.js';
import { Rng, readProblemFile } from '../../src/frontend/train/index.js';
import { type Graph, SD_SPIKE_EXP } from '../../src/ir/index.js';
import { describeJson } from '../../src/backends/json.js';
import { openHdf5 } from '../../src/backends/hdf5.js';
import {
  DEFAULT_CONTEXT,
  SIGMA_DELTA_PIPELINE,
  TARGET_PIPELINE,
  type PassContext,
  runPipeline,
} from '../../src/passes/index.js';
import { pythonRun, runLavaScript, runNetx } from '../../bench/oracles.js';
import { simulate } from '../../src/sim/simulate.js';
import { ROOT } from '../support/cli.js';
import { describeRealTools } from '../support/real-tools.js';
import { expectRunToMatch } from '../support/real-tool-run.js';

/**
 * Sigma-delta networks in the real tools: the netx file (SDNN layers, loaded by netx.hdf5.Network) and
 * the lava-py script (Lava's own Dense, SigmaDelta and Sigma processes) run in Lava with fixed_pt
 * payload for payload as spikec simulates them; NIR, which has no sigma-delta neuron, refuses.
 */
async function compiled(model: string, over: Partial<PassContext> = {}): Promise<{ g: Graph; rows: number[][] }> {
  const dir = join(ROOT, 'examples', model);
  const domain = readProblemFile(dir)!.domain;
  // a short finetune (float, then on the integers): the files are checked for what they run, which is
  // the same kind of network however long it fitted
  const ctx = {
    ...DEFAULT_CONTEXT,
    calibration: new Rng(7).box(domain, 64),
    limits: NETX_LIMITS,
    finetuneSteps: 25,
    ...over,
  };
  const pipeline = [...SIGMA_DELTA_PIPELINE, ...TARGET_PIPELINE['sigma-delta']];
  const g = runPipeline((await loadModel(dir)).graph, pipeline, ctx).graph;
  return { g, rows: new Rng(5).box(domain, 16) };
}

describe('sigma-delta targets', () => {
  test('within netx: nothing to refuse; a float network is refused naming layer and feature', async () => {
    const { g } = await compiled('poisson1d', { finetuneSteps: 0 });
    expect(netxProblems(g)).toEqual([]);
    const dir = join(ROOT, 'examples', 'poisson1d');
    const ctx = { ...DEFAULT_CONTEXT, calibration: new Rng(7).box(readProblemFile(dir)!.domain, 64), finetuneSteps: 0 };
    const f = runPipeline((await loadModel(dir)).graph, SIGMA_DELTA_PIPELINE, ctx).graph;
    const problems = netxProblems(f);
    expect(problems).toContain('%univariate_act.z: float neurons (quantize first)');
    expect(problems).toContain('%univariate_act.z.syn: float weights (netx takes integers: quantize first)');
  });

  test('the JSON description says how to load and run the network in Lava', async () => {
    const { g } = await compiled('poisson1d', { finetuneSteps: 0 });
    expect(JSON.parse(describeJson(g, undefined, 'loihi2')).sigma_delta).toEqual({
      spike_exp: SD_SPIKE_EXP,
      state_exp: 6,
      process_model: 'PySigmaDeltaModelFixedCorrected',
    });
  });

  test("lava-py refuses weights Lava's Dense would clip (generic's 16-bit mantissas), naming the layer", async () => {
    const { g } = await compiled('poisson1d', { finetuneSteps: 0, profile: 'generic', limits: {} });
    const problems = backendProblems(g, 'lava-py');
    expect(problems[0]).toMatch(
      /^%univariate_act\.z\.syn: weight mantissas in \[-?\d+, \d+\], beyond what Lava's Dense keeps/,
    );
    expect(() => lavaScript(g)).toThrow(/^lava-py cannot run this network as compiled:\n {2}%univariate_act\.z\.syn/);
    expect(backendProblems((await compiled('poisson1d', { finetuneSteps: 0 })).g, 'lava-py')).toEqual([]);
  });

  test('stored sparse: the netx file says so, the script loads it so and builds Sparse; mixed refused', async () => {
    const { g } = await compiled('poisson1d', { finetuneSteps: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'spikec-sd-sparse-'));
    await writeNetx(g, join(dir, 'net.net.h5'));
    const f = await openHdf5(join(dir, 'net.net.h5'));
    expect(Number((f.get('simulation/sparseFcLayer') as { value: unknown }).value)).toBe(1);
    const script = lavaScript(g);
    expect(script).toMatch(/^SPARSE = True$/m);
    expect(script).toMatch(/sparse_fc_layer=SPARSE/);
    expect(script).toMatch(/synapse = Sparse if layer\["sparse"\] else Dense/);
    const first = g.nodes.find((n) => n.kind === 'snn.synapse')!;
    const mixed = { ...g, nodes: g.nodes.map((n) => (n === first ? { ...n, storage: 'dense' } : n)) } as Graph;
    expect(netxProblems(mixed)).toContain(
      'layers stored sparse and dense (netx loads every dense layer one way: sparse_fc_layer)',
    );
  });

  test('nir refuses a sigma-delta network and writes nothing', async () => {
    const { g } = await compiled('poisson1d', { finetuneSteps: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'spikec-sd-nir-'));
    await expect(writeNir(g, join(dir, 'net.nir'))).rejects.toThrow(/^nir: [^]*NIR has no sigma-delta neuron/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describeRealTools('sigma-delta networks in Lava', () => {
  test('poisson2d: netx file and lava-py processes, same outputs and messages per layer per step', async () => {
    const { g, rows } = await compiled('poisson2d');
    // one netx network for all 16 queries, its state set back to 0 between two: each as if alone
    const netx = await runNetx(g, rows);
    expectRunToMatch(g, rows, netx);
    // in batches (a Lava run each, one copy of the network per row)
    expect(runLavaScript(g, rows, ['--batch', '5'])).toEqual(netx);
  }, 240_000);

  test('many rows: progress on stderr after each batch, --out holds every finished batch', async () => {
    const { g } = await compiled('poisson1d', { finetuneSteps: 0 });
    const rows = new Rng(9).box([[0, 1]], 10);
    const dir = mkdtempSync(join(tmpdir(), 'spikec-sd-batches-'));
    writeFileSync(join(dir, 'net.py'), lavaScript(g));
    writeFileSync(join(dir, 'rows.json'), JSON.stringify(rows));
    const out = join(dir, 'out.json');
    const r = pythonRun([join(dir, 'net.py'), join(dir, 'rows.json'), '--batch', '4', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /net\.py: 4\/10 rows through Lava, \d+ s\n(.*\n)*.*net\.py: 8\/10 rows .*\n(.*\n)*.*10\/10 rows/,
    );
    const written = JSON.parse(readFileSync(out, 'utf8'));
    expect(written).toMatchObject({ rows: 10, of: 10 });
    expect(written.outputs).toEqual(simulate(g, rows).outputs);
    expect(readdirSync(dir).sort()).toEqual(['net.py', 'out.json', 'rows.json']);
  }, 240_000);

  test('heat1d, a stream along t: netx file and lava-py processes, same outputs and messages per step', async () => {
    // Lava's corrected fixed-point model carries what a message's floor drops, as spikec sim does: no drift
    const { g } = await compiled('heat1d');
    const stream = Array.from({ length: 3 }, (_, x) => Array.from({ length: 40 }, (_, t) => [0.2 + 0.3 * x, t / 39]));
    const rows = stream.flat();
    const sim = simulate(g, rows, { stream: true, trace: true });
    const ours = [Object.fromEntries([...sim.trace!].map(([id, steps]) => [id, steps.map((x) => Array.from(x))]))];
    const processes = runLavaScript(g, rows, ['--stream']);
    expect(processes.outputs).toEqual(sim.outputs);
    expect(processes.rasters).toEqual(ours);
    expect(await runNetx(g, rows, ['--stream'])).toEqual(processes);
  }, 240_000);

  for (const model of ['heat1d', 'navier-stokes2d', 'poisson2d-spinn']) {
    test(`${model}: lava-py processes, same outputs and messages per layer per step, 16 inputs`, async () => {
      const { g, rows } = await compiled(model);
      expectRunToMatch(g, rows, runLavaScript(g, rows));
    }, 120_000);
  }
});
