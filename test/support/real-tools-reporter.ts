import type { Reporter, TestModule } from 'vitest/node';
import { ORACLES, oraclesMissing } from '../../bench/oracles.js';
import { REAL_TOOLS_TAG } from './real-tools.js';

/**
 * Ends `npm test` with one line on the real-tool checks: how many ran, or how many were skipped and
 * how to enable them. A skipped check is visible, never silent.
 */
export default class RealToolsReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const states = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const m of modules)
      for (const t of m.children.allTests()) if (t.tags.includes(REAL_TOOLS_TAG)) states[t.result().state]++;
    const all = states.passed + states.failed + states.skipped + states.pending;
    if (all === 0) return;
    const missing = oraclesMissing();
    const line =
      states.skipped > 0 && missing
        ? `real-tool checks: ${states.skipped} of ${all} skipped: ${missing}. ` +
          'Bring Lava, lava-dl and NIR there to run them.'
        : `real-tool checks: ${states.passed} of ${all} ran and passed, ${states.failed} failed, ` +
          `${states.skipped} skipped (Lava, netx, NIR and Norse from ${ORACLES})`;
    process.stdout.write(`\n${line}\n`);
  }
}
