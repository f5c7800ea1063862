import { beforeEach, describe } from 'vitest';
import { ORACLES, oraclesMissing } from '../../bench/oracles.js';

/** The tag every test that runs a real tool carries; the reporter counts them (test/support/real-tools-reporter.ts). */
export const REAL_TOOLS_TAG = 'real-tools';

const missing = oraclesMissing();

/**
 * The time limit of a real-tool test unless it sets its own: Lava starts a process per process model,
 * and a test that takes 15 to 30 s on a quiet machine must hold with the machine busy (three times its
 * time and more).
 */
export const REAL_TOOL_TIMEOUT_MS = 180_000;

/**
 * A suite whose tests run a real tool (Lava, lava-dl's netx, the NIR package) from the oracle folder.
 * Where the tools are absent, each test is skipped with the reason, so a fresh clone passes and says
 * what it did not check.
 */
export function describeRealTools(title: string, body: () => void): void {
  describe(`${title} (real tools in ${ORACLES})`, { tags: [REAL_TOOLS_TAG], timeout: REAL_TOOL_TIMEOUT_MS }, () => {
    if (missing) beforeEach((ctx) => ctx.skip(missing));
    body();
  });
}
