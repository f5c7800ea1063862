import type { Command } from 'commander';
import { loadModel } from '../../frontend/index.js';
import { printGraph, writeGraphFile } from '../../ir/index.js';

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import a trained model (model dir, TensorFlow.js model.json, .onnx, NIR .nir) into the IR')
    .argument('<model>', 'model directory, model.json, .onnx, .sir or .sirpb')
    .option('-o, --output <file>', 'write the IR here (.sir text or .sirpb binary); without it, print the IR')
    .action(async (model: string, opts: { output?: string }) => {
      const { graph } = await loadModel(model);
      if (opts.output) {
        writeGraphFile(opts.output, graph);
        process.stderr.write(`spikec: wrote ${opts.output} (${graph.nodes.length} ops)\n`);
      } else {
        process.stdout.write(printGraph(graph));
      }
    });
}
