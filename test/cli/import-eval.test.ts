import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT, spikec } from '../support/cli.js';

const FIX = join(ROOT, 'test', 'fixtures', 'onnx');

describe('spikec import and eval, as a user runs them', () => {
  test('import an ONNX PINN to binary IR, then eval the IR and the model on the reference inputs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spikec-e2e-'));
    const ir = join(dir, 'spinn.sirpb');
    const imp = spikec(['import', join(FIX, 'poisson2d_spinn.onnx'), '-o', ir]);
    expect(imp.code).toBe(0);
    expect(imp.stderr).toBe(`spikec: wrote ${ir} (15 ops)\n`);
    const dump = spikec(['dump', ir]);
    expect(dump.stdout).toMatch(/ann\.product\(%fx\.fx\.4\.Gemm, %fy\.fy\.4\.Gemm\) \{rank = 16\} : f32\[1\]/);

    const ref = JSON.parse(readFileSync(join(FIX, 'poisson2d_spinn.reference.json'), 'utf8')) as {
      inputs: number[][];
      outputs: number[][];
    };
    for (const model of [ir, join(FIX, 'poisson2d_spinn.onnx')]) {
      const r = spikec(['eval', model, '--inputs', join(FIX, 'poisson2d_spinn.reference.json')]);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout).outputs as number[][];
      expect(out).toHaveLength(64);
      out.forEach((o, i) => expect(Math.abs(o[0] - ref.outputs[i][0])).toBeLessThan(1e-5));
    }
    writeFileSync(join(dir, 'rows.json'), JSON.stringify([[0.5, 0.5]]));
    expect(JSON.parse(spikec(['eval', ir, '--inputs', join(dir, 'rows.json')]).stdout).outputs).toHaveLength(1);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify([[0.5]]));
    const bad = spikec(['eval', ir, '--inputs', join(dir, 'bad.json')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(`spikec: error: ${join(dir, 'bad.json')}: input row 0 has 1 values, the model takes 2\n`);
  });
});
