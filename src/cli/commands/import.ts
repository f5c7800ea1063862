import type { Command } from 'commander';
import { loadModel } from '../../frontend/index.js';
import { printGraph, writeGraphFile } from '../../ir/index.js';
import { checkIrOutput } from '../output-paths.js';

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import a trained model (model dir, TensorFlow.js model.json, .onnx, NIR .nir) into the IR')
    .argument('<model>', 'model directory, model.json, .onnx, .nir, .sir or .sirpb')
    .option('-o, --output <file>', 'write the IR here (.sir text or .sirpb binary); without it, print the IR')
    .action(async (model: string, opts: { output?: string }) => {
      if (opts.output) checkIrOutput(opts.output);
      const { graph } = await loadModel(model);
      if (opts.output) {
        writeGraphFile(opts.output, graph);
        process.stderr.write(`spikec: wrote ${opts.output} (${graph.nodes.length} ops)\n`);
      } else {
        process.stdout.write(printGraph(graph));
      }
    });
}
