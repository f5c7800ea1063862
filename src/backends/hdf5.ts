import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import h5wasm from 'h5wasm/node';

export type H5File = InstanceType<typeof h5wasm.File>;
export type H5Group = ReturnType<H5File['create_group']>;

/** Writes an HDF5 file through h5wasm into a temporary file, renamed over `path` once complete. */
export async function writeHdf5Atomic(path: string, fill: (f: H5File) => void): Promise<void> {
  await h5wasm.ready;
  mkdirSync(dirname(path) || '.', { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const f = new h5wasm.File(tmp, 'w');
  try {
    fill(f);
    f.close();
    renameSync(tmp, path);
  } catch (e) {
    try {
      f.close();
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}

export async function openHdf5(path: string): Promise<H5File> {
  await h5wasm.ready;
  return new h5wasm.File(path, 'r');
}

/** A scalar int64 dataset, as netx's NetDict expects neuron fields. */
export const int64 = (g: H5Group, name: string, v: number): void => void g.create_dataset({ name, data: BigInt64Array.from([BigInt(Math.round(v))]), shape: [] });

export const int64Array = (g: H5Group, name: string, v: readonly number[], shape: number[]): void =>
  void g.create_dataset({ name, data: BigInt64Array.from(v.map((x) => BigInt(Math.round(x)))), shape });

export const float32Array = (g: H5Group, name: string, v: readonly number[], shape: number[]): void => void g.create_dataset({ name, data: Float32Array.from(v), shape });
