/**
 * Worker thread: reads the HDF5 file `workerData.path` into an H5Entry tree and posts it back. Runs
 * apart from the main thread so that the main thread can stop it when the HDF5 library hangs or aborts
 * on a corrupt file (see hdf5-tree.ts).
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { H5Class, H5Entry, H5Value, WorkerReply } from './hdf5-tree.js';
import { HDF5_LIMITS } from './hdf5-tree.js';

type H5 = typeof import('h5wasm/node').default;
type Group = InstanceType<H5['Group']>;
type Meta = InstanceType<H5['Dataset']>['metadata'];

class Limit extends Error {}

// HDF5 type classes (H5Tpublic.h)
const CLASS: Record<number, H5Class> = { 0: 'int', 1: 'float', 3: 'string' };

/** Reads `path` into a tree, within HDF5_LIMITS. */
async function readTree(path: string): Promise<H5Entry> {
  // The HDF5 library prints its diagnostics for a corrupt file; the importer reports the failure itself.
  // It writes them to file descriptor 2 through fs.writeSync; this thread has nothing else to say there.
  const writeSync = fs.writeSync;
  // Swallowed writes report every byte written, or the library would retry them forever.
  const swallowed = (data: unknown, _offset?: unknown, length?: unknown): number =>
    typeof length === 'number'
      ? length
      : typeof data === 'string'
        ? Buffer.byteLength(data)
        : (data as ArrayBufferView).byteLength;
  fs.writeSync = ((fd: number, ...rest: unknown[]) =>
    fd === 2
      ? swallowed(...(rest as [unknown]))
      : (writeSync as (...a: unknown[]) => number)(fd, ...rest)) as typeof fs.writeSync;
  console.error = (): void => undefined;
  const h5: H5 = (await import('h5wasm/node')).default;
  await h5.ready;
  let entries = 0;
  let values = 0;
  const count = (n: number): void => {
    entries++;
    values += n;
    if (entries > HDF5_LIMITS.entries)
      throw new Limit(`more than ${HDF5_LIMITS.entries} groups, datasets and attributes`);
    if (values > HDF5_LIMITS.values) throw new Limit(`more than ${HDF5_LIMITS.values} values in all`);
  };
  const value = (meta: Meta, shape: readonly number[] | null, read: () => unknown): H5Value => {
    const dims = shape ?? [];
    if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw new Limit(`a dataspace of shape [${dims.join(', ')}]`);
    const n = dims.reduce((a, b) => a * b, 1);
    count(n);
    const cls = (!meta.vlen || meta.type === 3 ? CLASS[meta.type] : undefined) ?? 'other';
    if (cls === 'other') return { class: cls, shape: dims };
    const raw = read();
    const flat: (number | string)[] = [];
    const push = (v: unknown): void => {
      if (typeof v === 'string' || typeof v === 'number') flat.push(v);
      else if (typeof v === 'bigint') flat.push(Number(v));
      else if (typeof v === 'boolean') flat.push(v ? 1 : 0);
      else if (v && typeof v === 'object' && Symbol.iterator in v) for (const x of v as Iterable<unknown>) push(x);
      else flat.push(Number.NaN);
    };
    push(raw);
    return { class: cls, shape: dims, data: flat };
  };
  const attrsOf = (obj: {
    attrs: Record<string, { metadata: Meta; shape: number[] | null; value: unknown }>;
  }): Record<string, H5Value> => {
    const out: Record<string, H5Value> = {};
    for (const [name, a] of Object.entries(obj.attrs)) out[name] = value(a.metadata, a.shape, () => a.value);
    return out;
  };
  const walk = (g: Group, depth: number): H5Entry => {
    if (depth > HDF5_LIMITS.depth) throw new Limit(`groups nested more than ${HDF5_LIMITS.depth} deep`);
    count(0);
    const children: Record<string, H5Entry> = {};
    for (const name of g.keys()) {
      const child = g.get(name);
      if (child instanceof h5.Group) children[name] = walk(child, depth + 1);
      else if (child instanceof h5.Dataset) {
        const v = value(child.metadata, child.shape, () => child.value);
        children[name] = { kind: 'dataset', attrs: attrsOf(child as never), ...v };
      } else
        children[name] = {
          kind: 'other',
          what: child === null ? 'unreadable' : (child.constructor?.name ?? typeof child),
        };
    }
    return { kind: 'group', attrs: attrsOf(g as never), children };
  };
  const f = new h5.File(path, 'r');
  try {
    return walk(f, 0);
  } finally {
    f.close();
  }
}

const reply = (r: WorkerReply): void => parentPort!.postMessage(r);
readTree((workerData as { path: string }).path).then(
  (root) => reply({ ok: true, root }),
  (e: unknown) => reply({ ok: false, message: e instanceof Error ? e.message : String(e) }),
);
