import { type Graph, type Node, type NodeOf, Node as NodeSchema, normalize, tensor, width } from '../ir/index.js';
import { evalAnn } from '../sim/ann-eval.js';
import { relativeL2 } from '../sim/metrics.js';
import { boxOf } from '../fit/linalg.js';
import type { Pass, PassResult } from './pass.js';

/**
 * Knots of the folded function, evenly spaced over the input's interval. Measured on poisson1d and
 * poisson1d-sin (1 -> 20 -> 20 -> 20 -> 1, tanh and sin; 2026-12-07, Loihi 2's integers, 1,001 test
 * points): 64 knots 3.8e-4 and 2.6e-4 from the ANN, 128 knots 1.4e-4 and 1.5e-4, 256 knots 3.4e-3 (each
 * sum weight then so small that 8-bit mantissas lose it). 128 ramps cost about 2 x 128 operations a
 * query, a quarter of those ANNs' 840 multiply-accumulates.
 */
export const UNIVARIATE_KNOTS = 128;

/** Points per knot interval at which the fold's error against the ANN is measured. */
const CHECK_POINTS = 16;

/**
 * The interval the network answers for on its one input: the domain the input records, else the box of
 * the calibration inputs; undefined with neither.
 */
function inputInterval(
  input: NodeOf<'ann.input'>,
  calibration: readonly (readonly number[])[] | undefined,
): [number, number] | undefined {
  const interval = input.domain?.[0] ?? (calibration?.length ? boxOf(calibration)[0] : undefined);
  return interval && [interval[0], interval[1]];
}

/** Why the graph is not one function of one input fold-univariate folds, or undefined when it is. */
function notUnivariate(g: Graph): string | undefined {
  const inputs = g.nodes.filter((n) => n.kind === 'ann.input');
  const outputs = g.nodes.filter((n) => n.kind === 'ann.output');
  if (g.nodes.some((n) => !n.kind.startsWith('ann.'))) return 'not an ann graph';
  if (inputs.length !== 1 || inputs[0].kind !== 'ann.input' || inputs[0].dims !== 1)
    return 'not one input of one value';
  if (outputs.length !== 1 || width(outputs[0].type) !== 1) return 'not one output of one value';
  if (!g.nodes.some((n) => n.kind === 'ann.act')) return 'no activation';
  return undefined;
}

/**
 * fold-univariate: a network of one scalar input and one output is one function of that input, u(x),
 * whatever its layers. It becomes
 *   x -> ann.dense (y = x) -> ann.act pwl (the table of u at UNIVARIATE_KNOTS + 1 evenly spaced x) ->
 *   ann.dense (y = x) -> output
 * which a sigma-delta lowering runs as one ramp per knot reading the input exactly and one unit summing
 * them: two messages' worth of synapses per knot, where each layer of the original costs K ramps per
 * channel and a dense layer's weights, and the output's precision no longer passes through every
 * layer's 8-bit weights. The ANN it received stays the reference later passes fit and measure against
 * (`approximatesAnn`). Any other graph is left as it is.
 */
export const foldUnivariate: Pass = {
  name: 'fold-univariate',
  approximatesAnn: true,
  description: 'a network of one input and one output becomes one pwl activation of that input (its table of knots)',
  run(g, ctx): PassResult {
    const why = notUnivariate(g);
    if (why) return { graph: g, stats: { skipped: why } };
    const input = g.nodes.find((n): n is NodeOf<'ann.input'> => n.kind === 'ann.input')!;
    const output = g.nodes.find((n): n is NodeOf<'ann.output'> => n.kind === 'ann.output')!;
    const interval = inputInterval(input, ctx.calibration);
    if (!interval || !(interval[1] > interval[0]))
      return { graph: g, stats: { skipped: 'no interval of the input (no domain, no calibration inputs)' } };
    const [lo, hi] = interval;
    const N = UNIVARIATE_KNOTS;
    const xs = Array.from({ length: N + 1 }, (_, k) => lo + ((hi - lo) * k) / N);
    const ys = evalAnn(
      g,
      xs.map((x) => [x]),
    ).map((r) => r[0]);
    // the table in the values the dense layer reads (the input as the graph sees it), increasing
    const table = xs.map((x, k) => [normalize(input.normalization, 0, x), ys[k]] as const).sort((a, b) => a[0] - b[0]);
    const taken = new Set([input.id, output.id]);
    const fresh = (name: string): string => {
      while (taken.has(name)) name += '_';
      taken.add(name);
      return name;
    };
    const [inner, actId] = [fresh('univariate'), fresh('univariate_act')];
    const type = output.type;
    const loc = { source: output.loc?.source ?? output.id };
    const identity = (id: string, from: string): Node =>
      NodeSchema.parse({
        kind: 'ann.dense',
        id,
        inputs: [from],
        type,
        loc,
        weight: tensor('f32', [1, 1], [1]),
        bias: tensor('f32', [1], [0]),
      });
    const act = NodeSchema.parse({
      kind: 'ann.act',
      id: actId,
      inputs: [inner],
      type,
      loc,
      fn: 'pwl',
      table: { x: table.map(([x]) => x), y: table.map(([, y]) => y) },
    });
    const outDense = fresh(output.inputs[0]);
    const nodes = [
      input,
      identity(inner, input.id),
      act,
      identity(outDense, act.id),
      { ...output, inputs: [outDense] },
    ];
    const folded: Graph = { ...g, nodes };
    // the fold against the ANN between the knots, as relative L2
    const check = Array.from({ length: N * CHECK_POINTS + 1 }, (_, i) => [lo + ((hi - lo) * i) / (N * CHECK_POINTS)]);
    const error = relativeL2(evalAnn(folded, check), evalAnn(g, check));
    return { graph: folded, stats: { knots: N, 'fold error': Number(error.toPrecision(3)) } };
  },
};
