import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../support/cli.js';

/**
 * Imports flow one way: cli -> verification -> frontend/passes/backends -> fit -> sim -> ir. passes holds
 * the passes and the pass manager; fit, the numerical engines they share (activation fits, the models
 * finetune trains, rounding, bounds, linear algebra). Each top-level module of src may import only the
 * modules listed for it; nothing in src or bench imports cli.
 */
const ALLOWED: Record<string, readonly string[]> = {
  ir: [],
  sim: ['ir'],
  frontend: ['ir', 'sim'],
  fit: ['ir', 'sim'],
  passes: ['ir', 'sim', 'fit'],
  backends: ['ir'],
  verification: ['ir', 'sim', 'frontend', 'fit', 'passes'],
  cli: ['ir', 'sim', 'frontend', 'fit', 'passes', 'backends', 'verification'],
};

const SRC = join(ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(ROOT, dir, f));
}

/** The top-level src module of every relative import of a file (static and dynamic). */
function importedModules(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specs.flatMap((s) => {
    const target = relative(SRC, resolve(dirname(file), s));
    return target.startsWith('..') ? [] : [target.split('/')[0]];
  });
}

describe('module layering', () => {
  test('every module of src imports only the modules below it', () => {
    const breaches = Object.keys(ALLOWED).flatMap((module) =>
      sources(join('src', module)).flatMap((file) =>
        importedModules(file)
          .filter((m) => m !== module && !ALLOWED[module].includes(m))
          .map((m) => `${relative(ROOT, file)} imports src/${m}`),
      ),
    );
    expect(breaches).toEqual([]);
  });

  test('src has no module the layering does not name, and bench does not import the CLI', () => {
    const modules = readdirSync(SRC, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(modules.filter((m) => !(m in ALLOWED))).toEqual([]);
    const cliUsers = sources('bench').filter((f) => importedModules(f).includes('cli'));
    expect(cliUsers.map((f) => relative(ROOT, f))).toEqual([]);
  });
});
