import { type Graph, type Node, type NodeOf, Node as NodeSchema, f32, tensor, width } from '../ir/index.js';
import { simulateRows } from '../sim/parallel.js';
import { consumers, matmul, matvec, reindexPopulation, rewrite } from '../fit/graph-edit.js';
import type { Pass, PassContext, PassStats } from './pass.js';

type Dense = NodeOf<'ann.dense'>;

/** A folded dense layer, in float64 so that folding changes the function by rounding only. */
const dense = (
  d: Dense,
  weight: number[],
  bias: number[],
  inWidth: number,
  inputs: readonly string[] = d.inputs,
): Dense =>
  NodeSchema.parse({
    ...d,
    inputs,
    weight: tensor('f64', [d.weight.shape[0], inWidth], weight),
    bias: tensor('f64', [d.weight.shape[0]], bias),
  }) as Dense;

/**
 * One rewrite: returns the rewritten graph and the counter it advanced, or undefined when the rule
 * does not apply anywhere. Rules are tried in order until none applies (tinygrad-style).
 */
type Rule = (g: Graph, byId: Map<string, Node>, users: Map<string, Node[]>) => [Graph, string] | undefined;

/** dense(input with normalization): W' = W diag(scale), b' = b + W offset. */
const foldNormalization: Rule = (g, _byId, users) => {
  for (const n of g.nodes) {
    if (n.kind !== 'ann.input' || !n.normalization) continue;
    const readers = users.get(n.id)!;
    if (!readers.every((r) => r.kind === 'ann.dense')) continue;
    const { scale, offset } = n.normalization;
    const replace = new Map<string, Node>();
    for (const r of readers as Dense[]) {
      const k = r.weight.shape[1];
      const W = r.weight.data.map((w, idx) => w * scale[idx % k]);
      const b = r.bias.data.map((v, o) => v + matvec(r.weight.data.slice(o * k, (o + 1) * k), offset, 1, k)[0]);
      replace.set(r.id, dense(r, W, b, k));
    }
    const { normalization: _, ...plain } = n;
    replace.set(n.id, NodeSchema.parse(plain));
    return [rewrite(g, replace), 'normalizations'];
  }
  return undefined;
};

/** dense(slice(x)): a dense reading x directly, with zero columns outside the slice. */
const foldSlice: Rule = (g, byId, users) => {
  for (const n of g.nodes) {
    if (n.kind !== 'ann.slice') continue;
    const readers = users.get(n.id)!;
    if (readers.length === 0 || !readers.every((r) => r.kind === 'ann.dense')) continue;
    const inW = width(byId.get(n.inputs[0])!.type);
    const replace = new Map<string, Node>();
    for (const r of readers as Dense[]) {
      const [out, k] = r.weight.shape;
      const W = new Array<number>(out * inW).fill(0);
      for (let o = 0; o < out; o++) for (let i = 0; i < k; i++) W[o * inW + n.start + i] = r.weight.data[o * k + i];
      replace.set(r.id, dense(r, W, [...r.bias.data], inW, [n.inputs[0]]));
    }
    return [rewrite(g, replace, new Set([n.id])), 'slices'];
  }
  return undefined;
};

/** dense(scale(x)) -> dense with scaled columns; scale(dense(x)) with one reader -> dense with scaled rows. */
const foldScale: Rule = (g, byId, users) => {
  for (const n of g.nodes) {
    if (n.kind !== 'ann.scale') continue;
    const s = n.scale.data;
    const t = n.shift.data;
    const src = byId.get(n.inputs[0])!;
    if (src.kind === 'ann.dense' && users.get(src.id)!.length === 1) {
      const [, k] = src.weight.shape;
      const W = src.weight.data.map((w, idx) => w * s[Math.floor(idx / k)]);
      const b = src.bias.data.map((v, o) => v * s[o] + t[o]);
      return [
        rewrite(g, new Map([[src.id, dense(src, W, b, k)]]), new Set([n.id]), new Map([[n.id, src.id]])),
        'scales',
      ];
    }
    const readers = users.get(n.id)!;
    if (readers.length > 0 && readers.every((r) => r.kind === 'ann.dense')) {
      const replace = new Map<string, Node>();
      for (const r of readers as Dense[]) {
        const [, k] = r.weight.shape;
        const W = r.weight.data.map((w, idx) => w * s[idx % k]);
        const b = r.bias.data.map((v, o) => v + matvec(r.weight.data.slice(o * k, (o + 1) * k), t, 1, k)[0]);
        replace.set(r.id, dense(r, W, b, k, [n.inputs[0]]));
      }
      return [rewrite(g, replace, new Set([n.id])), 'scales'];
    }
  }
  return undefined;
};

/** dense2(dense1(x)) with dense1 read only there: one dense, W2 W1 and W2 b1 + b2. */
const mergeDense: Rule = (g, byId, users) => {
  for (const n of g.nodes) {
    if (n.kind !== 'ann.dense') continue;
    const src = byId.get(n.inputs[0])!;
    if (src.kind !== 'ann.dense' || users.get(src.id)!.length !== 1) continue;
    const [out, mid] = n.weight.shape;
    const [, k] = src.weight.shape;
    const W = matmul(n.weight.data, src.weight.data, out, mid, k);
    const b = matvec(n.weight.data, src.bias.data, out, mid).map((v, o) => v + n.bias.data[o]);
    return [rewrite(g, new Map([[n.id, dense(n, W, b, k, src.inputs)]]), new Set([src.id])), 'merged dense'];
  }
  return undefined;
};

/** act(identity) is its input. */
const dropIdentity: Rule = (g) => {
  const n = g.nodes.find((x) => x.kind === 'ann.act' && x.fn === 'identity');
  return n ? [rewrite(g, new Map(), new Set([n.id]), new Map([[n.id, n.inputs[0]]])), 'identities'] : undefined;
};

/** readout scale moved into its synapses' weights (each synapse read by that readout alone). */
const foldReadoutScale: Rule = (g, byId, users) => {
  for (const n of g.nodes) {
    if (n.kind !== 'snn.readout' || n.scale.data.every((s) => s === 1)) continue;
    const syn = n.inputs.map((i) => byId.get(i) as NodeOf<'snn.synapse'>);
    if (syn.some((s) => s.weight.kind !== 'float' || users.get(s.id)!.length !== 1)) continue;
    const replace = new Map<string, Node>();
    for (const s of syn) {
      if (s.weight.kind !== 'float') continue;
      const [out, k] = s.weight.values.shape;
      const v = s.weight.values.data.map((w, idx) => w * n.scale.data[Math.floor(idx / k)]);
      replace.set(s.id, NodeSchema.parse({ ...s, weight: { kind: 'float', values: f32([out, k], v) } }));
    }
    replace.set(n.id, NodeSchema.parse({ ...n, scale: f32([width(n.type)], Array(width(n.type)).fill(1)) }));
    return [rewrite(g, replace), 'readout scales'];
  }
  return undefined;
};

const ANN_RULES: readonly Rule[] = [foldNormalization, foldSlice, foldScale, mergeDense, dropIdentity];

/** Removes neurons that never spike on the calibration data, with their synapse rows and columns. */
function removeDeadNeurons(g: Graph, ctx: PassContext, stats: PassStats): Graph {
  if (!ctx.calibration?.length || !g.nodes.some((n) => n.kind === 'snn.neurons')) return g;
  const sim = simulateRows(g, ctx.calibration);
  const users = consumers(g);
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const replace = new Map<string, Node>();
  let removed = 0;
  for (const n of g.nodes) {
    if (n.kind !== 'snn.neurons' || n.arith !== 'float') continue;
    const w = width(n.type);
    const rate = sim.rate.get(n.id)!;
    const alive = Array.from({ length: w }, (_, i) => {
      for (let b = 0; b < sim.batch; b++) if (rate[b * w + i] !== 0) return true;
      return false;
    });
    const keep = alive.flatMap((a, i) => (a ? [i] : []));
    if (keep.length === w || keep.length === 0) continue;
    removed += w - keep.length;
    reindexPopulation(n, keep, null, byId, users, replace);
  }
  stats['dead neurons'] = removed;
  if (!removed) return g;
  // a removed neuron may have spiked in its prologue: the pass manager keeps every window opening (openingV)
  return rewrite(g, replace);
}

/**
 * fold-weights: fold input normalization, slices and constant scalings into the adjacent dense
 * layers, merge consecutive dense layers, drop identity activations (ann dialect); move readout
 * decoding scales into their synapses and remove neurons that never spike on the calibration data
 * (snn dialect). Activation offsets and PWL slopes are folded into the next layer by lower-to-snn.
 */
export const foldWeights: Pass = {
  name: 'fold-weights',
  description: 'fold normalization, scalings, slices and consecutive linear layers; remove dead neurons',
  run(g, ctx) {
    const stats: PassStats = {};
    let cur = g;
    for (let guard = 0; guard < 10_000; guard++) {
      const byId = new Map(cur.nodes.map((n) => [n.id, n]));
      const users = consumers(cur);
      let hit: [Graph, string] | undefined;
      for (const rule of [...ANN_RULES, foldReadoutScale]) {
        hit = rule(cur, byId, users);
        if (hit) break;
      }
      if (!hit) break;
      cur = hit[0];
      stats[hit[1]] = ((stats[hit[1]] as number) ?? 0) + 1;
    }
    cur = removeDeadNeurons(cur, ctx, stats);
    return { graph: cur, stats };
  },
};
