#!/usr/bin/env node
// The shape of src/: files and lines per folder, the imports between folders, and the largest folder's share.
// Usage: node tools/structure.mjs [--json]
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const files = readdirSync(SRC, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.ts'))
  .sort();
const folderOf = (file) => file.split('/')[0];
const folders = new Map();
const arrows = new Map();
const within = new Map();
for (const file of files) {
  const text = readFileSync(join(SRC, file), 'utf8');
  const folder = folderOf(file);
  const entry = folders.get(folder) ?? { files: 0, lines: 0 };
  entry.files++;
  entry.lines += text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  folders.set(folder, entry);
  const targets = new Set(
    [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)]
      .map((m) => relative(SRC, resolve(dirname(join(SRC, file)), m[1])))
      .filter((t) => !t.startsWith('..')),
  );
  for (const target of targets) {
    const to = folderOf(target);
    const map = to === folder ? within : arrows;
    const key = to === folder ? folder : `${folder} -> ${to}`;
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}
const total = [...folders.values()].reduce((s, f) => s + f.lines, 0);
const [largest, largestEntry] = [...folders].sort((a, b) => b[1].lines - a[1].lines)[0];
const report = {
  folders: Object.fromEntries([...folders].sort()),
  arrowsBetweenFolders: Object.fromEntries([...arrows].sort()),
  importsWithinFolder: Object.fromEntries([...within].sort()),
  largest: { folder: largest, share: Number((largestEntry.lines / total).toFixed(3)) },
  total: { files: files.length, lines: total },
};
if (process.argv.includes('--json')) console.log(JSON.stringify(report, null, 2));
else {
  console.log('folder        files  lines  imports within');
  for (const [name, f] of Object.entries(report.folders))
    console.log(
      `${name.padEnd(13)} ${String(f.files).padStart(5)} ${String(f.lines).padStart(6)}` +
        `  ${String(report.importsWithinFolder[name] ?? 0).padStart(5)}`,
    );
  console.log(`total         ${String(files.length).padStart(5)} ${String(total).padStart(6)}`);
  console.log(`largest: ${largest}, ${(report.largest.share * 100).toFixed(1)}% of the lines`);
  console.log('imports between folders (file-level import edges):');
  for (const [k, v] of Object.entries(report.arrowsBetweenFolders)) console.log(`  ${k}: ${v}`);
}
