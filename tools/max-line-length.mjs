#!/usr/bin/env node
// Fails when a source line is longer than the formatter's print width: prettier wraps code but not
// strings, comments or test names, and the style guide keeps every line within 120 columns.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const { printWidth } = JSON.parse(readFileSync(join(root, '.prettierrc.json'), 'utf8'));
const files = ['src', 'bench', 'test', 'bin', 'tools'].flatMap((dir) =>
  readdirSync(join(root, dir), { recursive: true })
    .map(String)
    .filter((f) => /\.(ts|js|mjs|wat)$/.test(f) && !f.startsWith('results'))
    .map((f) => join(dir, f)),
);
const long = files.flatMap((file) =>
  readFileSync(join(root, file), 'utf8')
    .split('\n')
    .flatMap((line, i) => (line.length > printWidth ? [`${file}:${i + 1}: ${line.length} columns`] : [])),
);
if (long.length) {
  process.stderr.write(`lines over ${printWidth} columns:\n${long.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`${files.length} files, no line over ${printWidth} columns\n`);
