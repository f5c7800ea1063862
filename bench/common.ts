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

/** Every bundled model (examples/), in the order the benchmark tables list them. */
export const BUNDLED_MODELS = [
  'poisson1d',
  'poisson1d-sin',
  'poisson2d',
  'heat1d',
  'burgers1d',
  'navier-stokes2d',
  'poisson2d-spinn',
] as const;

/** The PyTorch-exported fixtures (test/fixtures/onnx/NAME.onnx), on poisson2d's problem. */
export const ONNX_FIXTURES = ['poisson2d_tanh', 'poisson2d_spinn'] as const;

export const machine = (): Record<string, string | number> => ({
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  date: new Date().toISOString().slice(0, 10),
});
