import { type Stats, accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { irFormatOf } from '../ir/index.js';
import { UsageError } from './errors.js';

/**
 * Output paths are checked before any work starts, so that a long compile or training run never ends
 * in "cannot write": the nearest existing ancestor must be a writable directory, and no part of the
 * path may be an existing file.
 */
/** stat, or undefined when nothing is there (ENOTDIR too: a parent is a file, which checkParents names). */
function statOrNone(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

function checkParents(path: string, flag: string): void {
  let dir = dirname(resolve(path));
  for (;;) {
    const st = statOrNone(dir);
    if (st) {
      if (!st.isDirectory()) throw new UsageError(`${flag} ${path}: '${dir}' is a file, not a directory`);
      try {
        accessSync(dir, constants.W_OK);
      } catch {
        throw new UsageError(`${flag} ${path}: the directory '${dir}' is not writable`);
      }
      return;
    }
    const up = dirname(dir);
    if (up === dir) return;
    dir = up;
  }
}

/** A file spikec will write (created with its missing parent directories). */
export function checkOutputFile(path: string, flag = '-o'): void {
  if (statOrNone(path)?.isDirectory()) throw new UsageError(`${flag} ${path}: is a directory; give a file name`);
  checkParents(path, flag);
}

/** An IR file: a .sir or .sirpb name whose place can be written. */
export function checkIrOutput(path: string, flag = '-o', hint = ''): void {
  if (!irFormatOf(path))
    throw new UsageError(`${flag} ${path}: an IR output needs a .sir (text) or .sirpb (binary) name${hint}`);
  checkOutputFile(path, flag);
}

/** A directory spikec will write files into (created when missing). */
export function checkOutputDir(path: string, flag = '-o'): void {
  const st = statOrNone(path);
  if (st && !st.isDirectory()) throw new UsageError(`${flag} ${path}: is a file; give a directory`);
  if (st) {
    try {
      accessSync(path, constants.W_OK);
    } catch {
      throw new UsageError(`${flag} ${path}: the directory is not writable`);
    }
  } else checkParents(path, flag);
}
