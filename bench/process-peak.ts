import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** How often the process tree's memory is sampled. */
const SAMPLE_MS = 1000;

/** A finished command: its exit status, output, wall time and the peak memory of its process tree. */
export interface PeakRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
  /** The largest sum over the process and its descendants of PSS (shared pages split among sharers), MiB. */
  readonly peakMiB: number;
}

/** The parent of every live process (from /proc/PID/stat). */
function parents(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone between the listing and the read
    }
  }
  return children;
}

/**
 * PSS of `pid` and its descendants, KiB: Lava forks a process per process model, and RSS would count
 * the pages they share many times.
 */
function treePssKiB(pid: number): number {
  const children = parents();
  let total = 0;
  for (const todo = [pid]; todo.length;) {
    const p = todo.pop()!;
    try {
      total += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited
    }
    todo.push(...(children.get(p) ?? []));
  }
  return total;
}

/** Runs a command to its end, sampling its process tree's memory (Linux /proc). */
export function runMeasured(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<PeakRun> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(command, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const [out, err]: [Buffer[], Buffer[]] = [[], []];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    let peak = 0;
    const timer = setInterval(() => {
      if (child.pid) peak = Math.max(peak, treePssKiB(child.pid));
    }, SAMPLE_MS);
    child.on('error', reject);
    child.on('close', (status) => {
      clearInterval(timer);
      resolve({
        status,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        seconds: (performance.now() - began) / 1000,
        peakMiB: peak / 1024,
      });
    });
  });
}
