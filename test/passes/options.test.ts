import { describe, expect, test } from 'vitest';
import {
  DEFAULT_CONTEXT,
  PASSES,
  PASS_OPTIONS,
  PassOptionError,
  attributeOf,
  defaultOf,
  optionsOf,
} from '../../src/passes/index.js';
import { spikec } from '../support/cli.js';

describe('pass options: each pass declares the flags it reads', () => {
  test('every option belongs to a pass, is declared once, and defaults to the default context', () => {
    expect(new Set(PASS_OPTIONS.map((o) => o.flag)).size).toBe(PASS_OPTIONS.length);
    for (const o of PASS_OPTIONS) {
      expect([...PASSES.values()].some((p) => p.options?.includes(o))).toBe(true);
      expect(defaultOf(o)).toBe(DEFAULT_CONTEXT[o.field]);
    }
  });

  test('flags become the attributes the CLI reads', () => {
    expect(PASS_OPTIONS.map(attributeOf)).toEqual(
      expect.arrayContaining(['T', 'K', 'sdThreshold', 'finetuneSteps', 'weightCalibration', 'percentile']),
    );
  });

  test('parsers take what the field takes and name the flag otherwise', () => {
    const byFlag = (flag: string) => PASS_OPTIONS.find((o) => o.flag.startsWith(`${flag} `))!;
    expect(byFlag('--K').parse!('6')).toBe(6);
    expect(() => byFlag('--K').parse!('0')).toThrow(
      new PassOptionError("--K must be an integer from 1 to 256, not '0'"),
    );
    expect(byFlag('--percentile').parse!('max')).toBe('max');
    expect(byFlag('--percentile').parse!('99')).toBe(99);
    expect(() => byFlag('--percentile').parse!('40')).toThrow(/--percentile must be in \(50, 100\]/);
    expect(() => byFlag('--reset').parse!('half')).toThrow("--reset must be subtract or zero, not 'half'");
    expect(() => byFlag('--sd-threshold').parse!('1')).toThrow(/between 0 and 1/);
  });

  test("optionsOf lists the named passes' options once each", () => {
    const flags = optionsOf(['lower-to-snn', 'lower-to-sigma-delta']).map((o) => o.flag.split(' ')[0]);
    expect(flags).toEqual(['--T', '--strategy', '--K', '--balance', '--reset', '--sd-threshold']);
    expect(optionsOf(['map-cores'])).toEqual([]);
  });

  test("spikec opt --pass X --help shows X and its options, not the other passes'", () => {
    const r = spikec(['opt', '--pass', 'stagger', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--stagger <M>/);
    expect(r.stdout).not.toMatch(/--K <n>|--finetune-steps|--sd-threshold/);
    expect(r.stdout).toMatch(/--pass <names>/);
    expect(r.stdout).toMatch(/stagger: .*\n\s+options: --stagger/);
    const all = spikec(['opt', '--help']).stdout;
    for (const o of PASS_OPTIONS) expect(all).toContain(o.flag);
    expect(all).toMatch(/passes: fold-univariate, fold-weights, threshold-balance/);
  });

  test('a bad value is a usage error naming the flag, before any work', () => {
    const r = spikec(['opt', 'missing.sir', '--pass', 'lower-to-snn', '--K', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--K must be an integer from 1 to 256, not '0'/);
  });
});
