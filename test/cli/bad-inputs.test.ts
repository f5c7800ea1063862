import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeNir } from '../../src/backends/nir.js';
import { encodeGraph, exampleNirSnn, exampleSnn, printGraph } from '../../src/ir/index.js';
import { ROOT, spikec } from '../support/cli.js';
import { wideSnn } from '../support/graphs.js';

/**
 * The bad-input table of docs/cli.md's Errors section, end to end through the CLI: exit status 1, a
 * first line `spikec: error: ` that names the file (or option) and the reason, no stack trace, and
 * no output file left behind.
 */
const P1 = join(ROOT, 'examples', 'poisson1d');
const ONNX = join(ROOT, 'test', 'fixtures', 'onnx', 'poisson2d_tanh.onnx');
let dir: string;
let out: string;
const noise = (n: number, seed: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 7919 + seed * 104729) % 251));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spikec-bad-'));
  out = join(dir, 'out');
  writeFileSync(join(dir, 'a-file'), 'x');
  for (const ext of ['sir', 'sirpb', 'onnx', 'nir', 'json']) {
    writeFileSync(join(dir, `empty.${ext}`), '');
    writeFileSync(join(dir, `noise.${ext}`), noise(2048, ext.length));
  }
  writeFileSync(join(dir, 'snn.sirpb'), encodeGraph(exampleSnn()));
  await writeNir(exampleNirSnn(), join(dir, 'snn.nir'));
  const truncate = (src: string, to: string): void => {
    const b = readFileSync(src);
    writeFileSync(to, b.subarray(0, Math.floor(b.length / 2)));
  };
  truncate(ONNX, join(dir, 'half.onnx'));
  truncate(join(dir, 'snn.sirpb'), join(dir, 'half.sirpb'));
  truncate(join(dir, 'snn.nir'), join(dir, 'half.nir'));
  mkdirSync(join(dir, 'short-shard'));
  copyFileSync(join(P1, 'model.json'), join(dir, 'short-shard', 'model.json'));
  writeFileSync(join(dir, 'short-shard', 'weights.bin'), readFileSync(join(P1, 'weights.bin')).subarray(0, 100));
  mkdirSync(join(dir, 'no-shard'));
  copyFileSync(join(P1, 'model.json'), join(dir, 'no-shard', 'model.json'));
  writeFileSync(join(dir, 'wide.json'), JSON.stringify([[0.1, 0.2]]));
  writeFileSync(join(dir, 'nan.json'), '[[NaN]]');
  writeFileSync(join(dir, 'strings.json'), JSON.stringify({ inputs: [['0.5']] }));
  // a readout summing 20,000 neurons: more than a Loihi 2 neuron's fan-in
  writeFileSync(join(dir, 'huge.sir'), printGraph(wideSnn(20_000, [[0, 1]]), { weights: true }));
});

const d = (f: string): string => join(dir, f);

const TABLE: [string, () => string[], RegExp][] = [
  ['missing model file', () => ['import', d('none.onnx')], /none\.onnx: cannot import: no such file or directory/],
  ['empty .sir', () => ['dump', d('empty.sir')], /empty\.sir/],
  ['empty .sirpb', () => ['dump', d('empty.sirpb')], /empty\.sirpb/],
  ['empty .onnx', () => ['import', d('empty.onnx')], /empty\.onnx: cannot import/],
  ['empty .nir', () => ['import', d('empty.nir')], /empty\.nir: cannot import: empty file/],
  ['empty model.json', () => ['import', d('empty.json')], /empty\.json: cannot import: not JSON/],
  ['random bytes, .sir', () => ['dump', d('noise.sir')], /noise\.sir/],
  ['random bytes, .sirpb', () => ['dump', d('noise.sirpb')], /noise\.sirpb: not a spikec binary IR file/],
  ['random bytes, .onnx', () => ['import', d('noise.onnx')], /noise\.onnx: cannot import/],
  ['random bytes, .nir', () => ['import', d('noise.nir')], /noise\.nir: cannot import: not a readable HDF5 file/],
  ['random bytes, model.json', () => ['import', d('noise.json')], /noise\.json: cannot import: not JSON/],
  ['truncated .onnx', () => ['import', d('half.onnx')], /half\.onnx: cannot import/],
  ['truncated .sirpb', () => ['dump', d('half.sirpb')], /half\.sirpb/],
  ['truncated .nir', () => ['import', d('half.nir')], /half\.nir: cannot import: /],
  [
    'model.json with a short shard',
    () => ['import', d('short-shard')],
    /weight shards 'weights\.bin': hold 100 bytes, but the weights they carry .* need \d+/,
  ],
  [
    'model.json with a missing shard',
    () => ['import', d('no-shard')],
    /weight shard 'weights\.bin': listed in the weights manifest but cannot be read: no such file or directory/,
  ],
  [
    'inputs of the wrong width',
    () => ['eval', P1, '--inputs', d('wide.json')],
    /wide\.json: input row 0 has 2 values, the model takes 1/,
  ],
  ['inputs with NaN', () => ['eval', P1, '--inputs', d('nan.json')], /nan\.json: not JSON/],
  [
    'inputs as strings',
    () => ['eval', P1, '--inputs', d('strings.json')],
    /strings\.json: input row 0 is not an array of finite numbers/,
  ],
  ['--T 0', () => ['compile', P1, '--T', '0'], /--T must be an integer from 1 to 4096, not '0'/],
  ['--T negative', () => ['compile', P1, '--T', '-3'], /--T must be an integer from 1 to 4096, not '-3'/],
  ['--T not an integer', () => ['verify', P1, '--T', '7.5'], /--T must be an integer from 1 to 4096, not '7\.5'/],
  [
    '--T absurdly large',
    () => ['sim', d('snn.sirpb'), '--input', '0.5', '--T', '100000000'],
    /--T must be an integer from 1 to 4096, not '100000000'/,
  ],
  [
    'unknown --strategy',
    () => ['compile', P1, '--strategy', 'magic'],
    /unknown strategy 'magic' \(known: clip, signed, pwl\)/,
  ],
  ['unknown --target', () => ['compile', P1, '--target', 'loihi9'], /unknown target 'loihi9'/],
  [
    'unknown option (--spike-budget: not built yet)',
    () => ['compile', P1, '--spike-budget', '1000'],
    /unknown option '--spike-budget'/,
  ],
  ['malformed --domain', () => ['compile', ONNX, '--domain', '0:1;0:1'], /--domain needs lo:hi pairs/],
  [
    '--domain of the wrong length, named with the fix',
    () => ['compile', ONNX, '--domain', '0:1'],
    /--domain 0:1 has 1 interval, but the model takes 2 inputs: give one lo:hi per input \(--domain 0:1,0:1\)/,
  ],
  [
    '-o under a file',
    () => ['compile', P1, '--target', 'nir', '-o', join(d('a-file'), 'out')],
    /'.*a-file' is a file, not a directory/,
  ],
  [
    'a network that cannot fit the hardware',
    () => [
      'compile',
      d('huge.sir'),
      '--quiet',
      '--pipeline',
      'fold-weights',
      '--target',
      'loihi2,json',
      '--chips',
      '1',
      '-o',
      out,
    ],
    /map-cores: %r: fan-in 20000 exceeds the loihi2 limit of 16384/,
  ],
];

describe('bad inputs: exit 1, a line naming the file or option and the reason, no stack trace, no output left', () => {
  for (const [what, args, message] of TABLE) {
    test(what, () => {
      const r = spikec(args());
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^spikec: error: /);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    });
  }
});

test('a missing model file is one line, as docs/cli.md promises', () => {
  const r = spikec(['compile', d('none.onnx'), '-o', d('none.sir')]);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(`spikec: error: ${d('none.onnx')}: cannot import: no such file or directory\n`);
});

describe('an unwritable output directory', () => {
  const locked = (): string => join(dir, 'locked');
  let how: 'chattr' | 'chmod' | undefined;
  beforeAll(() => {
    mkdirSync(locked());
    // root writes through permission bits; an immutable directory stops root too
    try {
      execFileSync('chattr', ['+i', locked()], { stdio: 'ignore' });
      how = 'chattr';
    } catch {
      execFileSync('chmod', ['0555', locked()]);
      how = 'chmod';
    }
  });
  afterAll(() => {
    if (how === 'chattr') execFileSync('chattr', ['-i', locked()]);
  });

  test('is named before any work starts', () => {
    const r = spikec(['compile', P1, '--target', 'nir', '-o', locked()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`spikec: error: -o ${locked()}: the directory is not writable\n`);
    const f = spikec(['compile', P1, '-o', join(locked(), 'm.sir')]);
    expect(f.stderr).toBe(
      `spikec: error: -o ${join(locked(), 'm.sir')}: the directory '${locked()}' is not writable\n`,
    );
  });
});
