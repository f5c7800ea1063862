import { type Command, Help, type Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { ImportError, type LoadedModel, WHOLE_FILE, loadModel } from '../../frontend/index.js';
import { type Graph, PROFILES, parseGraph, printGraph, writeGraphFile } from '../../ir/index.js';
import {
  PASSES,
  PASS_OPTIONS,
  checkPipelineNeeds,
  formatPassStats,
  optionsOf,
  parsePipeline,
  runPipeline,
} from '../../passes/index.js';
import { calibrationInputs, withDomain } from '../../verification/calibration-data.js';
import { UsageError } from '../errors.js';
import { intOption } from '../options.js';
import { checkIrOutput } from '../output-paths.js';
import { BACKENDS } from '../../backends/index.js';
import {
  type CompileOptions,
  checkContextOptions,
  contextOptions,
  parseTarget,
  passContext,
  targetLimits,
} from '../compile-options.js';

interface OptOptions extends CompileOptions {
  pass: string;
  splitInputFile?: boolean;
  profile: string;
  reference?: string;
  within?: string;
}

/** The passes `--pass` names on the command line, for --help (empty: none named, or names unknown). */
function passesAsked(argv: readonly string[] = process.argv): string[] {
  const at = argv.findIndex((a) => a === '--pass' || a.startsWith('--pass='));
  if (at < 0) return [];
  const value = argv[at].startsWith('--pass=') ? argv[at].slice('--pass='.length) : argv[at + 1];
  const names = (value ?? '').split(',').map((n) => n.trim());
  return names.every((n) => PASSES.has(n)) ? names : [];
}

/** With passes named, --help lists of the pass options only theirs (every other option stays). */
const shownFor =
  (passes: readonly string[]) =>
  (option: Option): boolean => {
    if (passes.length === 0) return true;
    const own = new Set(optionsOf(passes).map((o) => o.flag));
    return !PASS_OPTIONS.some((o) => o.flag === option.flags) || own.has(option.flags);
  };

/** What the named passes do and need, after the options in --help. */
function passesHelp(passes: readonly string[]): string {
  if (passes.length === 0) return `\npasses: ${[...PASSES.keys()].join(', ')} (--pass NAME --help: its options)\n`;
  const lines = passes.map((name) => {
    const p = PASSES.get(name)!;
    const facts = [
      p.coding ? `runs on ${p.coding}-coded networks` : undefined,
      p.needs?.includes('calibration') ? 'needs calibration inputs' : undefined,
      p.options?.length ? `options: ${p.options.map((o) => o.flag.split(' ')[0]).join(', ')}` : 'no options of its own',
    ].filter(Boolean);
    return `  ${name}: ${p.description}\n    ${facts.join('; ')}`;
  });
  return `\n${lines.join('\n')}\n`;
}

/** What separates the cases of a --split-input-file (mlir-opt's). */
const SPLIT_MARKER = '// -----';

/**
 * The graphs of a text IR file's cases, apart on SPLIT_MARKER lines. Each case is parsed with the lines
 * before it blanked, so that an error names its line in the file.
 */
function splitIrText(text: string, file: string): Graph[] {
  const lines = text.split('\n');
  const cases: Graph[] = [];
  let start = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i < lines.length && lines[i].trim() !== SPLIT_MARKER) continue;
    const chunk = [...Array<string>(start).fill(''), ...lines.slice(start, i)].join('\n');
    if (/\bgraph\b/.test(chunk)) cases.push(parseGraph(chunk, file));
    start = i + 1;
  }
  return cases;
}

/**
 * `spikec opt IN --pass a,b`: runs the named passes on one IR file and prints (or writes) the result,
 * as mlir-opt does; the per-pass tests under test/passes/<pass>/ run through it.
 */
export function registerOpt(program: Command): void {
  contextOptions(
    program
      .command('opt')
      .description('run passes on an IR file and print the result (as mlir-opt does)')
      .argument('<in>', 'IR file (.sir or .sirpb), or any model spikec reads'),
  )
    .requiredOption('--pass <names>', 'comma-separated passes to run, in order')
    .option(
      '--profile <name>',
      `hardware profile for quantize and map-cores (${[...PROFILES.keys()].join(', ')})`,
      'loihi2',
    )
    .option('--chips <n>', "chips available to map-cores (default: the profile's)", intOption('--chips', 1))
    .option(
      '--within <formats>',
      `output formats (${BACKENDS.join(', ')}) whose limits the passes legalize for, as compile --target does`,
    )
    .option('--reference <model>', 'the ANN the network was converted from (calibrate and finetune measure against it)')
    .option('-o, --output <file>', 'write the result here (.sir or .sirpb) instead of printing it')
    .option('--print-weights', 'print every weight')
    .option('--print-debuginfo', "print each op's loc (the model op it derives from, the pass that last changed it)")
    .option('--pass-stats', 'print per-pass counters and times')
    .option(
      '--split-input-file',
      `a .sir file of several cases apart on '${SPLIT_MARKER}' lines: each runs on its own, their outputs ` +
        'printed in order with the same line between them (as mlir-opt does)',
    )
    .configureHelp({ visibleOptions: (cmd) => new Help().visibleOptions(cmd).filter(shownFor(passesAsked())) })
    .addHelpText('after', () => passesHelp(passesAsked()))
    .action(async (file: string, o: OptOptions) => {
      const names = parsePipeline(o.pass);
      if (!PROFILES.has(o.profile))
        throw new UsageError(`unknown profile '${o.profile}' (known: ${[...PROFILES.keys()].join(', ')})`);
      checkContextOptions(o);
      if (o.output) checkIrOutput(o.output);
      if (o.splitInputFile && o.output) throw new UsageError('--split-input-file prints its cases: drop -o');
      if (o.splitInputFile && !file.endsWith('.sir'))
        throw new UsageError('--split-input-file reads a text IR file (.sir)');
      const reference = o.reference ? (await loadModel(o.reference)).graph : undefined;
      const { backends } = parseTarget(o.within);
      const run = (model: LoadedModel): Graph => {
        const ctx = {
          ...passContext(o, calibrationInputs(model, o)),
          limits: targetLimits(o, backends),
          profile: o.profile,
          chips: o.chips,
          ...(reference ? { reference } : {}),
        };
        checkPipelineNeeds(names, ctx);
        const { graph, records } = runPipeline(withDomain(model.graph, o), names, ctx, { verifyEach: true });
        if (o.passStats) process.stderr.write(formatPassStats(records));
        return graph;
      };
      const print = (g: Graph): string => printGraph(g, { weights: !!o.printWeights, debuginfo: !!o.printDebuginfo });
      if (o.splitInputFile) {
        if (!existsSync(file))
          throw new ImportError(file, [{ where: WHOLE_FILE, message: 'no such file or directory' }]);
        const cases = splitIrText(readFileSync(file, 'utf8'), file);
        process.stdout.write(cases.map((g) => print(run({ graph: g, format: 'ir', file }))).join(`${SPLIT_MARKER}\n`));
        return;
      }
      const graph = run(await loadModel(file));
      if (o.output) {
        writeGraphFile(o.output, graph);
        process.stderr.write(`spikec: wrote ${o.output} (${graph.nodes.length} ops)\n`);
      } else process.stdout.write(print(graph));
    });
}
