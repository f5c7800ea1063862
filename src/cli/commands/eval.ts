import type { Command } from 'commander';
import { loadModel } from '../../frontend/index.js';
import { evalAnn } from '../../sim/ann-eval.js';
import { readInputRows } from '../inputs.js';

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('run a model or ann-dialect IR on a batch of inputs (float64 reference evaluator)')
    .argument('<model>', 'model directory, model.json, .onnx, .sir or .sirpb')
    .requiredOption('--inputs <file>', 'JSON: an array of input rows, or {"inputs": [rows]}')
    .action(async (model: string, opts: { inputs: string }) => {
      const { graph } = await loadModel(model);
      const input = graph.nodes.find((n) => n.kind === 'ann.input' || n.kind === 'snn.encoder');
      const rows = readInputRows(opts.inputs, input && 'dims' in input ? input.dims : undefined);
      process.stdout.write(`${JSON.stringify({ outputs: evalAnn(graph, rows) })}\n`);
    });
}
