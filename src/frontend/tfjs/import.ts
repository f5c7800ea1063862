import type * as TF from '@tensorflow/tfjs';
import type { Graph } from '../../ir/index.js';
import { ImportError, ProblemList } from '../errors.js';
import { fileLoader } from './io.js';
import { lowerLayersModel, readTopology, topologyProblems } from './lower.js';
import { loadTf } from './runtime.js';

/** Imports a TensorFlow.js LayersModel (model.json + weight shards) as an ann-dialect graph. */
export async function importTfjs(modelJson: string): Promise<Graph> {
  const tf = await loadTf();
  const artifacts = await fileLoader(modelJson).load!();
  let topology;
  try {
    topology = readTopology(artifacts.modelTopology);
  } catch (e) {
    throw new ImportError(modelJson, [{ where: 'modelTopology', message: `is ${(e as Error).message}` }]);
  }
  const problems = new ProblemList();
  topologyProblems(topology, problems);
  problems.throwIfAny(modelJson);
  let model: TF.LayersModel;
  try {
    model = await tf.loadLayersModel({ load: async () => artifacts });
  } catch (e) {
    throw new ImportError(modelJson, [
      { where: 'model', message: `TensorFlow.js cannot build it: ${(e as Error).message}` },
    ]);
  }
  try {
    return lowerLayersModel(model, topology, modelJson);
  } finally {
    model.dispose();
  }
}
