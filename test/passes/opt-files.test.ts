import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PASSES } from '../../src/passes/index.js';
import { ROOT, spikec } from '../support/cli.js';

/**
 * IR-in/IR-out tests of each pass, in the spirit of MLIR's lit + FileCheck: test/passes/PASS/CASE.sir
 * starts with `// RUN: spikec opt %s ARGS`; `spikec opt` (the CLI, as a user runs it) must print exactly
 * CASE.expected.sir. UPDATE_GOLDEN=1 rewrites the expected files.
 */
const DIR = join(ROOT, 'test', 'passes');

function cases(pass: string): string[] {
  const dir = join(DIR, pass);
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.sir') && !f.endsWith('.expected.sir'))
        .sort()
    : [];
}

describe('spikec opt, one pass at a time', () => {
  test('every pass has at least one IR-in/IR-out test', () => {
    expect([...PASSES.keys()].filter((p) => cases(p).length === 0)).toEqual([]);
  });

  for (const pass of PASSES.keys()) {
    for (const file of cases(pass)) {
      test(`${pass}/${file}`, () => {
        const path = join(DIR, pass, file);
        const run = /^\/\/ RUN: spikec opt %s (.*)$/m.exec(readFileSync(path, 'utf8'));
        expect(run, `${file} needs a '// RUN: spikec opt %s ARGS' line`).not.toBeNull();
        const r = spikec(['opt', path, ...run![1].split(/\s+/)]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const expected = join(DIR, pass, file.replace(/\.sir$/, '.expected.sir'));
        if (process.env.UPDATE_GOLDEN === '1' || (!existsSync(expected) && !process.env.CI))
          writeFileSync(expected, r.stdout);
        expect(r.stdout).toBe(readFileSync(expected, 'utf8'));
      });
    }
  }
});
