import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describeFsError, packageRoot } from '../../ir/index.js';
import { ImportError, WHOLE_FILE } from '../errors.js';
import { HDF5_LIMITS, type H5Entry, type WorkerReply } from './hdf5-tree.js';

/** The compiled worker; from TypeScript sources (tests) the build's copy, which `npm test` makes first. */
function workerFile(): string {
  const beside = fileURLToPath(new URL('./hdf5-worker.js', import.meta.url));
  return existsSync(beside) ? beside : join(packageRoot(), 'dist', 'src', 'frontend', 'nir', 'hdf5-worker.js');
}

/**
 * Reads an HDF5 file into plain data in a worker thread, under HDF5_LIMITS. Whatever the file does to
 * the HDF5 library (an abort, an out-of-bounds trap, a loop) ends as an ImportError naming the file.
 */
export async function readHdf5Tree(path: string, ms: number = HDF5_LIMITS.ms): Promise<H5Entry> {
  const fail = (message: string): ImportError => new ImportError(path, [{ where: WHOLE_FILE, message }]);
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw fail('not a file');
    size = st.size;
  } catch (e) {
    throw e instanceof ImportError ? e : fail(`cannot read: ${describeFsError(e)}`);
  }
  if (size === 0) throw fail('empty file: not an HDF5 file');
  return new Promise<H5Entry>((resolve, reject) => {
    const w = new Worker(workerFile(), {
      workerData: { path },
      resourceLimits: { maxOldGenerationSizeMb: 2048 },
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const settle = (r: WorkerReply | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void w.terminate();
      if (r instanceof Error) reject(r);
      else if (r.ok) resolve(r.root);
      else reject(fail(`not a readable HDF5 file (${oneLine(r.message)})`));
    };
    const timer = setTimeout(
      () => settle(fail(`the HDF5 library did not finish reading it within ${ms / 1000} s: the file is corrupt`)),
      ms,
    );
    w.once('message', (r: WorkerReply) => settle(r));
    w.once('error', (e) => settle(fail(`the HDF5 library failed on it: the file is corrupt (${oneLine(e.message)})`)));
    w.once('exit', (code) => settle(fail(`the HDF5 library stopped reading it (exit ${code}): the file is corrupt`)));
  });
}

const oneLine = (s: string): string => s.split('\n')[0].slice(0, 200);
