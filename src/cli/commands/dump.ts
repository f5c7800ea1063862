import type { Command } from 'commander';
import {
  type Graph,
  isTensor,
  printGraph,
  readGraphFile,
  tensorStats,
  verify,
  writeGraphFile,
} from '../../ir/index.js';
import { UsageError } from '../errors.js';
import { checkIrOutput } from '../output-paths.js';

/** JSON of a graph; without weights each tensor becomes its shape and summary statistics. */
export function graphJson(g: Graph, weights: boolean): string {
  return JSON.stringify(
    g,
    (_key, v: unknown) => (!weights && isTensor(v) ? { dtype: v.dtype, shape: v.shape, summary: tensorStats(v) } : v),
    2,
  );
}

export function registerDump(program: Command): void {
  program
    .command('dump')
    .description('verify an IR file (.sir text or .sirpb binary) and print it')
    .argument('<file>', 'IR file to read')
    .option('--weights', 'print every weight (text printed so parses back to the identical graph)')
    .option('--print-debuginfo', "print each op's loc (the model op it derives from, the pass that last changed it)")
    .option('--format <format>', 'text or json', 'text')
    .option(
      '-o, --output <file>',
      'write the graph to FILE (.sir or .sirpb) instead of printing it, converting between the forms',
    )
    .action((file: string, opts: { weights?: boolean; printDebuginfo?: boolean; format: string; output?: string }) => {
      if (opts.format !== 'text' && opts.format !== 'json')
        throw new UsageError(`--format must be text or json, not '${opts.format}'`);
      if (opts.output) checkIrOutput(opts.output);
      const g = verify(readGraphFile(file), file);
      if (opts.output) {
        writeGraphFile(opts.output, g);
        process.stderr.write(`spikec: wrote ${opts.output} (${g.nodes.length} ops)\n`);
        return;
      }
      process.stdout.write(
        opts.format === 'json'
          ? `${graphJson(g, !!opts.weights)}\n`
          : printGraph(g, { weights: !!opts.weights, debuginfo: !!opts.printDebuginfo }),
      );
    });
}
