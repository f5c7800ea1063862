import { expect } from 'vitest';
import { ImportError } from '../../src/frontend/index.js';

/** The message of the ImportError that `importer(path)` must throw. */
export async function importErrorOf(importer: (path: string) => Promise<unknown>, path: string): Promise<string> {
  try {
    await importer(path);
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    return (e as Error).message;
  }
  throw new Error('expected an ImportError');
}
