import { Command, CommanderError } from 'commander';
import { registerCompile } from './commands/compile.js';
import { registerDemo } from './commands/demo.js';
import { registerDump } from './commands/dump.js';
import { registerEval } from './commands/eval.js';
import { registerImport } from './commands/import.js';
import { registerOpt } from './commands/opt.js';
import { registerSim } from './commands/sim.js';
import { registerTrain } from './commands/train.js';
import { registerVerify } from './commands/verify.js';
import { setQuiet } from './progress.js';
import { onTempsHeld, removeActiveTemps } from '../ir/index.js';
import { SIGNAL_EXIT } from './signals.js';
import { StoppedBySignal } from './errors.js';

function program(): Command {
  const p = new Command('spikec')
    .description(
      'Compile trained physics-informed neural networks (PINNs) into spiking neural networks ' +
        'for neuromorphic hardware.',
    )
    .version('0.1.0')
    .option('--verbose', 'print stack traces of errors')
    .option('--quiet', 'print no progress lines')
    .showHelpAfterError('(run spikec --help for usage)')
    .configureOutput({ outputError: (text, write) => write(`spikec: ${text}`) })
    .exitOverride();
  registerImport(p);
  registerCompile(p);
  registerOpt(p);
  registerVerify(p);
  registerSim(p);
  registerEval(p);
  registerDump(p);
  registerTrain(p);
  registerDemo(p);
  return p;
}

/** Runs the CLI on `argv` (as process.argv) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  setQuiet(argv.includes('--quiet'));
  // A closed pipe (spikec ... | head) ends the output, not the program with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  // Interrupted while outputs are being written, remove their temporary files (kill -9 leaves them to
  // the next write); at any other moment an interrupt keeps its default effect and stops at once.
  const removeAndExit = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = (): void => {
      removeActiveTemps();
      process.exit(SIGNAL_EXIT[signal]);
    };
    return [signal, handler] as const;
  });
  onTempsHeld((held) => {
    for (const [signal, handler] of removeAndExit) held ? process.on(signal, handler) : process.off(signal, handler);
  });
  try {
    await program().parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof StoppedBySignal) {
      process.stderr.write(`spikec: ${e.message}\n`);
      return e.exitCode;
    }
    const err = e as Error;
    process.stderr.write(`spikec: error: ${err.message}\n`);
    if (verbose) process.stderr.write(`${err.stack ?? ''}\n`);
    return 1;
  }
}
