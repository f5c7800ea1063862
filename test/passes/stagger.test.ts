import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type Graph, type NodeOf, verify } from '../../src/ir/index.js';
import { DEFAULT_CONTEXT, relativeL2, runPass, runPipeline, stagger } from '../../src/passes/index.js';
import { evalAnn } from '../../src/sim/ann-eval.js';
import { simulate } from '../../src/sim/simulate.js';
import { mlp, oneNeuron } from '../support/small-nets.js';

const grid = (n: number): number[][] =>
  Array.from({ length: n * n }, (_, k) => [(k % n) / (n - 1), Math.floor(k / n) / (n - 1)]);
const ctx = { ...DEFAULT_CONTEXT, calibration: grid(10), T: 32, K: 3 };
const lowered = runPipeline(mlp(), ['fold-weights', 'threshold-balance', 'lower-to-snn'], ctx, {
  verifyEach: true,
}).graph;

describe('stagger', () => {
  test('M copies opening θ/M apart count at resolution 1/M spike (Hermite), for any input (property)', () => {
    const T = 8;
    const M = 4;
    const g = oneNeuron(T);
    const staggered = runPass(stagger, g, { ...DEFAULT_CONTEXT, stagger: M }).graph;
    verify(staggered);
    expect((staggered.nodes.find((n) => n.id === 'n') as NodeOf<'snn.neurons'>).type.shape).toEqual([M]);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (x) => {
        // one neuron: round(x T) / T; M staggered copies: round(x M T) / (M T)
        expect(simulate(g, [[x]]).outputs[0][0]).toBeCloseTo(Math.floor(x * T + 0.5) / T, 9);
        const y = simulate(staggered, [[x]]).outputs[0][0];
        expect(Math.abs(y - x)).toBeLessThanOrEqual(1 / (2 * M * T) + 1e-9);
      }),
    );
  });

  test('lowers the error of a converted network and only touches the populations that feed readouts', () => {
    const points = grid(20);
    const ann = evalAnn(mlp(), points);
    const { graph, stats } = runPass(stagger, lowered, { ...ctx, stagger: 4 });
    verify(graph);
    expect(stats).toMatchObject({ copies: 4, populations: 1 });
    const widths = (h: Graph): number[] => h.nodes.filter((n) => n.kind === 'snn.neurons').map((n) => n.type.shape[0]);
    expect(widths(graph)).toEqual([widths(lowered)[0], widths(lowered)[1] * 4]);
    expect(relativeL2(simulate(graph, points).outputs, ann)).toBeLessThan(
      relativeL2(simulate(lowered, points).outputs, ann),
    );
  });
});
