import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadTf, useFastBackend } from '../../frontend/index.js';
import {
  PROBLEMS,
  TRAINABLE_ACTIVATIONS,
  type TrainableActivation,
  defaultOptions,
  problemNamed,
  TrainingStopped,
  saveTrained,
  trainPinn,
} from '../../frontend/train/index.js';
import { StoppedBySignal, UsageError } from '../errors.js';
import { intOption, numberOption } from '../options.js';
import { checkOutputDir } from '../output-paths.js';
import { isQuiet, say } from '../progress.js';
import { SIGNAL_EXIT, type StopSignal, stoppable } from '../signals.js';

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(`train a PINN on a bundled problem (${[...PROBLEMS.keys()].join(', ')}) and write a model directory`)
    .argument('<problem>', 'problem name')
    .requiredOption('-o, --output <dir>', 'model directory to write (model.json, weights.bin, problem.json)')
    .option('--act <act>', `activation (${TRAINABLE_ACTIVATIONS.join(', ')})`)
    .option('--width <n>', 'hidden layer width', intOption('--width', 1, 4096))
    .option('--depth <n>', 'number of hidden layers', intOption('--depth', 1, 64))
    .option('--rank <n>', 'SPINN rank (features per branch)', intOption('--rank', 1, 1024))
    .option('--steps <n>', 'Adam steps', intOption('--steps', 1, 10_000_000))
    .option('--lr <x>', 'initial learning rate', numberOption('--lr'))
    .option('--seed <n>', 'random seed', intOption('--seed', 0))
    .action(
      async (
        name: string,
        opts: {
          output: string;
          act?: string;
          width?: number;
          depth?: number;
          rank?: number;
          steps?: number;
          lr?: number;
          seed?: number;
        },
      ) => {
        const problem = problemNamed(name);
        if (!problem) throw new UsageError(`unknown problem '${name}' (known: ${[...PROBLEMS.keys()].join(', ')})`);
        if (opts.act && !(TRAINABLE_ACTIVATIONS as readonly string[]).includes(opts.act)) {
          throw new UsageError(`unknown activation '${opts.act}' (known: ${TRAINABLE_ACTIVATIONS.join(', ')})`);
        }
        checkOutputDir(opts.output);
        const tf = await loadTf();
        const backend = await useFastBackend(tf);
        const o = defaultOptions(problem, {
          act: opts.act as TrainableActivation | undefined,
          width: opts.width,
          depth: opts.depth,
          rank: opts.rank,
          steps: opts.steps,
          lr: opts.lr,
          seed: opts.seed,
        });
        say(`training ${problem.name} (${o.depth}x${o.width} ${o.act}, ${o.steps} steps, backend ${backend})`);
        const bar = isQuiet()
          ? undefined
          : new cliProgress.SingleBar(
              // Off a terminal (a log, CI) the bar becomes a line every few seconds instead of nothing.
              {
                format: '  {bar} {value}/{total} steps | loss {loss} | {duration_formatted}',
                stream: process.stderr,
                hideCursor: true,
                noTTYOutput: true,
                notTTYSchedule: 3000,
              },
              cliProgress.Presets.shades_classic,
            );
        bar?.start(o.steps, 0, { loss: '-' });
        const r = await stoppable((stop) =>
          trainPinn(tf, problem, o, (s) => bar?.update(s.step, { loss: s.loss.toExponential(3) }), stop),
        ).catch((e: unknown) => {
          bar?.stop();
          if (!(e instanceof TrainingStopped)) throw e;
          const signal = e.reason as StopSignal;
          throw new StoppedBySignal(
            `train: stopped by ${signal} at step ${e.step} of ${e.steps}; nothing written to ${opts.output}`,
            SIGNAL_EXIT[signal],
          );
        });
        bar?.stop();
        await saveTrained(tf, opts.output, problem, r);
        process.stderr.write(
          `spikec: relative L2 error vs exact ${r.relL2.toExponential(3)} ` +
            `(${r.msPerStep.toFixed(2)} ms/step); wrote ${opts.output}\n`,
        );
      },
    );
}
