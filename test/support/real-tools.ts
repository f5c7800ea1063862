import { beforeEach, describe } from 'vitest';
import { ORACLES, oraclesMissing } from '../../bench/oracles.js';

/** The tag every test that runs a real tool carries; the reporter counts them (test/support/real-tools-reporter.ts). */
export const REAL_TOOLS_TAG = 'real-tools';

const missing = oraclesMissing();

/**
 * A suite whose tests run a real tool (Lava, lava-dl's netx, the NIR package) from the oracle folder.
 * Where the tools are absent, each test is skipped with the reason, so a fresh clone passes and says
 * what it did not check.
 */
export function describeRealTools(title: string, body: () => void): void {
  describe(`${title} (real tools in ${ORACLES})`, { tags: [REAL_TOOLS_TAG] }, () => {
    if (missing) beforeEach((ctx) => ctx.skip(missing));
    body();
  });
}
