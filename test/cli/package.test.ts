import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../support/cli.js';

describe('the npm package', () => {
  test('holds what `spikec` runs from another folder: the built CLI, the examples, the protobuf schemas', () => {
    // what `npm pack` (and so `npm install -g spikec-X.tgz`) would ship, without running `prepare`
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const files = new Set((JSON.parse(r.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
    for (const needed of [
      'bin/spikec.js',
      'dist/src/cli/main.js',
      'dist/src/frontend/nir/hdf5-worker.js',
      'dist/src/sim/kernels-wasm.js',
      'examples/poisson2d/model.json',
      'examples/poisson2d/problem.json',
      'proto/onnx.proto',
      'proto/spikec_ir.proto',
    ])
      expect(files).toContain(needed);
    // and not the sources of the tests and benchmarks
    expect([...files].filter((f) => f.startsWith('test/') || f.startsWith('bench/'))).toEqual([]);
  }, 60_000);
});
