import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Graph, Node, irFormatOf, readGraphFile, verify } from '../ir/index.js';
import { ImportError, WHOLE_FILE } from './errors.js';
import { importNir } from './nir/import.js';
import { importOnnx } from './onnx/import.js';
import { importTfjs } from './tfjs/import.js';
import { type ProblemFile, readProblemFile } from './train/problem-file.js';

export type ModelFormat = 'tfjs' | 'onnx' | 'ir' | 'nir';

export interface LoadedModel {
  readonly graph: Graph;
  readonly format: ModelFormat;
  /** The file the graph came from (model.json inside a model directory). */
  readonly file: string;
  /** The model directory, when MODEL was one (it may hold a problem.json). */
  readonly dir?: string;
}

/**
 * Loads whatever a user passes as MODEL: a model directory (model.json or model.onnx inside), a
 * TensorFlow.js model.json, an .onnx file, or spikec IR (.sir / .sirpb).
 */
export async function loadModel(path: string): Promise<LoadedModel> {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new ImportError(path, [{ where: WHOLE_FILE, message: 'no such file or directory' }]);
  if (st.isDirectory()) {
    for (const [name, format] of [
      ['model.json', 'tfjs'],
      ['model.onnx', 'onnx'],
    ] as const) {
      const file = join(path, name);
      if (existsSync(file)) {
        const m = await loadFile(file, format);
        return { ...m, graph: withProblemInputs(m.graph, readProblemFile(path)), dir: path };
      }
    }
    throw new ImportError(path, [
      { where: 'directory', message: 'holds neither model.json (TensorFlow.js) nor model.onnx' },
    ]);
  }
  const format: ModelFormat | undefined = path.endsWith('.onnx')
    ? 'onnx'
    : path.endsWith('.json')
      ? 'tfjs'
      : path.endsWith('.nir')
        ? 'nir'
        : irFormatOf(path)
          ? 'ir'
          : undefined;
  if (!format) {
    throw new ImportError(path, [
      {
        where: WHOLE_FILE,
        message:
          'unknown model format: expected a model directory, model.json (TensorFlow.js), .onnx, .nir, .sir or .sirpb',
      },
    ]);
  }
  return loadFile(path, format);
}

/** The input names and domain that a model directory's problem.json states, put on the graph's input. */
function withProblemInputs(g: Graph, p: ProblemFile | undefined): Graph {
  if (!p) return g;
  return {
    ...g,
    nodes: g.nodes.map((n) =>
      n.kind === 'ann.input' && n.dims === p.inputs.length
        ? Node.parse({ ...n, names: p.inputs, domain: p.domain })
        : n,
    ),
  };
}

async function loadFile(file: string, format: ModelFormat): Promise<LoadedModel> {
  const graph =
    format === 'onnx'
      ? importOnnx(file)
      : format === 'tfjs'
        ? await importTfjs(file)
        : format === 'nir'
          ? await importNir(file)
          : verify(readGraphFile(file), file);
  return { graph, format, file };
}
