import type { PipelineProgress } from '../passes/index.js';

/**
 * Progress lines on stderr, for commands that run for minutes: one line as each pass starts, and
 * within a long pass a line at most every few seconds (--pass-stats has each pass's time). Plain
 * lines, so that a log file or
 * CI output shows them as a terminal does. Silenced by --quiet.
 */
let quiet = false;
const EVERY_MS = 3000;

export function setQuiet(q: boolean): void {
  quiet = q;
}

export function isQuiet(): boolean {
  return quiet;
}

/** Where said lines go: stderr, or (in a build thread) the thread that prints them. */
let sink = (line: string): void => void process.stderr.write(`spikec: ${line}\n`);

export function say(line: string): void {
  if (!quiet) sink(line);
}

/**
 * Sends said lines to `to` instead of stderr. A build thread's own stderr reaches the terminal only when
 * the thread is idle, which a synchronous build never is until it ends; a message reaches the main
 * thread at once.
 */
export function sayTo(to: (line: string) => void): void {
  sink = to;
}

export function pipelineProgress(label: string): PipelineProgress | undefined {
  if (quiet) return undefined;
  let last = 0;
  return {
    passStart(pass, index, total) {
      last = Date.now();
      say(`${label} [${index + 1}/${total}] ${pass}`);
    },
    passStep(pass, done, total) {
      const now = Date.now();
      if (now - last < EVERY_MS && done < total) return;
      last = now;
      say(`${label}   ${pass}: ${done}/${total}`);
    },
    passEnd() {},
  };
}
