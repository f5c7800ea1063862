import { describe, expect, test } from 'vitest';
import { fuzz } from '../../bench/fuzz.js';
import { READER_NAMES } from '../../bench/fuzz-readers.js';

// A fixed budget that keeps npm test short; `npm run fuzz -- --n 10000` is the long run (bench/results/fuzz.md).
const BUDGET: Record<string, number> = { 'ir-text': 150, 'ir-binary': 150, onnx: 150, tfjs: 60, nir: 24 };

describe('every model reader, fed seeded mutants of valid files, rejects each bad one with a named error', () => {
  for (const reader of READER_NAMES) {
    test(`${reader}: no generic error, hang or crash`, async () => {
      const [row] = await fuzz({ n: BUDGET[reader], readers: [reader], seed: 20261129, threads: 2 });
      expect(row.findings).toEqual([]);
      expect(row.generic + row.hangs + row.crashes).toBe(0);
      expect(row.ok + row.named).toBe(BUDGET[reader]);
    }, 120_000);
  }
});
