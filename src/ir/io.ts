import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { decodeGraph, encodeGraph } from './binary.js';
import { IrError } from './errors.js';
import type { Graph } from './graph.js';
import { parseGraph } from './text/parse.js';
import { printGraph } from './text/print.js';

/**
 * Temporary files are named `.NAME.PID.RANDOM.tmp` beside their target. The PID lets a later write into
 * the same directory remove those that a killed process (kill -9 runs no clean-up) left behind.
 */
const TEMP = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;
const activeTemps = new Set<string>();
/** Directories this process created for its outputs: [the outermost one created, the one written into]. */
const createdDirs: [string, string][] = [];
let tempsHeld: ((held: boolean) => void) | undefined;

/**
 * Calls `listener(true)` when this process starts holding temporary files and `listener(false)` when it
 * holds none again: a signal handler that removes them need only be installed meanwhile, so that
 * outside those moments an interrupt keeps its default (immediate) effect, even in the middle of a
 * long synchronous computation that would never let a handler run.
 */
export function onTempsHeld(listener: (held: boolean) => void): void {
  tempsHeld = listener;
}

function tempPath(path: string): string {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  activeTemps.add(tmp);
  if (activeTemps.size === 1) tempsHeld?.(true);
  return tmp;
}

const alive = (pid: number): boolean => {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes the temporary files of processes that no longer run from `dir`. */
export function removeStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP.exec(name);
    if (m && !alive(Number(m[1]))) rmSync(join(dir, name), { force: true, recursive: true });
  }
}

/**
 * Removes this process's temporary files, and the directories it created for them that are left empty
 * (for a signal handler: SIGINT, SIGTERM; an interrupted write leaves nothing behind).
 */
export function removeActiveTemps(): void {
  for (const t of activeTemps) rmSync(t, { force: true, recursive: true });
  activeTemps.clear();
  removeEmptyCreatedDirs();
}

/** Removes each directory this process created, innermost first, while it is empty. */
function removeEmptyCreatedDirs(): void {
  for (const [top, leaf] of createdDirs.splice(0)) {
    for (let dir = leaf; ; dir = dirname(dir)) {
      try {
        rmdirSync(dir);
      } catch {
        break;
      }
      if (dir === top) break;
    }
  }
}

/** Removes a temporary file (gone already once renamed into place) and forgets it. */
function discardTemp(tmp: string): void {
  rmSync(tmp, { force: true });
  if (activeTemps.delete(tmp) && activeTemps.size === 0) tempsHeld?.(false);
}

function prepareDir(path: string): void {
  const dir = resolve(dirname(path) || '.');
  const made = mkdirSync(dir, { recursive: true });
  if (made) createdDirs.push([made, dir]);
  removeStaleTemps(dir);
}

/**
 * Writes a whole file or nothing: the bytes go to a temporary file beside the target, which is then
 * renamed over it, so a crash never leaves a partial output.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  prepareDir(path);
  const tmp = tempPath(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } finally {
    discardTemp(tmp);
  }
}

/** Like writeFileAtomic, for a writer that needs a path (a library that writes the file itself). */
export async function writeAtomicWith(path: string, write: (tmp: string) => void | Promise<void>): Promise<void> {
  prepareDir(path);
  const tmp = tempPath(path);
  try {
    await write(tmp);
    renameSync(tmp, path);
  } finally {
    discardTemp(tmp);
  }
}

/** One member of a set of outputs: its file name and how to write it to a given path. */
export interface OutputFile {
  readonly name: string;
  readonly write: (path: string) => void | Promise<void>;
}

/**
 * Writes files that belong together (one compile's outputs) as one unit. Every file is first written
 * to a temporary name; then the old manifest goes, the files are renamed into place, the files an old
 * manifest listed that this set no longer has are removed, and the manifest MANIFEST (JSON: each file's
 * SHA-256) is written last. Killed at any moment, the directory holds only complete files, and a set
 * is whole exactly when its manifest is there and its hashes match.
 */
export async function writeFileSet(
  dir: string,
  manifest: string,
  files: readonly OutputFile[],
  about: Record<string, unknown>,
): Promise<string[]> {
  const manifestPath = join(dir, manifest);
  prepareDir(manifestPath);
  const staged: [string, string][] = [];
  try {
    for (const f of files) {
      const tmp = tempPath(join(dir, f.name));
      staged.push([tmp, join(dir, f.name)]);
      await f.write(tmp);
    }
    const hashes = Object.fromEntries(
      files.map((f, i) => [f.name, `sha256:${createHash('sha256').update(readFileSync(staged[i][0])).digest('hex')}`]),
    );
    const old = readManifestFiles(manifestPath);
    rmSync(manifestPath, { force: true });
    for (const [tmp, path] of staged) renameSync(tmp, path);
    for (const name of old) if (!(name in hashes) && basename(name) === name) rmSync(join(dir, name), { force: true });
    writeFileAtomic(manifestPath, `${JSON.stringify({ ...about, files: hashes }, null, 2)}\n`);
  } catch (e) {
    for (const [tmp] of staged) discardTemp(tmp);
    removeEmptyCreatedDirs();
    throw e;
  } finally {
    for (const [tmp] of staged) discardTemp(tmp);
  }
  return [...files.map((f) => join(dir, f.name)), manifestPath];
}

function readManifestFiles(path: string): string[] {
  try {
    const files = (JSON.parse(readFileSync(path, 'utf8')) as { files?: unknown }).files;
    return files && typeof files === 'object' ? Object.keys(files) : [];
  } catch {
    return [];
  }
}

/** A file-system error in words, for messages that already name the file. */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
  };
  return (code && words[code]) ?? (e as Error).message;
}

export type IrFormat = 'text' | 'binary';

export function irFormatOf(path: string): IrFormat | undefined {
  if (path.endsWith('.sir')) return 'text';
  if (path.endsWith('.sirpb')) return 'binary';
  return undefined;
}

/** Reads a .sir (text) or .sirpb (binary) file. Does not verify. */
export function readGraphFile(path: string): Graph {
  const format = irFormatOf(path);
  if (!format) throw new IrError('not an IR file: expected a .sir (text) or .sirpb (binary) extension', path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new IrError(`cannot read: ${describeFsError(e)}`, path);
  }
  if (format === 'binary') return decodeGraph(bytes, path);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return parseGraph(text, path);
}

/** Writes a graph as text (with every weight, so it reads back identically) or binary, by extension. */
export function writeGraphFile(path: string, g: Graph): void {
  const format = irFormatOf(path);
  if (!format) throw new IrError('an IR output needs a .sir (text) or .sirpb (binary) extension', path);
  writeFileAtomic(path, format === 'binary' ? encodeGraph(g) : printGraph(g, { weights: true }));
}
