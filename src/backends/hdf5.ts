import { writeAtomicWith } from '../ir/index.js';
import type H5Module from 'h5wasm/node';

type H5Wasm = typeof H5Module;
export type H5File = InstanceType<H5Wasm['File']>;
export type H5Group = ReturnType<H5File['create_group']>;

/** h5wasm, loaded on first use: its wasm module costs ~0.1 s of start-up that most commands never need. */
export async function loadH5wasm(): Promise<H5Wasm> {
  const h5wasm = (await import('h5wasm/node')).default;
  await h5wasm.ready;
  return h5wasm;
}

/** Writes an HDF5 file through h5wasm into a temporary file, renamed over `path` once complete. */
export async function writeHdf5Atomic(path: string, fill: (f: H5File) => void): Promise<void> {
  const h5wasm = await loadH5wasm();
  await writeAtomicWith(path, (tmp) => {
    // HDF5 stamps each object header with the wall-clock time, so the same network written a second
    // later gave other bytes. The library reads the clock through Date.now(): while it writes, the
    // clock reads 0 (1970-01-01), and the same network gives the same file.
    const now = Date.now;
    Date.now = () => 0;
    try {
      const f = new h5wasm.File(tmp, 'w');
      try {
        fill(f);
      } finally {
        f.close();
      }
    } finally {
      Date.now = now;
    }
  });
}

export async function openHdf5(path: string): Promise<H5File> {
  const h5wasm = await loadH5wasm();
  return new h5wasm.File(path, 'r');
}

/** A scalar int64 dataset, as netx's NetDict expects neuron fields. */
export const int64 = (g: H5Group, name: string, v: number): void =>
  void g.create_dataset({ name, data: BigInt64Array.from([BigInt(Math.round(v))]), shape: [] });

export const int64Array = (g: H5Group, name: string, v: readonly number[], shape: number[]): void =>
  void g.create_dataset({ name, data: BigInt64Array.from(v.map((x) => BigInt(Math.round(x)))), shape });

export const float32Array = (g: H5Group, name: string, v: readonly number[], shape: number[]): void =>
  void g.create_dataset({ name, data: Float32Array.from(v), shape });
