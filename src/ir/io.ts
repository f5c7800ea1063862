import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeGraph, encodeGraph } from './binary.js';
import { IrError } from './errors.js';
import type { Graph } from './graph.js';
import { parseGraph } from './text/parse.js';
import { printGraph } from './text/print.js';

/**
 * Writes a whole file or nothing: the bytes go to a temporary file beside the target, which is then
 * renamed over it, so a crash never leaves a partial output.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path) || '.', { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
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
