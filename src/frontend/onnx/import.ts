import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type Graph, describeFsError } from '../../ir/index.js';
import { ImportError, WHOLE_FILE } from '../errors.js';
import { decodeOnnx } from './decode.js';
import { lowerOnnx } from './lower.js';

/** Imports an .onnx file (what torch.onnx.export writes) as an ann-dialect graph. */
export function importOnnx(path: string): Graph {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ImportError(path, [{ where: WHOLE_FILE, message: `cannot read: ${describeFsError(e)}` }]);
  }
  const model = decodeOnnx(bytes, path);
  return lowerOnnx(model, path, basename(path).replace(/\.onnx$/, ''));
}
