import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { type Graph, type NodeOf, parseGraph } from '../../src/ir/index.js';
import { NETX_LIMITS } from '../../src/backends/index.js';
import { DEFAULT_CONTEXT, type PassContext, runPipeline } from '../../src/passes/index.js';
import { SettledModel } from '../../src/fit/sigma-delta-settled-model.js';
import { worstStates } from '../../src/fit/sigma-delta-headroom.js';
import { sigmaDeltaStateMax } from '../../src/fit/sigma-delta-bounds.js';
import { evalAnn } from '../../src/sim/ann-eval.js';
import { simulate } from '../../src/sim/simulate.js';
import { mlp } from '../support/small-nets.js';

const grid = (n: number): number[][] =>
  Array.from({ length: n * n }, (_, k) => [(k % n) / (n - 1), Math.floor(k / n) / (n - 1)]);
const ann = mlp({ hidden: 2, seed: 5 });
const ctx: PassContext = { ...DEFAULT_CONTEXT, calibration: grid(10), K: 4, sdThreshold: 2 ** -14, finetuneSteps: 0 };
const LOWER = ['fold-weights', 'threshold-balance', 'lower-to-sigma-delta'];
const lowered = runPipeline(ann, LOWER, ctx).graph;
const quantized = (limits = {}): Graph => runPipeline(lowered, ['quantize-sigma-delta'], { ...ctx, limits }).graph;
const model = (g: Graph, limits = {}): SettledModel => {
  const m = SettledModel.of(g, limits);
  if (typeof m === 'string') throw new Error(m);
  return m;
};
const point = fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }));

describe('the settled model of a sigma-delta network', () => {
  for (const [name, g] of [
    ['float', lowered],
    ['fixed point, Loihi 2', quantized()],
    ['fixed point, within netx', quantized(NETX_LIMITS)],
  ] as const)
    test(`${name}: equals what the simulator's held query settles on (property)`, () => {
      const m = model(g);
      fc.assert(
        fc.property(fc.array(point, { minLength: 1, maxLength: 8 }), (xs) => {
          const rows = xs.map((x) => [...x]);
          const settled = Array.from(m.forward(rows).out);
          const sim = simulate(g, rows).outputs.flat();
          settled.forEach((v, k) => expect(Math.abs(v - sim[k])).toBeLessThan(1e-9));
        }),
        { numRuns: 40 },
      );
    });

  test('gradients equal central differences of the loss (float and fixed point, property)', () => {
    for (const g of [lowered, quantized()]) {
      const fixed = g !== lowered;
      const m = model(g);
      const rows = grid(4);
      const targets = Float64Array.from(evalAnn(ann, rows).flat());
      /** The loss, and which neurons send and are on: the model is smooth only while that stays. */
      const evaluate = (): [number, string] => {
        const { out, tape } = m.forward(rows);
        const on = [...tape.slopes.values()].map((sl) => Array.from(sl, (v) => (v ? 1 : 0)).join('')).join('|');
        return [out.reduce((s, v, k) => s + (v - targets[k]) ** 2, 0), on];
      };
      const grads = m.gradient(rows, targets);
      const at = evaluate()[1];
      let crossed = 0;
      const runs = 60;
      fc.assert(
        fc.property(fc.nat(), fc.nat(), (pi, ki) => {
          const p = m.parameters[pi % m.parameters.length];
          const k = ki % p.values.length;
          const g0 = grads[m.parameters.indexOf(p)][k];
          const v = p.values[k];
          // a fixed-point parameter is a mantissa: the difference is taken over a whole mantissa each side
          const h = fixed ? 1 : 1e-6;
          p.values[k] = v + h;
          const [up, onUp] = evaluate();
          p.values[k] = v - h;
          const [down, onDown] = evaluate();
          p.values[k] = v;
          const scale = Math.max(...grads.map((gr) => Math.max(...gr.map(Math.abs))));
          // zeros and bias relays are not trained: no gradient, whatever moving them would do
          if (!m.isTrained(p, k)) expect(g0).toBe(0);
          // a stencil across a threshold or a ReLU's kink measures the jump, not the derivative
          else if (onUp !== at || onDown !== at) crossed++;
          else if (fixed) expect(Math.abs(g0 - (up - down) / (2 * h))).toBeLessThan(0.05 * scale);
          else expect(g0).toBeCloseTo((up - down) / (2 * h), 3);
        }),
        { numRuns: runs },
      );
      // most draws are checked: the test cannot pass by skipping them
      expect(crossed).toBeLessThanOrEqual(runs / 2);
    }
  });

  test('reuses its buffers without changing a result: the same outputs and gradients whatever ran before', () => {
    for (const g of [lowered, quantized()]) {
      const [rows, other] = [grid(4), grid(5)];
      const targets = Float64Array.from(evalAnn(ann, rows).flat());
      const fresh = model(g);
      const expected = {
        out: Array.from(fresh.forward(rows).out),
        grads: fresh.gradient(rows, targets).map((a) => [...a]),
      };
      const used = model(g);
      // other batch sizes and the same one, forward and backward, before the call compared
      used.gradient(other, Float64Array.from(evalAnn(ann, other).flat()));
      used.forward(other);
      used.gradient(
        rows,
        targets.map((t) => t + 1),
      );
      expect(Array.from(used.forward(rows).out)).toEqual(expected.out);
      expect(used.gradient(rows, targets).map((a) => [...a])).toEqual(expected.grads);
    }
  });
});

describe('a separable network: branches that meet in slices and a rank-r product on the host', () => {
  const spinn = parseGraph(readFileSync(new URL('../fixtures/passes/spinn.sir', import.meta.url), 'utf8'));
  const float = runPipeline(spinn, LOWER, ctx).graph;
  const merged = runPipeline(float, ['merge-branches', 'quantize-sigma-delta'], { ...ctx, limits: NETX_LIMITS }).graph;
  const rows = grid(5);

  test('the model of the branches, and of the merged integer chain, equals the simulator', () => {
    expect(float.nodes.some((n) => n.kind === 'ann.product')).toBe(true);
    expect(merged.nodes.some((n) => n.kind === 'ann.slice')).toBe(true);
    for (const g of [float, merged]) {
      const settled = Array.from(model(g, g === merged ? NETX_LIMITS : {}).forward(rows).out);
      const sim = simulate(g, rows).outputs.flat();
      settled.forEach((v, k) => expect(Math.abs(v - sim[k])).toBeLessThan(1e-9));
    }
  });

  test('gradients through the product and the slices equal central differences (float)', () => {
    const m = model(float);
    const targets = Float64Array.from(evalAnn(spinn, rows).flat());
    const loss = (): number => m.forward(rows).out.reduce((s, v, k) => s + (v - targets[k]) ** 2, 0);
    const grads = m.gradient(rows, targets);
    let checked = 0;
    m.parameters.forEach((p, pi) =>
      p.values.forEach((v, k) => {
        if (!m.isTrained(p, k) || checked >= 200) return;
        p.values[k] = v + 1e-6;
        const up = loss();
        p.values[k] = v - 1e-6;
        const down = loss();
        p.values[k] = v;
        // away from kinks the model is smooth: every trained parameter's gradient matches
        if (Math.abs(up + down - 2 * loss()) < 1e-9) {
          expect(grads[pi][k]).toBeCloseTo((up - down) / 2e-6, 4);
          checked++;
        }
      }),
    );
    expect(checked).toBeGreaterThan(50);
  });
});

test('fixed point: a row given back is adopted and left as it is from then on', () => {
  const g = quantized();
  const m = model(g);
  const syn = g.nodes.find((n): n is NodeOf<'snn.synapse'> => n.kind === 'snn.synapse' && n.id.endsWith('.z.syn'))!;
  if (syn.weight.kind !== 'int') throw new Error('not integer');
  const k = syn.weight.mantissa.shape[1];
  const changed = syn.weight.mantissa.data.map((v, i) => (i < k && v !== 0 ? v - 1 : v));
  const next = { ...syn, weight: { ...syn.weight, mantissa: { ...syn.weight.mantissa, data: changed } } };
  expect(m.adoptRows({ ...g, nodes: g.nodes.map((n) => (n.id === syn.id ? next : n)) })).toBe(1);
  expect(m.adoptRows(g)).toBe(1);
  const p = m.parameters.find((q) => q.node === syn.id)!;
  expect(Array.from(p.values.subarray(0, k))).toEqual(Array.from(syn.weight.mantissa.data.slice(0, k)));
  const rows = grid(4);
  const grads = m.gradient(rows, Float64Array.from(evalAnn(ann, rows).flat()));
  expect(grads[m.parameters.indexOf(p)].subarray(0, k).every((v) => v === 0)).toBe(true);
});

describe('finetune on sigma-delta networks', () => {
  const steps = { ...ctx, finetuneSteps: 300 };

  test('float: fits two ramps per channel to the ANN (its error on held-out queries down by a third)', () => {
    const { graph, records } = runPipeline(ann, [...LOWER, 'finetune-sigma-delta'], { ...steps, K: 2 });
    const stats = records.at(-1)!.stats;
    expect(stats.kept).toBe('yes');
    expect(Number(stats['held-out error after'])).toBeLessThan(0.7 * Number(stats['held-out error before']));
    const nonzero = (g: Graph): number =>
      g.nodes.reduce(
        (s, n) =>
          s +
          (n.kind === 'snn.synapse' && n.weight.kind === 'float'
            ? n.weight.values.data.filter((w) => w !== 0).length
            : 0),
        0,
      );
    expect(nonzero(graph)).toBe(nonzero(runPipeline(ann, LOWER, { ...ctx, K: 2 }).graph));
  });

  for (const [name, limits] of [
    ['Loihi 2', {}],
    ['within netx', NETX_LIMITS],
  ] as const) {
    test(`${name}: quantization-aware on the mantissas; no state can pass its width anywhere in the domain`, () => {
      const q = quantized(limits);
      const { graph, records } = runPipeline(q, ['finetune-sigma-delta'], { ...steps, limits, reference: ann });
      const stats = records.at(-1)!.stats;
      expect(stats.kept).toBe('yes');
      expect(Number(stats['held-out error after'])).toBeLessThan(0.8 * Number(stats['held-out error before']));
      const syn = (g: Graph) => g.nodes.filter((n): n is NodeOf<'snn.synapse'> => n.kind === 'snn.synapse');
      // the same synapses, integer, within the synapse's mantissa range and the format's weight range
      syn(graph).forEach((s, i) => {
        const [now, was] = [s.weight, syn(q)[i].weight];
        if (now.kind !== 'int' || was.kind !== 'int') throw new Error('not integer');
        expect(now.exponent).toBe(was.exponent);
        const top = 2 ** (now.bits - 1);
        now.mantissa.data.forEach((m, k) => {
          expect(Number.isInteger(m)).toBe(true);
          // no synapse is added (a stored one may train to 0)
          if (was.mantissa.data[k] === 0) expect(m).toBe(0);
          expect(m).toBeGreaterThanOrEqual(-top);
          expect(m).toBeLessThan(top);
          if (limits.weightRange) {
            expect(m * 2 ** now.exponent).toBeGreaterThanOrEqual(limits.weightRange[0]);
            expect(m * 2 ** now.exponent).toBeLessThanOrEqual(limits.weightRange[1]);
          }
        });
      });
      const box: [number, number][] = [
        [0, 1],
        [0, 1],
      ];
      for (const w of worstStates(graph, box).values())
        expect(Math.max(...w)).toBeLessThanOrEqual(sigmaDeltaStateMax(limits));
      fc.assert(
        fc.property(point, (x) => {
          expect(() => simulate(graph, [[...x]])).not.toThrow();
        }),
        { numRuns: 100 },
      );
    });
  }
});
