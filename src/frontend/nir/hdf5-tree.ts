/**
 * An HDF5 file as plain, untrusted data. The NIR importer never touches h5wasm itself: a worker
 * thread reads the file into this tree (hdf5-worker.ts) under a time limit and size limits, so that a
 * corrupt file that makes the HDF5 library abort, trap or loop costs a named error, not the process.
 */
export type H5Class = 'int' | 'float' | 'string' | 'other';

export interface H5Value {
  readonly class: H5Class;
  /** Dimensions; [] for a scalar. */
  readonly shape: readonly number[];
  /** Row-major values; undefined for class 'other' (never read). */
  readonly data?: readonly (number | string)[];
}

export type H5Entry =
  | {
      readonly kind: 'group';
      readonly attrs: Readonly<Record<string, H5Value>>;
      readonly children: Readonly<Record<string, H5Entry>>;
    }
  | ({ readonly kind: 'dataset'; readonly attrs: Readonly<Record<string, H5Value>> } & H5Value)
  | { readonly kind: 'other'; readonly what: string };

/** Hard limits on what one file may make spikec read (a NIR of a PINN is a few hundred kB). */
export const HDF5_LIMITS = {
  /** Groups, datasets and attributes in the whole file. */
  entries: 10_000,
  /** Values in all datasets and attributes together. */
  values: 2 ** 25,
  /** Nesting of groups. */
  depth: 16,
  /** Wall-clock time to read the file, in milliseconds. */
  ms: 15_000,
} as const;

/** The message the worker posts back. */
export type WorkerReply =
  { readonly ok: true; readonly root: H5Entry } | { readonly ok: false; readonly message: string };
