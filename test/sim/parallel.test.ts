import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { simulate } from '../../src/sim/simulate.js';
import { converted, rows } from '../support/sim-nets.js';

const compiled = new URL('../../dist/src/sim/parallel.js', import.meta.url);

/**
 * simulateRows splits a batch across simulator threads and blocks on them. From TypeScript sources it
 * has no threads, so this runs the compiled module (npm test builds it first), as the CLI does.
 */
describe.runIf(existsSync(compiled))('simulateRows on worker threads (compiled build)', () => {
  test('equals simulate() on the whole batch: outputs, rates, currents, spikes and synops', async () => {
    const { simulateRows } = (await import(compiled.href)) as typeof import('../../src/sim/parallel.js');
    const g = converted(16);
    const inputs = rows(150);
    const whole = simulate(g, inputs);
    const split = simulateRows(g, inputs);
    expect(split.outputs).toEqual(whole.outputs);
    expect(split.rate).toEqual(whole.rate);
    expect(split.meanCurrent).toEqual(whole.meanCurrent);
    expect(split.layers).toEqual(whole.layers);
    expect(split.synops).toBe(whole.synops);
    // a second call reuses the threads
    expect(simulateRows(g, inputs.slice(0, 100)).outputs).toEqual(whole.outputs.slice(0, 100));
  });

  test("a bad row raises the simulator's own error, and the threads stay usable", async () => {
    const { simulateRows } = (await import(compiled.href)) as typeof import('../../src/sim/parallel.js');
    const g = converted(8);
    const inputs = rows(100);
    const bad = inputs.map((r, i) => (i === 90 ? [Number.NaN, 0.5] : r));
    expect(() => simulateRows(g, bad)).toThrow(/input row 40 value 0 is NaN/);
    expect(simulateRows(g, inputs).outputs).toEqual(simulate(g, inputs).outputs);
  });
});
