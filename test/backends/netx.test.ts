import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { NETX_LIMITS, netxProblems, writeNetx } from '../../src/backends/netx.js';
import { loadModel } from '../../src/frontend/index.js';
import { Rng, readProblemFile } from '../../src/frontend/train/index.js';
import type { Graph } from '../../src/ir/index.js';
import { DEFAULT_CONTEXT, type PassContext, runPipeline } from '../../src/passes/index.js';
import { BUNDLED_MODELS } from '../../bench/common.js';
import { runLavaScript, runNetx } from '../../bench/oracles.js';
import { ROOT } from '../support/cli.js';
import { describeRealTools } from '../support/real-tools.js';
import { expectRunToMatch } from '../support/real-tool-run.js';

/**
 * lava-netx: a network compiled within netx's limits runs in Lava, loaded by lava-dl's
 * netx.hdf5.Network as a user loads it (the lava-py script's --netx mode), spike for spike as spikec simulates it;
 * any other network is refused with every reason, naming layer and feature, and nothing is written.
 */
// merge-branches makes a SPINN's branches one chain (netx holds one); it leaves an MLP as it is
const CONVERT = [
  'fold-weights',
  'threshold-balance',
  'lower-to-snn',
  'calibrate',
  'stagger',
  'finetune',
  'merge-branches',
  'quantize',
];

async function compiled(model: string, over: Partial<PassContext>): Promise<{ g: Graph; rows: number[][] }> {
  const dir = join(ROOT, 'examples', model);
  const domain = readProblemFile(dir)!.domain;
  const ctx = { ...DEFAULT_CONTEXT, calibration: new Rng(7).box(domain, 64), T: 32, finetuneSteps: 50, ...over };
  const g = runPipeline((await loadModel(dir)).graph, CONVERT, ctx).graph;
  return { g, rows: new Rng(5).box(domain, 16) };
}

describe('lava-netx legality', () => {
  test('the default network is refused with every reason, naming layer and feature', async () => {
    const { g } = await compiled('poisson1d', {});
    const problems = netxProblems(g);
    for (const id of ['dense0_act', 'dense1_act', 'dense2_act']) {
      expect(problems).toContain(`%${id}: reset by subtraction (netx's CUBA neuron resets to zero)`);
      expect(problems.some((p) => p.startsWith(`%${id}: `) && p.includes('start away from rest'))).toBe(true);
    }
    const dir = mkdtempSync(join(tmpdir(), 'spikec-netx-'));
    await expect(writeNetx(g, join(dir, 'net.net.h5'))).rejects.toThrow(
      /^lava-netx cannot run this network as compiled[^\n]*\n {2}%dense0_act: reset by subtraction/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  test('weights netx would clip and biases it cannot hold are named too', async () => {
    const { g } = await compiled('poisson1d', { limits: NETX_LIMITS });
    const widened = {
      ...g,
      nodes: g.nodes.map((n) =>
        n.id === 'dense1_act.syn' && n.kind === 'snn.synapse' && n.weight.kind === 'int'
          ? { ...n, weight: { ...n.weight, exponent: 3 } }
          : n.id === 'dense2_act' && n.kind === 'snn.neurons'
            ? { ...n, bias: { ...n.bias, data: n.bias.data.map((b) => b * 64 + 1) }, biasExp: 0 }
            : n,
      ),
    } as Graph;
    const problems = netxProblems(widened);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^%dense1_act\.syn: \d+ weights outside \[-256, 254\] \(netx's optimize_weight_bits/);
    expect(problems[1]).toMatch(/^%dense2_act: \d+ biases are not a mantissa in \[-4096, 4095\] at exponent 6/);
  });

  test('within netx limits: reset to zero, rest start, weights in [-256, 254], biases at exponent 6', async () => {
    const { g } = await compiled('poisson1d', { limits: NETX_LIMITS });
    expect(netxProblems(g)).toEqual([]);
    for (const n of g.nodes) {
      if (n.kind === 'snn.neurons') {
        expect([n.reset, n.biasExp, n.openingV]).toEqual(['zero', 6, undefined]);
        expect(n.initialV.data.every((v) => v === 0)).toBe(true);
      }
    }
  });
});

describeRealTools('lava-netx in Lava', () => {
  for (const model of BUNDLED_MODELS) {
    test(`${model} within netx limits: the same outputs and spikes per layer per step on 16 inputs`, async () => {
      const { g, rows } = await compiled(model, { limits: NETX_LIMITS });
      const netx = await runNetx(g, rows);
      expectRunToMatch(g, rows, netx);
      // the lava-py script's own processes run the same network (one model: they have their own test)
      if (model === 'poisson1d') expect(runLavaScript(g, rows)).toEqual(netx);
    }, 180_000);
  }
});
