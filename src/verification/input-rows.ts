import { readFileSync } from 'node:fs';
import { describeFsError } from '../ir/index.js';
import { DataError } from './errors.js';

/** Reads input rows from a JSON file: an array of rows, or an object with an `inputs` array of rows. */
export function readInputRows(file: string, dims?: number): number[][] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = e instanceof SyntaxError ? `not JSON (${e.message})` : `cannot read: ${describeFsError(e)}`;
    throw new DataError(`${file}: ${why}`);
  }
  const rows = Array.isArray(json) ? json : (json as { inputs?: unknown })?.inputs;
  if (!Array.isArray(rows))
    throw new DataError(`${file}: expected a JSON array of input rows, or an object with an "inputs" array`);
  rows.forEach((r, i) => {
    if (!Array.isArray(r) || !r.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new DataError(`${file}: input row ${i} is not an array of finite numbers`);
    }
    if (dims !== undefined && r.length !== dims)
      throw new DataError(`${file}: input row ${i} has ${r.length} values, the model takes ${dims}`);
  });
  return rows as number[][];
}
