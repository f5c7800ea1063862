import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/ir/index.js';

export const RESULTS = join(import.meta.dirname, '..', '..', 'bench', 'results');

/** Writes bench/results/NAME (JSON or text), atomically. */
export function writeResult(name: string, content: unknown): string {
  mkdirSync(RESULTS, { recursive: true });
  const path = join(RESULTS, name);
  writeFileAtomic(path, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  return path;
}

export const machine = (): Record<string, string | number> => ({
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  date: new Date().toISOString().slice(0, 10),
});
