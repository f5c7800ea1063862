import { join } from 'node:path';
import type { Command } from 'commander';
import { packageRoot, writeGraphFile } from '../../ir/index.js';
import { formatPassStats, runPipeline } from '../../passes/index.js';
import { calibrationInputs } from '../calibration.js';
import { formatTable, measure, verifySetup } from '../verification.js';
import { passContext, pipelineOf } from './compile.js';

/**
 * The main job on the bundled default (`npm start`): the poisson2d PINN that spikec trained itself,
 * imported, converted, calibrated, written as snn IR, and verified on the simulator.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the main job on the bundled default (what `npm start` runs): compile and verify examples/poisson2d')
    .option('-o, --output <dir>', 'where to write the compiled network', 'out')
    .action(async (o: { output: string }) => {
      const modelDir = join(packageRoot(), 'examples', 'poisson2d');
      const say = (s: string): void => void process.stdout.write(s);
      say(`spikec demo: ${modelDir}\n`);
      const setup = await verifySetup(modelDir);
      say(`  imported: ${setup.ann.nodes.length} ann ops; problem ${setup.problem.problem}: ${setup.problem.equation}\n`);
      const opts = { T: 64, strategy: 'pwl', K: 4, calibSamples: 256, calibrate: true, weightCalibration: true, percentile: '99.9', balance: 'channel', reset: 'subtract' };
      const ctx = passContext(opts, calibrationInputs(setup.model, opts));
      const { graph, records } = runPipeline(setup.ann, pipelineOf(opts), ctx);
      say(formatPassStats(records));
      const sir = join(o.output, 'poisson2d.sir');
      const sirpb = join(o.output, 'poisson2d.sirpb');
      writeGraphFile(sir, graph);
      writeGraphFile(sirpb, graph);
      say(`  wrote ${sir} (text IR) and ${sirpb} (binary IR)\n`);
      say(`\nverification on the ${setup.points.length}-point test grid (spikec verify):\n`);
      say(formatTable([await measure(setup, graph)]));
    });
}
