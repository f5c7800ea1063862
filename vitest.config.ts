import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    // two test files at a time even on two cores (vitest's default is one fewer than the cores): most
    // of a real-tool or CLI test is spent in the processes it starts
    maxWorkers: Math.max(2, availableParallelism() - 1),
    hookTimeout: 120_000,
    tags: [{ name: 'real-tools', description: 'runs Lava, netx or NIR from the oracle folder (bench/oracles.ts)' }],
    reporters: ['default', './test/support/real-tools-reporter.ts'],
  },
});
