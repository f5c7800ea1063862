import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ROOT, spikec } from '../support/cli.js';

const P1 = join(ROOT, 'examples', 'poisson1d');
let dir: string;
let aFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spikec-checks-'));
  aFile = join(dir, 'a-file');
  writeFileSync(aFile, 'not a directory');
});

/** One error line, exit 1, and nothing else on stderr: no progress line, so no work had started. */
function refused(args: string[], message: string | RegExp): void {
  const r = spikec(args);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  if (typeof message === 'string') expect(r.stderr).toBe(`spikec: error: ${message}\n`);
  else {
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  }
}

describe('options and output paths are checked before any work starts', () => {
  test('backends without -o, and -o that is not an IR file without backends', () => {
    refused(['compile', P1, '--target', 'nir'], '--target nir writes files: give -o DIR');
    refused(
      ['compile', P1, '--target', 'loihi2', '-o', join(dir, 'outdir')],
      `-o ${join(dir, 'outdir')}: an IR output needs a .sir (text) or .sirpb (binary) name; ` +
        'to write hardware files, name backends in --target (lava-netx, nir, lava-py, json) and give -o DIR',
    );
  });

  test('an option the chosen format cannot express', () => {
    refused(
      ['compile', P1, '--strategy', 'signed', '--target', 'lava-netx', '-o', join(dir, 'netx')],
      '--strategy signed sends ternary spikes, which lava-netx cannot express',
    );
    refused(
      ['compile', P1, '--coding', 'sigma-delta', '--target', 'lava-netx,nir', '-o', join(dir, 'sd-nir')],
      '--coding sigma-delta sends graded messages, which nir cannot express',
    );
  });

  test('-o under a file, for every command that writes', () => {
    const under = `'${aFile}' is a file, not a directory`;
    refused(['train', 'poisson1d', '-o', join(aFile, 'm')], `-o ${join(aFile, 'm')}: ${under}`);
    refused(['compile', P1, '-o', join(aFile, 'x.sir')], `-o ${join(aFile, 'x.sir')}: ${under}`);
    refused(['compile', P1, '--target', 'nir', '-o', join(aFile, 'd')], `-o ${join(aFile, 'd')}: ${under}`);
    refused(['compile', P1, '--target', 'nir', '-o', aFile], `-o ${aFile}: is a file; give a directory`);
    refused(['import', P1, '-o', join(aFile, 'm.sir')], `-o ${join(aFile, 'm.sir')}: ${under}`);
    refused(['verify', P1, '--plot', join(aFile, 'plots')], `--plot ${join(aFile, 'plots')}: ${under}`);
    refused(['demo', '-o', join(aFile, 'out')], `-o ${join(aFile, 'out')}: ${under}`);
  });

  test('numbers out of range and malformed lists', () => {
    refused(['compile', P1, '--T', '1e9'], "--T must be an integer from 1 to 4096, not '1e9'");
    refused(['verify', P1, '--sweep-T', '8,99999'], "--sweep-T must be an integer from 1 to 4096, not '99999'");
    refused(['compile', P1, '--T', '2.5'], "--T must be an integer from 1 to 4096, not '2.5'");
    refused(
      ['compile', P1, '--domain', '0:1:5,0:1'],
      "--domain needs lo:hi pairs with lo < hi, separated by commas; '0:1:5' is not one",
    );
    refused(
      ['compile', P1, '--domain', '0:'],
      "--domain needs lo:hi pairs with lo < hi, separated by commas; '0:' is not one",
    );
    refused(['sim', join(dir, 'x.sir'), '--input', '0.5,'], "--input must be comma-separated numbers, not '0.5,'");
    refused(
      ['compile', P1, '--calib-inputs', join(dir, 'none.json')],
      `${join(dir, 'none.json')}: cannot read: no such file or directory`,
    );
  });
});

describe('newcomer findings', () => {
  test('a compile of an imported .sir takes its calibration inputs from the domain it records', () => {
    const sir = join(dir, 'p1.sir');
    expect(spikec(['import', P1, '-o', sir]).code).toBe(0);
    const r = spikec([
      'compile',
      sir,
      '--T',
      '8',
      '--finetune-steps',
      '0',
      '--stagger',
      '1',
      '--calib-samples',
      '16',
      '-o',
      join(dir, 'p1c.sir'),
    ]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
  });

  test('dump -o writes the file and prints only what it wrote', () => {
    const sir = join(dir, 'p1-dump.sir');
    expect(spikec(['import', P1, '-o', sir]).code).toBe(0);
    const r = spikec(['dump', sir, '-o', join(dir, 'p1.sirpb')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`spikec: wrote ${join(dir, 'p1.sirpb')} (9 ops)\n`);
  });

  test('help of import, compile and eval names .nir', () => {
    for (const cmd of ['import', 'compile', 'eval']) expect(spikec([cmd, '--help']).stdout).toMatch(/\.nir/);
  });

  test('long commands print progress lines when stderr is not a terminal; --quiet silences them', () => {
    const small = ['compile', P1, '--coding', 'rate', '--T', '8', '--calib-samples', '16'];
    const c = spikec([...small, '--finetune-steps', '20', '--stagger', '1', '-o', join(dir, 'progress.sir')]);
    expect(c.code).toBe(0);
    expect(c.stderr).toMatch(
      new RegExp(
        String.raw`^spikec: compiling .*poisson1d: a rate network, 7 passes\nspikec: compile \[1\/7\] fold-weights\n` +
          String.raw`(.*\n)*spikec: compile \[6\/7\] finetune\n`,
      ),
    );
    const q = spikec([...small, '--finetune-steps', '0', '--quiet', '-o', join(dir, 'quiet.sir')]);
    expect(q.stderr).toBe(`spikec: wrote ${join(dir, 'quiet.sir')} (10 ops)\n`);
    const t = spikec(['train', 'poisson1d', '--steps', '10', '-o', join(dir, 'trained')]);
    expect(t.code).toBe(0);
    expect(t.stderr).toMatch(/0\/10 steps \| loss/);
    expect(t.stderr).toMatch(/10\/10 steps \| loss \d/);
  });

  test('a model.json whose layer graph names a missing layer is refused at once (tfjs would loop for ever)', () => {
    const d = join(dir, 'missing-layer');
    mkdirSync(d);
    const json = JSON.parse(readFileSync(join(P1, 'model.json'), 'utf8'));
    json.modelTopology.config.layers[2].inbound_nodes[0][0][0] = 'nope';
    writeFileSync(join(d, 'model.json'), JSON.stringify(json));
    copyFileSync(join(P1, 'weights.bin'), join(d, 'weights.bin'));
    const r = spikec(['import', d], { timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/inbound node names layer 'nope', which the model does not define/);
    expect(readdirSync(d).sort()).toEqual(['model.json', 'weights.bin']);
  });
});
