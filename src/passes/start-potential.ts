import { type Graph, type Node, Node as NodeSchema, type NodeOf, f32, i32 } from '../ir/index.js';
import { simulate } from '../sim/simulate.js';
import { rewrite } from './graph-edit.js';

type Neurons = NodeOf<'snn.neurons'>;

/**
 * The membrane potential of every population when its window opens (step = its depth). Spikes take
 * one step per layer, so a population at depth d integrates its bias alone (and whatever its
 * upstream layers emit before their own windows) for d steps first; that prologue is the same for
 * every input, so one simulated row of zeros measures it.
 */
export function startPotentials(g: Graph): Map<string, Float64Array> {
  const enc = g.nodes.find((n) => n.kind === 'snn.encoder');
  if (!enc || !g.nodes.some((n) => n.kind === 'snn.neurons')) return new Map();
  return simulate(g, [Array(enc.dims).fill(0)], { T: 1, startPotentials: true }).startV!;
}

/**
 * Sets each population's initial potential so that its window opens at the wanted potential, as if
 * the population had been held at rest until its input arrived. Without this, a layer at depth d
 * starts its window d * bias away from where conversion put it: for narrow pwl ramps (large
 * bias / threshold) that is many thresholds, the largest error of an uncompensated network.
 * Populations are aligned in order (the prologue of one shapes the next); a neuron that spikes in its
 * prologue moves by whole thresholds, so each is iterated until its potential stops changing.
 * Float potentials are matched exactly, fixed ones to the nearest integer.
 */
export function alignStartPotentials(g: Graph, wanted: ReadonlyMap<string, ArrayLike<number>>): Graph {
  let cur = g;
  for (const n of g.nodes) {
    if (n.kind !== 'snn.neurons' || !wanted.has(n.id)) continue;
    const target = wanted.get(n.id)!;
    for (let iter = 0; iter < 8; iter++) {
      const node = cur.nodes.find((m) => m.id === n.id) as Neurons;
      const start = startPotentials(cur).get(n.id)!;
      const fixed = node.arith === 'fixed';
      const delta = Array.from(start, (v, i) => (fixed ? Math.round(target[i] - v) : target[i] - v));
      if (delta.every((d) => Math.abs(d) <= 1e-6 * Math.max(1, node.threshold))) break;
      const v0 = node.initialV.data.map((v, i) => v + delta[i]);
      const initialV = fixed ? i32([v0.length], v0) : f32([v0.length], v0);
      cur = rewrite(cur, new Map<string, Node>([[n.id, NodeSchema.parse({ ...node, initialV })]]));
    }
  }
  return cur;
}
