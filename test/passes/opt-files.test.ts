import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PASSES } from '../../src/passes/index.js';
import { ROOT, spikec } from '../support/cli.js';
import { directivesOf, fileCheck } from '../support/filecheck.js';

/**
 * IR-in/IR-out tests of each pass, in the manner of MLIR's lit + FileCheck: test/passes/PASS/*.sir start
 * with `// RUN: spikec opt %s --split-input-file ARGS`; their cases, apart on `// -----` lines, each
 * carry `// CHECK:`, `// CHECK-NEXT:` and `// CHECK-NOT:` lines (test/support/filecheck.ts) on what the
 * pass must do, which `spikec opt` (the CLI, as a user runs it) must print. A case without CHECK lines
 * fails: no expectation is written by the test itself.
 */
const DIR = join(ROOT, 'test', 'passes');
/** Every pass has at least this many cases. */
const MIN_CASES = 3;
const SPLIT = /^\/\/ -----\s*$/;

interface Case {
  readonly text: string;
  readonly firstLine: number;
}

function files(pass: string): string[] {
  const dir = join(DIR, pass);
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.sir'))
        .sort()
        .map((f) => join(dir, f))
    : [];
}

function casesOf(text: string): Case[] {
  const lines = text.split('\n');
  const cases: Case[] = [];
  let start = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i < lines.length && !SPLIT.test(lines[i])) continue;
    cases.push({ text: lines.slice(start, i).join('\n'), firstLine: start + 1 });
    start = i + 1;
  }
  return cases;
}

const outputsOf = (stdout: string): string[] => casesOf(stdout).map((c) => c.text);

describe('spikec opt, one pass at a time (FileCheck)', () => {
  test(`every pass has at least ${MIN_CASES} cases, each with CHECK lines`, () => {
    const short = [...PASSES.keys()].filter(
      (p) => files(p).reduce((n, f) => n + casesOf(readFileSync(f, 'utf8')).length, 0) < MIN_CASES,
    );
    expect(short).toEqual([]);
    const folders = readdirSync(DIR, { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(folders.map((d) => d.name).filter((name) => !PASSES.has(name))).toEqual([]);
  });

  test('--split-input-file: a missing file is one line, as for any model', () => {
    const r = spikec(['opt', 'missing.sir', '--split-input-file', '--pass', 'fold-weights']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('spikec: error: missing.sir: cannot import: no such file or directory\n');
  });

  for (const pass of PASSES.keys()) {
    for (const path of files(pass)) {
      test(relative(DIR, path), () => {
        const text = readFileSync(path, 'utf8');
        const run = /^\/\/ RUN: spikec opt %s (.*)$/m.exec(text);
        expect(run, `${path} needs a '// RUN: spikec opt %s --split-input-file ARGS' line`).not.toBeNull();
        const args = run![1].split(/\s+/);
        expect(args, 'the RUN line runs the cases one by one').toContain('--split-input-file');
        const r = spikec(['opt', path, ...args]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const cases = casesOf(text);
        const outputs = outputsOf(r.stdout);
        expect(outputs).toHaveLength(cases.length);
        const failures = cases.flatMap((c, i) => {
          const directives = directivesOf(c.text, c.firstLine);
          if (!directives.some((d) => d.kind !== 'CHECK-NOT'))
            return [`case ${i + 1} (line ${c.firstLine}) has no CHECK line`];
          return fileCheck(outputs[i], directives).map((f) => `case ${i + 1}: ${f}\n--- output:\n${outputs[i]}`);
        });
        expect(failures).toEqual([]);
      });
    }
  }
});
