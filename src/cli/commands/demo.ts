import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { BACKENDS, FORMAT_LIMITS, backendProblems, emit } from '../../backends/index.js';
import { packageRoot } from '../../ir/index.js';
import { coreUsage, defaultCoding, formatPassStats, formatReport, runPipeline } from '../../passes/index.js';
import { calibrationInputs } from '../../verification/calibration-data.js';
import { formatTable, measure, verifySetup } from '../../verification/measure.js';
import { DEFAULT_OPTIONS, passContext, pipelineOf, targetPipelineOf } from './compile.js';
import { checkOutputDir } from '../output-paths.js';
import { pipelineProgress, say as progressLine } from '../progress.js';

/**
 * The main job on the bundled default (`npm start`): the poisson2d PINN that spikec trained itself,
 * imported, converted, calibrated, quantized for Loihi 2, mapped onto cores, emitted for every
 * backend, and verified on the simulator in Loihi's integer arithmetic.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'the main job on the bundled default (what `npm start` runs): ' +
        'compile examples/poisson2d for Loihi 2 and verify it',
    )
    .option('-o, --output <dir>', 'where to write the hardware descriptions', 'out')
    .action(async (o: { output: string }) => {
      checkOutputDir(o.output);
      const modelDir = join(packageRoot(), 'examples', 'poisson2d');
      const say = (s: string): void => void process.stdout.write(s);
      say(`spikec demo: ${relative(process.cwd(), modelDir) || '.'}\n`);
      const setup = await verifySetup(modelDir);
      say(`  ${setup.problem.problem}: ${setup.problem.equation}\n  imported: ${setup.ann.nodes.length} ann ops\n\n`);
      const opts = DEFAULT_OPTIONS;
      const ctx = passContext(opts, calibrationInputs(setup.model, opts));
      const { graph, records } = runPipeline(setup.ann, [...pipelineOf(opts), ...targetPipelineOf(opts)], ctx, {
        progress: pipelineProgress('compile'),
      });
      say(formatPassStats(records));
      const usage = coreUsage(graph, ctx);
      say(`\n${formatReport(usage, ctx.profile)}\n`);
      // the default network resets by subtraction and opens its windows at chosen potentials, which
      // netx cannot run: it is left out, never written to run differently
      const refused = BACKENDS.map((b) => [b, backendProblems(graph, b)] as const).filter(([, p]) => p.length);
      const backends = BACKENDS.filter((b) => !refused.some(([r]) => r === b));
      for (const [what, path] of await emit(graph, backends, o.output, usage, ctx.profile))
        say(`  wrote ${path} (${what})\n`);
      for (const [b, problems] of refused) {
        const coding = defaultCoding(FORMAT_LIMITS[b]);
        say(
          `  not written: ${b}, which cannot run this network (${problems.length} reasons, first: ${problems[0]});\n` +
            `    \`spikec compile examples/poisson2d --target loihi2,${b} -o DIR\` compiles one it runs` +
            `${coding === 'rate' ? '' : ` (${coding} coding)`}\n`,
        );
      }
      say(`\nverification of the integer network on the ${setup.points.length}-point test grid (spikec verify):\n`);
      say(formatTable([await measure(setup, graph, undefined, progressLine)]));
    });
}
