import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    tags: [{ name: 'real-tools', description: 'runs Lava, netx or NIR from the oracle folder (bench/oracles.ts)' }],
    reporters: ['default', './test/support/real-tools-reporter.ts'],
  },
});
