import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadModel } from '../../../src/frontend/index.js';
import { PROBLEMS, exactOn, readProblemFile, testPoints } from '../../../src/frontend/train/index.js';
import { diagnose } from '../../../src/ir/index.js';
import { relativeL2 } from '../../../src/passes/index.js';
import { evalAnn } from '../../../src/sim/ann-eval.js';
import { ROOT, spikec } from '../../support/cli.js';

describe('bundled pre-trained models (examples/)', () => {
  for (const p of PROBLEMS.values()) {
    test(`${p.name}: imports, and its error against the exact solution meets the target ${p.target}`, async () => {
      const dir = join(ROOT, 'examples', p.name);
      const m = await loadModel(dir);
      expect(diagnose(m.graph)).toEqual([]);
      const pf = readProblemFile(dir)!;
      expect(pf.problem).toBe(p.name);
      const points = testPoints(pf);
      const err = relativeL2(evalAnn(m.graph, points), exactOn(p, points), pf.errorOutputs);
      expect(err).toBeLessThanOrEqual(p.target);
      // the figure recorded at training time is what the float64 evaluator measures now
      expect(Math.abs(err - Number(pf.training?.relL2)) / err).toBeLessThan(0.01);
    });
  }
});

test('poisson1d-sin: the sin variant imports with sin activations and meets the poisson1d target', async () => {
  const dir = join(ROOT, 'examples', 'poisson1d-sin');
  const m = await loadModel(dir);
  expect(m.graph.nodes.filter((n) => n.kind === 'ann.act').every((n) => n.kind === 'ann.act' && n.fn === 'sin')).toBe(
    true,
  );
  const pf = readProblemFile(dir)!;
  const points = testPoints(pf);
  expect(relativeL2(evalAnn(m.graph, points), exactOn(PROBLEMS.get('poisson1d')!, points))).toBeLessThanOrEqual(1e-3);
});

describe('spikec train', () => {
  test('writes a model directory that every command accepts', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'spikec-train-')), 'p1');
    const r = spikec([
      'train',
      'poisson1d',
      '--steps',
      '60',
      '--width',
      '8',
      '--depth',
      '2',
      '--act',
      'sin',
      '-o',
      dir,
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/spikec: training poisson1d \(2x8 sin, 60 steps, backend (wasm|cpu|tensorflow)\)/);
    expect(r.stderr).toMatch(/relative L2 error vs exact \d\.\d+e[-+]\d+ \([\d.]+ ms\/step\); wrote /);
    const pf = JSON.parse(readFileSync(join(dir, 'problem.json'), 'utf8'));
    expect(pf).toMatchObject({
      problem: 'poisson1d',
      inputs: ['x'],
      outputs: ['u'],
      domain: [[0, 1]],
      testGrid: [1001],
      training: { act: 'sin', width: 8, depth: 2, steps: 60 },
    });
    const dump = spikec(['import', dir]);
    expect(dump.code).toBe(0);
    expect(dump.stdout).toMatch(/ann\.act\(%\S+\) \{fn = "sin"\}/);
  });

  test('unknown problems and activations are clear errors', () => {
    expect(spikec(['train', 'wave3d', '-o', '/tmp/x']).stderr).toMatch(
      new RegExp(
        String.raw`^spikec: error: unknown problem 'wave3d' ` +
          String.raw`\(known: poisson1d, poisson2d, heat1d, burgers1d, navier-stokes2d, poisson2d-spinn\)`,
      ),
    );
    expect(spikec(['train', 'poisson1d', '--act', 'gelu', '-o', '/tmp/x']).stderr).toMatch(
      /^spikec: error: unknown activation 'gelu'/,
    );
  });
});
