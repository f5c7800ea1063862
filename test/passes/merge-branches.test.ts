import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type Graph, type NodeOf, parseGraph, verify } from '../../src/ir/index.js';
import { join } from 'node:path';
import { loadModel } from '../../src/frontend/index.js';
import { Rng } from '../../src/frontend/train/index.js';
import {
  DEFAULT_CONTEXT,
  SIGMA_DELTA_PIPELINE,
  mergeBranches,
  relativeL2,
  runPass,
  runPipeline,
} from '../../src/passes/index.js';
import { ROOT } from '../support/cli.js';
import { simulate } from '../../src/sim/simulate.js';

const spinn = (): Graph =>
  parseGraph(readFileSync(new URL('../fixtures/passes/two-branches.sir', import.meta.url), 'utf8'));
const within = { ...DEFAULT_CONTEXT, limits: { chain: true } };

describe('merge-branches', () => {
  test('the merged chain computes what the branches did: same outputs, same spikes (property)', () => {
    const g = spinn();
    const { graph, stats } = runPass(mergeBranches, g, within);
    verify(graph);
    expect(stats).toEqual({ branches: 2, depth: 2 });
    expect(graph.nodes.filter((n) => n.kind === 'snn.readout').map((n) => n.id)).toEqual(['a1_and_b1']);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), {
          minLength: 1,
        }),
        (rows) => {
          const [before, after] = [simulate(g, rows), simulate(graph, rows)];
          expect(after.outputs).toEqual(before.outputs);
          expect(after.layers.reduce((s, l) => s + l.spikes, 0)).toBe(before.layers.reduce((s, l) => s + l.spikes, 0));
        },
      ),
      { numRuns: 50 },
    );
  });

  test('without a format that needs one chain, or with one branch, the graph is left as it is', () => {
    const g = spinn();
    expect(runPass(mergeBranches, g, DEFAULT_CONTEXT).graph).toBe(g);
    const merged = runPass(mergeBranches, g, within).graph;
    expect(runPass(mergeBranches, merged, within).graph).toBe(merged);
  });

  test('branches whose neurons differ cannot share a population: the error names both and the attribute', () => {
    const g = spinn();
    const nodes = g.nodes.map((n) => (n.id === 'b0' ? { ...(n as NodeOf<'snn.neurons'>), threshold: 2 } : n));
    expect(() => runPass(mergeBranches, { ...g, nodes }, within)).toThrow(
      /merge-branches: %a0 and %b0 differ in threshold \(1, 2\): they cannot be one population/,
    );
  });

  test('sigma-delta branches: one population sends as finely as the finest branch did', async () => {
    const square: [number, number][] = [
      [0, 1],
      [0, 1],
    ];
    const ctx = { ...DEFAULT_CONTEXT, calibration: new Rng(7).box(square, 32), finetuneSteps: 0 };
    const ann = (await loadModel(join(ROOT, 'examples', 'poisson2d-spinn'))).graph;
    const g = runPipeline(ann, SIGMA_DELTA_PIPELINE, ctx).graph;
    const merged = runPass(mergeBranches, g, { ...ctx, limits: { chain: true } }).graph;
    const threshold = (h: Graph, id: string) =>
      (h.nodes.find((n) => n.id === id) as NodeOf<'snn.sigma-delta'>).threshold;
    const [x0, y0] = [threshold(g, 'x_dense0_act.z'), threshold(g, 'y_dense0_act.z')];
    expect(threshold(merged, 'x_dense0_act.z_and_y_dense0_act.z')).toBe(Math.min(x0, y0));
    expect(x0).not.toBe(y0);
    // finer thresholds: each neuron ends within its (smaller) threshold of its value, so the outputs stay close
    const rows = new Rng(5).box(square, 8);
    const [before, after] = [simulate(g, rows).outputs, simulate(merged, rows).outputs];
    expect(relativeL2(after, before)).toBeLessThan(0.05);
  });

  test('branches of different depths are not one chain', () => {
    const g = spinn();
    // b's readout reads the encoder directly: one layer where a has two
    const nodes = g.nodes
      .filter((n) => n.id !== 'b0' && n.id !== 'b0.syn')
      .map((n) =>
        n.id === 'b1.syn'
          ? {
              ...n,
              inputs: ['x'],
              weight: { kind: 'float' as const, values: { shape: [2, 2], data: Float32Array.from([1, 0, 0, 1]) } },
            }
          : n,
      );
    expect(() => runPass(mergeBranches, { ...g, nodes } as Graph, within)).toThrow(/branches of different depths/);
  });
});
