import type { Command } from 'commander';
import { loadModel } from '../../frontend/index.js';
import { evalAnn } from '../../sim/ann-eval.js';
import { readInputRows } from '../../verification/input-rows.js';
import { intOption } from '../options.js';
import { MAX_T } from '../../passes/index.js';
import { simulateRows } from '../../sim/parallel.js';

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      'run a model on a batch of inputs: ann graphs by the float64 reference evaluator, snn graphs on the simulator',
    )
    .argument('<model>', 'model directory, model.json, .onnx, .nir, .sir or .sirpb')
    .requiredOption('--inputs <file>', 'JSON: an array of input rows, or {"inputs": [rows]}')
    .option(
      '--T <steps>',
      'time steps per layer for a spiking network (default: the compiled window)',
      intOption('--T', 1, MAX_T),
    )
    .action(async (model: string, opts: { inputs: string; T?: number }) => {
      const { graph } = await loadModel(model);
      const input = graph.nodes.find((n) => n.kind === 'ann.input' || n.kind === 'snn.encoder');
      const rows = readInputRows(opts.inputs, input && 'dims' in input ? input.dims : undefined);
      const spiking = graph.nodes.some((n) => n.kind.startsWith('snn.'));
      const outputs = spiking
        ? simulateRows(graph, rows, { T: opts.T, perNeuron: false }).outputs
        : evalAnn(graph, rows);
      process.stdout.write(`${JSON.stringify({ outputs })}\n`);
    });
}
