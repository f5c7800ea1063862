import type { Command } from 'commander';
import { BACKENDS, emitNetworks } from '../../backends/index.js';
import { loadModel } from '../../frontend/index.js';
import { PROFILES, printGraph, writeGraphFile } from '../../ir/index.js';
import { coreUsage, formatPassStats, formatReport, parsePipeline } from '../../passes/index.js';
import { buildNetworks, networkOutput, reportLines } from '../build.js';
import {
  type CompileOptions,
  checkConversionOptions,
  codingNote,
  conversionOptions,
  parseTarget,
  targetLimits,
} from '../compile-options.js';
import { UsageError } from '../errors.js';
import { planNetworks } from '../networks.js';
import { fractionOption, intOption } from '../options.js';
import { checkIrOutput, checkOutputDir } from '../output-paths.js';
import { pipelineProgress, say } from '../progress.js';

export function registerCompile(program: Command): void {
  conversionOptions(
    program
      .command('compile')
      .description('convert a trained model into a spiking network (snn-dialect IR)')
      .argument('<model>', 'model directory, model.json, .onnx, .nir, .sir or .sirpb'),
  )
    .option('-o, --output <file>', 'write the snn IR here (.sir or .sirpb); without it, print it')
    .option('--print-ir-after-all', 'print the IR after every pass')
    .option('--print-ir-after <pass>', 'print the IR after the named pass')
    .option('--print-ir-before <pass>', 'print the IR before the named pass')
    .option('--print-weights', 'print every weight in IR dumps')
    .option('--print-debuginfo', "print each op's loc (the model op it derives from, the pass that last changed it)")
    .option('--verify-each', 'run the verifier after every pass')
    .option('--pass-stats', 'print per-pass counters and times')
    .option(
      '--target <list>',
      `hardware profile (${[...PROFILES.keys()].join(', ')}) and/or backends (${BACKENDS.join(', ')}), ` +
        'comma-separated; backends need -o DIR',
    )
    .option('--chips <n>', "chips available to map-cores (default: the profile's)", intOption('--chips', 1))
    .option('--report', 'print the resource table (cores, neurons, synapses, memory per core, chips)')
    .option(
      '--tolerance <rel>',
      'the largest error against the ANN a network may have on validation inputs; one that misses it is ' +
        'compiled again with more ramps, longer windows or a longer fit, and none meeting it is an error',
      fractionOption('--tolerance'),
    )
    .action(async (modelPath: string, o: CompileOptions) => {
      const target = parseTarget(o.target);
      checkConversionOptions(o);
      for (const p of [o.printIrAfter, o.printIrBefore]) if (p) parsePipeline(p);
      if (target.backends.length) {
        if (!o.output) throw new UsageError(`--target ${target.backends.join(',')} writes files: give -o DIR`);
        checkOutputDir(o.output);
      } else if (o.output) {
        checkIrOutput(
          o.output,
          '-o',
          o.target
            ? `; to write hardware files, name backends in --target (${BACKENDS.join(', ')}) and give -o DIR`
            : '',
        );
      }
      targetLimits(o, target.backends);
      const chosen = o.coding !== 'auto' ? (o.coding as 'rate' | 'sigma-delta') : o.pipeline ? 'rate' : undefined;
      const plans = planNetworks(target, chosen);
      const model = await loadModel(modelPath);
      const built = await buildNetworks(
        {
          model,
          options: o,
          target,
          forHardware: Boolean(target.backends.length || o.target),
          note: (p) => codingNote(o, p, target.profile),
          hooks: {
            printAfter: o.printIrAfterAll ? 'all' : o.printIrAfter ? new Set([o.printIrAfter]) : undefined,
            printBefore: o.printIrBefore ? new Set([o.printIrBefore]) : undefined,
            printWeights: o.printWeights,
            printDebuginfo: o.printDebuginfo,
            verifyEach: o.verifyEach,
            print: (t) => process.stdout.write(t),
            progress: pipelineProgress('compile'),
          },
        },
        plans,
      );
      // what a flag asked for goes to stdout, unless stdout carries the IR (no -o, or --print-ir-*)
      const printsIr = !o.output || Boolean(o.printIrAfterAll || o.printIrAfter || o.printIrBefore);
      const asked = printsIr ? process.stderr : process.stdout;
      for (const b of built) {
        if (o.passStats) asked.write(formatPassStats(b.records));
        if (o.report) asked.write(formatReport(coreUsage(b.graph, b.ctx), b.ctx.profile));
      }
      for (const line of reportLines(built, (b) => `${b.graph.name}, ${b.plan.coding}`)) say(line);
      if (target.backends.length && o.output) {
        for (const [what, path] of await emitNetworks(built.map(networkOutput), o.output))
          process.stderr.write(`spikec: wrote ${path} (${what})\n`);
      } else if (o.output) {
        writeGraphFile(o.output, built[0].graph);
        process.stderr.write(`spikec: wrote ${o.output} (${built[0].graph.nodes.length} ops)\n`);
      } else if (!o.printIrAfterAll && !o.printIrAfter && !o.printIrBefore)
        process.stdout.write(printGraph(built[0].graph));
    });
}
