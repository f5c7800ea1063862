import { mdRow } from './markdown.js';
import { loadModel } from '../src/frontend/index.js';
import { Rng, bundledProblem, exactOn, readProblemFile, testPoints } from '../src/frontend/train/index.js';
import { type Graph, activationFn, width } from '../src/ir/index.js';
import { type ChannelApprox, pwlApprox } from '../src/fit/approx.js';
import { DEFAULT_CONTEXT, columnOf, relativeL2, runPipeline, sorted } from '../src/passes/index.js';
import { evalAnnAll } from '../src/sim/ann-eval.js';

/** How an activation is replaced when the MLP is evaluated (float64, no spikes, no time). */
type Stand = { kind: 'clipped' } | { kind: 'one-neuron'; T: number } | { kind: 'pwl'; K: number; T?: number };

/** Runs a dense/act MLP with every activation replaced as `stand` says; rows of outputs. */
function forward(g: Graph, points: number[][], stand: Stand, fits: Map<string, ChannelApprox[]>): number[][] {
  const vals = new Map<string, Float64Array>();
  const B = points.length;
  let out: Float64Array | undefined;
  for (const n of g.nodes) {
    const w = width(n.type);
    if (n.kind === 'ann.input') vals.set(n.id, Float64Array.from(points.flat()));
    else if (n.kind === 'ann.dense') {
      const x = vals.get(n.inputs[0])!;
      const k = n.weight.shape[1];
      const o = new Float64Array(B * w);
      for (let r = 0; r < B; r++) {
        for (let i = 0; i < w; i++) {
          let s = n.bias.data[i];
          for (let j = 0; j < k; j++) s += n.weight.data[i * k + j] * x[r * k + j];
          o[r * w + i] = s;
        }
      }
      vals.set(n.id, o);
    } else if (n.kind === 'ann.act') {
      const x = vals.get(n.inputs[0])!;
      const f = activationFn(n.fn, n.table);
      const o = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const c = i % w;
        const [lo, hi] = [n.range!.lo.data[c], n.range!.hi.data[c]];
        const z = Math.min(Math.max(x[i], lo), hi);
        if (stand.kind === 'clipped') o[i] = f(z);
        else if (stand.kind === 'one-neuron') {
          // the exact activation, its output rounded to 1/T of its range (an ideal rate-coded neuron)
          const [a, b] = [f(lo), f(hi)];
          o[i] = a + ((b - a) * Math.round(((f(z) - a) / (b - a || 1)) * stand.T)) / stand.T;
        } else {
          const fit = fits.get(`${n.id}/${stand.K}`)![c];
          let y = fit.constant;
          for (const u of fit.units) {
            const r = Math.min(Math.max((x[i] - u.offset) / u.theta, 0), 1);
            y += u.slope * u.theta * (stand.T ? Math.round(r * stand.T) / stand.T : r);
          }
          o[i] = y;
        }
      }
      vals.set(n.id, o);
    } else if (n.kind === 'ann.output') out = vals.get(n.inputs[0]);
    else throw new Error(`floor bench: ${n.kind} is not a dense/act MLP op`);
  }
  const ow = out!.length / B;
  return points.map((_, r) => Array.from(out!.subarray(r * ow, (r + 1) * ow)));
}

/**
 * What rate coding can reach at best on poisson2d, with no spiking dynamics at all: each neuron's
 * output rounded to a multiple of 1/T (an ideal integrate-and-fire count), and the pwl fit alone.
 */
export async function floorBench(): Promise<{ model: string; test_points: number; rows: Record<string, unknown>[] }> {
  const dir = 'examples/poisson2d';
  const { graph } = await loadModel(dir);
  const problem = readProblemFile(dir)!;
  const points = testPoints(problem);
  const exact = exactOn(bundledProblem(problem)!, points);
  const calibration = new Rng(7).box(problem.domain, 256);
  const g = runPipeline(graph, ['fold-weights', 'threshold-balance'], { ...DEFAULT_CONTEXT, calibration }).graph;
  const z = evalAnnAll(g, calibration);
  const Ks = [4, 8, 16, 32];
  const fits = new Map<string, ChannelApprox[]>();
  for (const a of g.nodes) {
    if (a.kind !== 'ann.act') continue;
    const w = width(a.type);
    const pre = z.get(a.inputs[0])!;
    for (const K of Ks)
      fits.set(
        `${a.id}/${K}`,
        Array.from({ length: w }, (_, c) =>
          pwlApprox(a.fn, a.table, sorted(columnOf(pre, w, c)), a.range!.lo.data[c], a.range!.hi.data[c], K),
        ),
      );
  }
  const annTrue = evalAnnAll(graph, points).get(graph.nodes.find((n) => n.kind === 'ann.output')!.id)!;
  const annRows = points.map((_, r) => [annTrue[r]]);
  const err = (s: Stand): { vs_ann: number; vs_exact: number } => {
    const y = forward(g, points, s, fits);
    return { vs_ann: relativeL2(y, annRows), vs_exact: relativeL2(y, exact) };
  };
  const rows: Record<string, unknown>[] = [{ stand: 'ANN', vs_ann: 0, vs_exact: relativeL2(annRows, exact) }];
  rows.push({ stand: 'activation clipped to the balanced range (99.9th percentile)', ...err({ kind: 'clipped' }) });
  for (const T of [16, 64, 256])
    rows.push({
      stand: `one ideal neuron per channel, exact activation, output rounded to 1/T`,
      T,
      ...err({ kind: 'one-neuron', T }),
    });
  for (const K of Ks) {
    rows.push({ stand: 'pwl fit alone (T → ∞)', K, ...err({ kind: 'pwl', K }) });
    for (const T of [16, 64, 256])
      rows.push({
        stand: 'pwl, each ramp neuron rounded to 1/T (ideal IF counts)',
        K,
        T,
        ...err({ kind: 'pwl', K, T }),
      });
  }
  return { model: dir, test_points: points.length, rows };
}

export function floorMarkdown(r: { rows: Record<string, unknown>[] }): string {
  const lines = ['| stand-in for each activation | K | T | vs ANN | vs exact |', '|---|---|---|---|---|'];
  for (const x of r.rows)
    lines.push(
      mdRow([
        String(x.stand),
        String(x.K ?? ''),
        String(x.T ?? ''),
        (x.vs_ann as number).toExponential(2),
        (x.vs_exact as number).toExponential(2),
      ]),
    );
  return `${lines.join('\n')}\n`;
}
