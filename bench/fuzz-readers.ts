import { importNir, importOnnx, importTfjs } from '../src/frontend/index.js';
import { readGraphFile, verify } from '../src/ir/index.js';

/** The model readers the CLI uses, by name, each taking a path; what the fuzzer feeds mutated files. */
export const READERS = {
  'ir-text': (path: string): unknown => verify(readGraphFile(path), path),
  'ir-binary': (path: string): unknown => verify(readGraphFile(path), path),
  onnx: (path: string): unknown => importOnnx(path),
  tfjs: (path: string): Promise<unknown> => importTfjs(path),
  nir: (path: string): Promise<unknown> => importNir(path),
} as const;
export type ReaderName = keyof typeof READERS;
export const READER_NAMES = Object.keys(READERS) as ReaderName[];

/** File name each reader expects (the extension picks the format). */
export const FILE_NAME: Record<ReaderName, string> = {
  'ir-text': 'm.sir',
  'ir-binary': 'm.sirpb',
  onnx: 'm.onnx',
  tfjs: 'model.json',
  nir: 'm.nir',
};

/** Errors that name what is wrong (spikec's own): anything else a reader throws is a generic error. */
export const NAMED_ERRORS = new Set(['ImportError', 'IrError', 'UsageError', 'PassError', 'VerifyError']);

export type Outcome =
  { readonly kind: 'ok' } | { readonly kind: 'named' | 'generic'; readonly name: string; readonly message: string };
