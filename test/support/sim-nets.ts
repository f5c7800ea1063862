import { type Graph, tanhMlp } from '../../src/ir/index.js';
import { DEFAULT_CONTEXT, runPipeline } from '../../src/passes/index.js';

/** 2 -> 6 tanh -> 6 tanh -> 1: small enough to simulate often. */
export function smallMlp(): Graph {
  const rnd = (k: number): number => Math.sin(k * 12.9898) * 0.9;
  return tanhMlp({
    name: 'small',
    domain: [
      [0, 1],
      [0, 1],
    ],
    widths: [6, 6, 1],
    weight: (l, _, k) => rnd(100 * l + k) * 1.5,
    bias: (_, k) => rnd(7 + k) * 0.3,
  });
}

/** Input rows spread over [0, 1]^2. */
export const rows = (n: number, seed = 1): number[][] =>
  Array.from({ length: n }, (_, i) => [((i * 37 + seed) % 101) / 100, ((i * 53 + 3 * seed) % 97) / 96]);

/** smallMlp converted to spikes (no calibration) at T steps. */
export function converted(T = 32): Graph {
  const ctx = { ...DEFAULT_CONTEXT, calibration: rows(64, 5), T };
  return runPipeline(smallMlp(), ['fold-weights', 'threshold-balance', 'lower-to-snn'], ctx, { verifyEach: true })
    .graph;
}
