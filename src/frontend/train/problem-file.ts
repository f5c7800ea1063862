import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { describeFsError, writeFileAtomic } from '../../ir/index.js';
import { ImportError, WHOLE_FILE } from '../errors.js';
import { grid } from './rng.js';
import { type PdeProblem, problemNamed } from './problems/index.js';

/** problem.json: what a model directory says about the PDE its model solves. */
export const ProblemFile = z.object({
  problem: z.string(),
  title: z.string().optional(),
  equation: z.string().optional(),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
  domain: z.array(z.tuple([z.number(), z.number()])),
  /** Points per axis of the test grid (evenly spaced, ends included, last axis fastest). */
  testGrid: z.array(z.number().int().positive()),
  errorOutputs: z.array(z.number().int().nonnegative()).optional(),
  training: z.record(z.string(), z.unknown()).optional(),
});
export type ProblemFile = z.infer<typeof ProblemFile>;

export function problemFileFor(p: PdeProblem, training?: Record<string, unknown>): ProblemFile {
  return {
    problem: p.name,
    title: p.title,
    equation: p.equation,
    inputs: [...p.inputs],
    outputs: [...p.outputs],
    domain: p.domain.map(([lo, hi]) => [lo, hi]),
    testGrid: [...p.testGrid],
    ...(p.errorOutputs ? { errorOutputs: [...p.errorOutputs] } : {}),
    ...(training ? { training } : {}),
  };
}

export function writeProblemFile(dir: string, f: ProblemFile): void {
  writeFileAtomic(join(dir, 'problem.json'), `${JSON.stringify(f, null, 2)}\n`);
}

/** Reads DIR/problem.json; undefined when the directory has none. */
export function readProblemFile(dir: string): ProblemFile | undefined {
  const path = join(dir, 'problem.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ImportError(path, [{ where: WHOLE_FILE, message: `cannot read: ${describeFsError(e)}` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ImportError(path, [{ where: WHOLE_FILE, message: `not JSON (${(e as Error).message})` }]);
  }
  const parsed = ProblemFile.safeParse(json);
  if (!parsed.success) {
    throw new ImportError(
      path,
      parsed.error.issues.map((i) => ({ where: i.path.join('.') || WHOLE_FILE, message: i.message })),
    );
  }
  return parsed.data;
}

/** The test grid a problem file describes. */
export function testPoints(f: ProblemFile): number[][] {
  return grid(f.domain, f.testGrid);
}

/** The bundled problem a problem file names, for its exact solution. */
export function bundledProblem(f: ProblemFile): PdeProblem | undefined {
  return problemNamed(f.problem);
}
