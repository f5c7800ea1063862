import { describe, expect, test } from 'vitest';
import { AnnTarget, type Surrogate, fitRng, fitToAnn } from '../../src/fit/fit-to-ann.js';
import { exampleMlp } from '../../src/ir/index.js';
import { Rng } from '../../src/sim/rng.js';

const ann = exampleMlp();
const box: [number, number][] = [
  [0, 1],
  [0, 1],
];
const calibration = new Rng(7).box(box, 64);

/** u = w0 x + w1 y + w2: a surrogate whose squared error's gradient is written out. */
function linear(): Surrogate {
  const values = Float64Array.from([0.3, -0.2, 0.1]);
  const out = (rows: readonly (readonly number[])[]): Float64Array =>
    Float64Array.from(rows, ([x, y]) => values[0] * x + values[1] * y + values[2]);
  return {
    parameters: [{ node: 'u', field: 'weight', values }],
    forward: (rows) => ({ out: out(rows) }),
    gradient(rows, targets) {
      const o = out(rows);
      const g = new Float64Array(3);
      rows.forEach(([x, y], r) => {
        const e = 2 * (o[r] - targets[r]);
        [g[0], g[1], g[2]] = [g[0] + e * x, g[1] + e * y, g[2] + e];
      });
      return [g];
    },
  };
}

describe('fit to the ANN', () => {
  test('a target scores on the calibration rows, or on rows drawn apart from them within the box', () => {
    expect(new AnnTarget(ann, calibration).scoring).toBe(calibration);
    const heldOut = new AnnTarget(ann, calibration, box, true);
    expect(heldOut.scoring.length).toBe(512);
    const seen = new Set(calibration.map((r) => r.join(',')));
    expect(heldOut.scoring.every((r) => !seen.has(r.join(',')) && r.every((v) => v >= 0 && v <= 1))).toBe(true);
    // the error it reports is the one on those rows
    const model = linear();
    const outputs = heldOut.outputs(heldOut.scoring);
    const mine = model.forward(heldOut.scoring).out;
    let [num, den] = [0, 0];
    mine.forEach((v, r) => ((num += (v - outputs[r]) ** 2), (den += outputs[r] ** 2)));
    expect(heldOut.errorOf(model)).toBeCloseTo(Math.sqrt(num / den), 12);
  });

  test("a warmup climbs to the schedule's step: the first step of a fit moves its parameters a fraction as far", () => {
    const target = new AnnTarget(ann, calibration);
    const firstStep = (warmup: number | undefined): number => {
      const model = linear();
      const start = model.parameters[0].values[2];
      let moved = 0;
      const progress = (done: number): void => {
        if (done === 1) moved = Math.abs(model.parameters[0].values[2] - start);
      };
      fitToAnn(model, target, fitRng(), { steps: 10, rate: 0.01, scaleOf: () => 1, keepBest: false, warmup, progress });
      return moved;
    };
    // over 10 steps, a warmup of half of them: the first step is 1 / (0.5 * 10 + 1) of the full one
    expect(firstStep(0.5) / firstStep(undefined)).toBeCloseTo(1 / 6, 6);
    expect(firstStep(0) / firstStep(undefined)).toBe(1);
  });
});
