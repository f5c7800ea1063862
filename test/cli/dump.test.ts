import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { encodeGraph, exampleMlp, exampleSnn, printGraph } from '../../src/ir/index.js';
import { spikec } from '../support/cli.js';

describe('spikec dump', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'spikec-dump-'));
    writeFileSync(join(dir, 'mlp.sir'), printGraph(exampleMlp(), { weights: true }));
    writeFileSync(join(dir, 'snn.sirpb'), encodeGraph(exampleSnn()));
  });

  test('prints a text file, summarised by default', () => {
    const r = spikec(['dump', join(dir, 'mlp.sir')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(printGraph(exampleMlp()));
  });

  test('prints a binary file with every weight', () => {
    const r = spikec(['dump', join(dir, 'snn.sirpb'), '--weights']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(printGraph(exampleSnn(), { weights: true }));
  });

  test('converts text to binary and back with -o', () => {
    expect(spikec(['dump', join(dir, 'mlp.sir'), '-o', join(dir, 'mlp.sirpb')]).code).toBe(0);
    expect(readFileSync(join(dir, 'mlp.sirpb'))).toEqual(Buffer.from(encodeGraph(exampleMlp())));
  });

  test('--format json', () => {
    const r = spikec(['dump', join(dir, 'mlp.sir'), '--format', 'json', '--weights']);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(exampleMlp())));
    const summary = JSON.parse(spikec(['dump', join(dir, 'mlp.sir'), '--format', 'json']).stdout);
    expect(summary.nodes[1].weight).toEqual({ dtype: 'f32', shape: [3, 2], summary: { min: -1, max: 2, mean: 0.5 } });
  });

  test('an invalid graph exits non-zero with the verifier message and no stack trace', () => {
    const bad = printGraph(exampleMlp(), { weights: true }).replace(
      'tensor<f32[1,3]> [1, -2, 0.5]',
      'tensor<f32[1,3]> [1, nan, 0.5]',
    );
    writeFileSync(join(dir, 'bad.sir'), bad);
    const r = spikec(['dump', join(dir, 'bad.sir')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `spikec: error: ${join(dir, 'bad.sir')}: invalid graph:\n` +
        '  %h1: weight value 1 is NaN, not a finite number [non-finite]\n',
    );
  });

  test('a malformed or missing file is a clear error; --verbose adds the stack', () => {
    writeFileSync(join(dir, 'garbled.sirpb'), Buffer.from([0x0a, 0xff, 0xff, 0x01]));
    const r = spikec(['dump', join(dir, 'garbled.sirpb')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^spikec: error: .*garbled\.sirpb: not a spikec binary IR file/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(spikec(['dump', join(dir, 'garbled.sirpb'), '--verbose']).stderr).toMatch(/\n\s+at /);
    expect(spikec(['dump', join(dir, 'none.sir')]).stderr).toBe(
      `spikec: error: ${join(dir, 'none.sir')}: cannot read: no such file or directory\n`,
    );
    expect(spikec(['dump', join(dir, 'mlp.sir'), '--format', 'yaml']).stderr).toBe(
      "spikec: error: --format must be text or json, not 'yaml'\n",
    );
  });
});

describe('spikec', () => {
  test('--help lists the commands', () => {
    const r = spikec(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dump \[options\] <file>/);
  });

  test('an unknown command exits non-zero', () => {
    expect(spikec(['frobnicate']).code).not.toBe(0);
  });
});
