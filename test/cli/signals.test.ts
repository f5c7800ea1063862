import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ROOT, spikec } from '../support/cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spikec-signals-'));
});

interface Stopped {
  readonly code: number | null;
  /** The signal that ended it, when it kept the signal's default effect. */
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  /** Milliseconds from the signal to the exit. */
  readonly ms: number;
}

/** Runs spikec off a terminal, sends `signal` once `ready(stderr)` holds, and waits for the exit. */
function interrupted(
  args: readonly string[],
  signal: NodeJS.Signals,
  ready: (stderr: string) => boolean,
): Promise<Stopped> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'spikec.js'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let sentAt: number | undefined;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (sentAt === undefined && ready(stderr)) {
        sentAt = performance.now();
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      resolve({ code, signal, stderr, ms: performance.now() - (sentAt ?? Number.NaN) }),
    );
  });
}

describe('SIGINT and SIGTERM stop a command within seconds and leave nothing', () => {
  for (const [signal, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    test(`spikec train, ${signal}: progress lines off a terminal, then a clean stop with no model`, async () => {
      const out = join(dir, `train-${signal}`);
      // a progress line past step 0: the bar writes lines off a terminal while training runs
      const r = await interrupted(['train', 'poisson1d', '--steps', '1000000', '-o', out], signal, (e) =>
        /[1-9]\d*\/1000000 steps/.test(e),
      );
      expect(r.code).toBe(status);
      expect(r.stderr).toMatch(
        new RegExp(`spikec: train: stopped by ${signal} at step \\d+ of 1000000; nothing written`),
      );
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
      expect(r.ms).toBeLessThan(5000);
      expect(existsSync(out)).toBe(false);
    }, 120_000);
  }

  test('spikec compile, SIGINT in the middle of its passes: it stops at once, no output directory', async () => {
    const out = join(dir, 'compile', 'out');
    const r = await interrupted(
      ['compile', join(ROOT, 'examples', 'poisson1d'), '--target', 'loihi2,lava-netx', '-o', out],
      'SIGINT',
      (e) => e.includes('finetune'),
    );
    // nothing was being written: the signal kept its default effect (the shell reports 130)
    expect(r.signal).toBe('SIGINT');
    expect(r.ms).toBeLessThan(5000);
    expect(existsSync(join(dir, 'compile'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }, 120_000);
});

test('spikec train --quiet prints no progress, only its result', () => {
  const out = join(dir, 'quiet');
  const r = spikec(['train', 'poisson1d', '--steps', '60', '--quiet', '-o', out]);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/^spikec: relative L2 error vs exact \S+ \(\S+ ms\/step\); wrote \S+\n$/);
  expect(existsSync(join(out, 'model.json'))).toBe(true);
}, 120_000);
