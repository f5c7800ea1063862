import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  type Graph,
  type Node,
  type NodeOf,
  decodeGraph,
  encodeGraph,
  exampleMlp,
  parseGraph,
  printGraph,
  tanhMlp,
  verify,
} from '../../src/ir/index.js';
import {
  DEFAULT_CONTEXT,
  DEFAULT_K,
  SD_OPS_BUDGET,
  SIGMA_DELTA_PIPELINE,
  reluRamps,
  relativeL2,
  runPipeline,
} from '../../src/passes/index.js';
import { reachOf, reachRanges } from '../../src/passes/lower-to-sigma-delta.js';
import { Rng } from '../../src/sim/rng.js';
import { annMacs } from '../../src/sim/energy.js';
import { evalApprox } from '../../src/fit/approx.js';
import { evalAnn, evalAnnAll } from '../../src/sim/ann-eval.js';
import { simulate } from '../../src/sim/simulate.js';
import { mlp } from '../support/small-nets.js';

const grid = (n: number): number[][] =>
  Array.from({ length: n * n }, (_, k) => [(k % n) / (n - 1), Math.floor(k / n) / (n - 1)]);
// the lowering alone: finetune, the pipeline's last pass, is tested in test/fit/sigma-delta-settled-model.test.ts
const ctx = { ...DEFAULT_CONTEXT, calibration: grid(10), K: 6, finetuneSteps: 0 };
const lower = (g: Graph, sdThreshold = ctx.sdThreshold): Graph =>
  runPipeline(g, SIGMA_DELTA_PIPELINE, { ...ctx, sdThreshold }, { verifyEach: true }).graph;
const withActivation = (g: Graph, fn: 'relu'): Graph => ({
  ...g,
  nodes: g.nodes.map((n): Node => (n.kind === 'ann.act' ? { ...n, fn } : n)),
});
const ofKind = <K extends Node['kind']>(g: Graph, kind: K): NodeOf<K>[] =>
  g.nodes.filter((n): n is NodeOf<K> => n.kind === kind);

describe('lower-to-sigma-delta', () => {
  test('a pwl fit as ReLU units equals the clipped ramps it came from, anywhere (property)', () => {
    const unit = fc.record({
      width: fc.double({ min: 0.01, max: 2, noNaN: true }),
      slope: fc.double({ min: -3, max: 3, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.array(unit, { minLength: 1, maxLength: 8 }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (start, widths, constant, zs) => {
          let at = start;
          const units = widths.map(({ width, slope }) => {
            const u = { offset: at, theta: width, slope, signed: false };
            at += width;
            return u;
          });
          const approx = { constant, units };
          const relu = reluRamps(approx);
          for (const z of zs) {
            const y = relu.knots.reduce((s, k, i) => s + relu.coefs[i] * Math.max(0, z - k), relu.constant);
            expect(y).toBeCloseTo(evalApprox(approx, z), 9);
          }
        },
      ),
    );
  });

  test('structure: delta encoder with a bias channel, z / ramp / shifted-sum ReLU populations with relays', () => {
    const g = lower(mlp());
    const enc = ofKind(g, 'snn.encoder')[0];
    expect(enc).toMatchObject({ mode: 'delta', biasChannel: 1, dims: 2 });
    expect(ofKind(g, 'snn.neurons')).toHaveLength(0);
    const pops = ofKind(g, 'snn.sigma-delta');
    expect(pops.map((p) => [p.id, p.activation])).toEqual([
      ['a0.z', 'relu'],
      ['a0.ramp', 'relu'],
      ['a0', 'relu'],
      ['a1.z', 'relu'],
      ['a1.ramp', 'relu'],
      ['a1', 'relu'],
    ]);
    // every population ends with its bias relay: weight 1 from the source's relay, nothing else
    for (const p of pops) {
      const syn = g.nodes.find((n) => n.id === p.inputs[0]) as NodeOf<'snn.synapse'>;
      const [out, inW] = syn.weight.kind === 'float' ? syn.weight.values.shape : [0, 0];
      const relayRow = syn.weight.kind === 'float' ? syn.weight.values.data.slice((out - 1) * inW) : [];
      expect(relayRow).toEqual([...Array(inW - 1).fill(0), 1]);
      // a ramp's knot is its own bias (at most 0, so nothing is sent before the query), and it reads its
      // channel's z unit alone, not the relay; every other bias travels on the relay
      const W = syn.weight.kind === 'float' ? syn.weight.values.data : [];
      if (p.id.endsWith('.ramp')) {
        expect(p.bias.data.every((b) => b <= 0)).toBe(true);
        expect(p.bias.data.some((b) => b < 0)).toBe(true);
        for (let o = 0; o < out - 1; o++) expect(W.slice(o * inW, (o + 1) * inW).filter((w) => w !== 0)).toEqual([1]);
      } else expect(p.bias.data.every((b) => b === 0)).toBe(true);
    }
    // the sum is one unit per channel, relu(f - min f), and its relay
    expect(pops.find((p) => p.id === 'a0')!.type.shape).toEqual([8 + 1]);
    const [readout] = ofKind(g, 'snn.readout');
    expect(readout).toMatchObject({ decode: 'sigma', window: [0, 8] });
  });

  test('a ReLU MLP converts exactly: at a tiny threshold the network settles on the ANN (property)', () => {
    const ann = withActivation(mlp({ hidden: 3, seed: 5 }), 'relu');
    const g = lower(ann, 1e-12);
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 2 }), (x) => {
        const sim = simulate(g, [x]);
        expect(sim.outputs[0][0]).toBeCloseTo(evalAnn(ann, [x])[0][0], 9);
        // one wave: every neuron sends at most once, and the query settles when the readout has it all
        expect(sim.layers.every((l) => l.spikes <= l.neurons)).toBe(true);
        expect(sim.settle!.max).toBeLessThanOrEqual(sim.steps);
      }),
      { numRuns: 50 },
    );
  });

  test('a stream is a pipeline: each query equal to it held alone; a slow stream costs less', () => {
    const ann = withActivation(mlp({ hidden: 3, seed: 5 }), 'relu');
    const g = lower(ann, 1e-12);
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 2 }), {
          minLength: 1,
          maxLength: 12,
        }),
        (queries) => {
          const stream = simulate(g, queries, { stream: true });
          const alone = simulate(g, queries);
          stream.outputs.forEach((y, k) => expect(y[0]).toBeCloseTo(alone.outputs[k][0], 9));
        },
      ),
      { numRuns: 40 },
    );
    // a trajectory of close queries sends only what changed: fewer operations per query than each alone
    const path = Array.from({ length: 50 }, (_, k) => [0.3 + 0.002 * k, 0.6]);
    const tanh = lower(mlp(), 2 ** -8);
    expect(simulate(tanh, path, { stream: true }).synops).toBeLessThan(0.5 * simulate(tanh, path).synops);
  });

  test('tanh: error within the pwl fit; a larger threshold sends fewer messages at a larger error', () => {
    const ann = mlp();
    const points = grid(15);
    const ref = evalAnn(ann, points);
    const [fine, coarse] = [2 ** -12, 2 ** -4].map((th) => simulate(lower(ann, th), points));
    expect(relativeL2(fine.outputs, ref)).toBeLessThan(2e-2);
    expect(relativeL2(coarse.outputs, ref)).toBeGreaterThan(relativeL2(fine.outputs, ref));
    expect(coarse.synops).toBeLessThan(fine.synops);
    // each neuron sends about once per query: synaptic operations stay near the ANN's MACs (8*2 + 8*8 + 8)
    expect(fine.synops / points.length).toBeLessThan(6 * 88);
    expect(fine.gradedSynops).toBe(fine.synops);
  });

  test('the IR it writes verifies and round-trips through text and binary, bit for bit', () => {
    const g = lower(mlp());
    expect(() => verify(g)).not.toThrow();
    expect(parseGraph(printGraph(g, { weights: true }))).toEqual(g);
    expect(decodeGraph(encodeGraph(g))).toEqual(g);
  });

  test('without --K, as many ramps as spend the operations budget; with it, what it says', () => {
    // 2 -> 24 -> 24 -> 1 tanh: wide enough that the sums' fan-out, not the ramps, is most of a query
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const g = tanhMlp({
      name: 'w24',
      domain: [
        [0, 1],
        [0, 1],
      ],
      widths: [24, 24, 1],
      weight: (l) => (l < 2 ? 2 * rnd() : rnd()),
      bias: () => rnd(),
    });
    const passes = ['fold-weights', 'threshold-balance', 'lower-to-sigma-delta'];
    const run = (K?: number) => runPipeline(g, passes, { ...ctx, K }).records[2].stats;
    const opsPerMac = (K: number): number => {
      const lowered = runPipeline(g, passes, { ...ctx, K }).graph;
      return simulate(lowered, ctx.calibration).synops / ctx.calibration.length / annMacs(g);
    };
    const stats = run();
    const K = Number(stats['K for the budget']);
    expect(stats[`operations per ANN MAC at K ${DEFAULT_K['sigma-delta']}`]).toBeCloseTo(
      opsPerMac(DEFAULT_K['sigma-delta']),
      2,
    );
    // the chosen K spends the budget: within it, and one more ramp per activation would not be
    expect(opsPerMac(K)).toBeLessThanOrEqual(SD_OPS_BUDGET + 0.05);
    if (K < 2 * DEFAULT_K['sigma-delta']) expect(opsPerMac(K + 2)).toBeGreaterThan(SD_OPS_BUDGET - 0.1);
    expect(run(5)['K for the budget']).toBeUndefined();
  });

  test("the input's layer covers its exact interval over the recorded domain; deeper ones threshold-balance's", () => {
    // calibration inside [0.2, 0.8]^2 only; h0 = [0.5x - y + 0.1, 1.25x + 0.75y, -0.5x + 2y - 0.2]
    const calibration = grid(10).map((r) => r.map((v) => 0.2 + 0.6 * v));
    const zBiases = (g: Graph): number[] => {
      const lowered = runPipeline(g, ['fold-weights', 'threshold-balance', 'lower-to-sigma-delta'], {
        ...ctx,
        calibration,
      }).graph;
      const syn = lowered.nodes.find((n) => n.id === 'a0.z.syn');
      if (syn?.kind !== 'snn.synapse' || syn.weight.kind !== 'float') throw new Error('no a0.z.syn');
      // z' = relu(z - lo): each row's weight from the bias relay (the last column) is b - lo
      const weights = syn.weight.values.data;
      return [0, 1, 2].map((o) => weights[o * 3 + 2]);
    };
    // over [0, 1]^2 the channels reach down to -0.9, 0 and -0.7
    zBiases(exampleMlp()).forEach((v, o) => expect(v).toBeCloseTo([1, 0, 0.5][o], 6));
    // without a domain, from the data: channel 1 is at least 0.4 there
    const g = exampleMlp();
    const noDomain = { ...g, nodes: g.nodes.map((n) => (n.kind === 'ann.input' ? { ...n, domain: undefined } : n)) };
    expect(zBiases(noDomain)[1]).toBeLessThan(-0.35);
  });
});

describe('lower-to-sigma-delta: deeper ranges', () => {
  test("cover what queries from the domain reach, where threshold-balance's percentile stops short", () => {
    const g = mlp({ hidden: 2, seed: 5, weightScale: 3 });
    const fresh = evalAnnAll(g, new Rng(99).box(g.nodes[0].kind === 'ann.input' ? g.nodes[0].domain! : [], 2000));
    const outside = (id: string, ranges: readonly (readonly [number, number])[]): number =>
      Array.from(fresh.get(id)!).filter((v, k) => v < ranges[k % 8][0] || v > ranges[k % 8][1]).length;
    const none = Array.from({ length: 8 }, () => [Infinity, -Infinity] as const);
    const reach = reachOf(g)!;
    expect(outside('d1', reachRanges(reach.get('d1')!, ...unzip(none)))).toBe(0);
    const balanced = runPipeline(g, ['threshold-balance'], {
      ...ctx,
      calibration: new Rng(3).box(
        [
          [0, 1],
          [0, 1],
        ],
        64,
      ),
    });
    const a1 = balanced.graph.nodes.find((n) => n.id === 'a1');
    if (a1?.kind !== 'ann.act' || !a1.range) throw new Error('no range on a1');
    const percentile = Array.from(a1.range.lo.data, (lo, c) => [lo, a1.range!.hi.data[c]] as const);
    expect(outside('d1', percentile)).toBeGreaterThan(0);
    // without a recorded domain there is nothing to draw from
    expect(
      reachOf({ ...g, nodes: g.nodes.map((n) => (n.kind === 'ann.input' ? { ...n, domain: undefined } : n)) }),
    ).toBeUndefined();
  });
});

const unzip = (pairs: readonly (readonly [number, number])[]): [number[], number[]] => [
  pairs.map((p) => p[0]),
  pairs.map((p) => p[1]),
];
