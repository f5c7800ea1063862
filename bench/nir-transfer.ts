import { resetZeroCount } from '../src/fit/count-model.js';
import { gram, solveSpd } from '../src/fit/linalg.js';
import { mdRow, sci } from './markdown.js';

/**
 * What one unit of a rate-coded layer can express under a constant input (a first layer), in the two
 * resets, as the count model states them (property-tested against the simulator):
 *  - subtract reset, the window opening at θ/2 (the rate network Loihi runs): clamp(floor(i T + 1/2), 0, T);
 *  - reset to zero from rest (NIR's IF): resetZeroCount, a staircase in 1/i, no rate between 1/2 and 1;
 *  - M such neurons on the same input, thresholds spread over [θ, 2θ), counts averaged: the only
 *    population NIR's IF states beside copies (per-neuron v_threshold).
 * i is the input per step over θ, on a fine grid over [0, 1]. The error is what is left after the best
 * smooth map of the count (a degree-7 polynomial, least squares): what calibration and finetune can
 * undo downstream; the rest is the unit's resolution. Spikes: per unit per window at i = 1, over T.
 */
const T = 64;
const POINTS = 2001;
const DEGREE = 7;
const COPIES = [1, 2, 4, 8, 16];

export interface TransferRow {
  readonly neuron: string;
  readonly copies: number;
  readonly residual: number;
  readonly over_subtract: number;
  readonly spikes_at_full_scale: number;
}

/** RMS of target - p(y) over the grid for the least-squares polynomial p of degree DEGREE (Chebyshev basis). */
function residual(y: Float64Array, target: Float64Array): number {
  const k = DEGREE + 1;
  const [lo, hi] = [Math.min(...y), Math.max(...y)];
  const X = new Float64Array(y.length * k);
  y.forEach((v, r) => {
    const x = hi > lo ? (2 * (v - lo)) / (hi - lo) - 1 : 0;
    const row = X.subarray(r * k, (r + 1) * k);
    row[0] = 1;
    row[1] = x;
    for (let d = 2; d < k; d++) row[d] = 2 * x * row[d - 1] - row[d - 2];
  });
  const G = gram(X, k);
  for (let d = 0; d < k; d++) G[d * k + d] += 1e-12;
  const XtY = new Float64Array(k);
  y.forEach((_, r) => {
    for (let d = 0; d < k; d++) XtY[d] += X[r * k + d] * target[r];
  });
  const c = solveSpd(G, XtY, k, 1);
  let sum = 0;
  y.forEach((_, r) => {
    let p = 0;
    for (let d = 0; d < k; d++) p += c[d] * X[r * k + d];
    sum += (target[r] - p) ** 2;
  });
  return Math.sqrt(sum / y.length);
}

export function nirTransferBench(): { T: number; rows: TransferRow[] } {
  const i = Float64Array.from({ length: POINTS }, (_, k) => k / (POINTS - 1));
  const subtract = i.map((v) => Math.min(T, Math.max(0, Math.floor(v * T + 0.5))) / T);
  const base = residual(subtract, i);
  const rows: TransferRow[] = [
    { neuron: 'subtract reset, opening θ/2', copies: 1, residual: base, over_subtract: 1, spikes_at_full_scale: T },
  ];
  for (const M of COPIES) {
    const thresholds = Array.from({ length: M }, (_, j) => 1 + j / M);
    const rate = (v: number, th: number): number => resetZeroCount((v * T) / th, T, true) / T;
    const y = i.map((v) => thresholds.reduce((s, th) => s + rate(v, th), 0) / M);
    const r = residual(y, i);
    rows.push({
      neuron: M === 1 ? 'reset to zero, from rest' : 'reset to zero, thresholds over [θ, 2θ)',
      copies: M,
      residual: r,
      over_subtract: r / base,
      spikes_at_full_scale: thresholds.reduce((s, th) => s + rate(1, th) * T, 0),
    });
  }
  return { T, rows };
}

export function nirTransferMarkdown(r: { T: number; rows: readonly TransferRow[] }, made: string, date: string) {
  return [
    `<!-- made by: ${made} -->`,
    `# One unit under a constant input, T = ${r.T} (${date})`,
    '',
    "What a first layer's unit resolves of its input i (per step, over θ, on [0, 1]) after the best smooth",
    'map of its count (degree-7 polynomial): the error calibration and finetune cannot undo. NIR states',
    "reset to zero only; spreading M neurons' thresholds over [θ, 2θ) is the population its IF can state.",
    '',
    mdRow(['neuron', 'neurons per unit', 'RMS error after the best smooth map', 'x subtract reset', 'spikes at i = 1']),
    mdRow(['---', '---:', '---:', '---:', '---:']),
    ...r.rows.map((x) =>
      mdRow([x.neuron, x.copies, sci(x.residual), x.over_subtract.toFixed(1), x.spikes_at_full_scale]),
    ),
    '',
  ].join('\n');
}
