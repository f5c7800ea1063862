import { type Graph, GraphBuilder, f32 } from '../../src/ir/index.js';
import { DEFAULT_CONTEXT, runPipeline } from '../../src/passes/index.js';

/** 2 -> 6 tanh -> 6 tanh -> 1: small enough to simulate often. */
export function smallMlp(): Graph {
  const b = new GraphBuilder('small');
  const rnd = (k: number): number => Math.sin(k * 12.9898) * 0.9;
  let h = b.add({
    kind: 'ann.input',
    id: 'x',
    inputs: [],
    dims: 2,
    domain: [
      [0, 1],
      [0, 1],
    ],
  });
  let inW = 2;
  for (const [l, w] of [6, 6, 1].entries()) {
    h = b.add({
      kind: 'ann.dense',
      id: `d${l}`,
      inputs: [h],
      weight: f32(
        [w, inW],
        Array.from({ length: w * inW }, (_, k) => rnd(100 * l + k) * 1.5),
      ),
      bias: f32(
        [w],
        Array.from({ length: w }, (_, k) => rnd(7 + k) * 0.3),
      ),
    });
    if (l < 2) h = b.add({ kind: 'ann.act', id: `a${l}`, inputs: [h], fn: 'tanh' });
    inW = w;
  }
  b.add({ kind: 'ann.output', id: 'u', inputs: [h] });
  return b.build();
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
