import { expect } from 'vitest';
import type { Graph } from '../../src/ir/index.js';
import { simulate } from '../../src/sim/simulate.js';
import type { LavaRun } from '../../bench/oracles.js';

/** A real tool's run of `g` on `rows` against the simulator: the same outputs, and per row the same spikes per step. */
export function expectRunToMatch(g: Graph, rows: number[][], run: LavaRun): void {
  expect(run.outputs).toEqual(simulate(g, rows).outputs);
  rows.forEach((row, r) => {
    const trace = simulate(g, [row], { trace: true }).trace!;
    const ours = Object.fromEntries([...trace].map(([id, steps]) => [id, steps.map((x) => Array.from(x))]));
    expect(run.rasters[r], `input ${r}`).toEqual(ours);
  });
}
