import { type Graph, type Node, Node as NodeSchema, type NodeOf, type Tensor, f32, i32 } from '../ir/index.js';
import { simulate } from '../sim/simulate.js';
import { rewrite } from './graph-edit.js';

type Neurons = NodeOf<'snn.neurons'>;

/**
 * The membrane potential of every population when its window opens (step = its depth), as simulated
 * from its initialV. Spikes take one step per layer, so a population at depth d integrates its bias
 * alone (and whatever its upstream layers emit before their own windows) for d steps first; that
 * prologue is the same for every input, so one simulated row of zeros measures it.
 */
export function startPotentials(g: Graph): Map<string, Float64Array> {
  const enc = g.nodes.find((n) => n.kind === 'snn.encoder');
  if (!enc || !g.nodes.some((n) => n.kind === 'snn.neurons')) return new Map();
  return simulate(g, [Array(enc.dims).fill(0)], { T: 1, startPotentials: true, perNeuron: false }).startV!;
}

/**
 * Where each population's window opens: its `openingV` attribute, or (a population that states none,
 * e.g. read from NIR) where its initialV takes it.
 */
export function windowOpenings(g: Graph): Map<string, Float64Array> {
  const stated = g.nodes.filter((n): n is Neurons => n.kind === 'snn.neurons');
  const measured = stated.some((n) => !n.openingV) ? startPotentials(g) : new Map<string, Float64Array>();
  return new Map(stated.map((n) => [n.id, n.openingV ? Float64Array.from(n.openingV.data) : measured.get(n.id)!]));
}

/** The potential tensor of a population's arithmetic: integers (rounded) in fixed point, float32 otherwise. */
export function potentialTensor(n: Neurons, values: ArrayLike<number>): Tensor {
  const v = Array.from(values);
  return n.arith === 'fixed' ? i32([v.length], v.map(Math.round)) : f32([v.length], v);
}

/**
 * How far a population's potentials at its window opening (`start`) are from its openingV: the
 * per-neuron correction (whole units in fixed point), or undefined when all lie within 1e-6 thresholds.
 */
function openingMiss(n: Neurons, start: ArrayLike<number>): number[] | undefined {
  const fixed = n.arith === 'fixed';
  const delta = Array.from(n.openingV!.data, (w, i) => (fixed ? Math.round(w - start[i]) : w - start[i]));
  const tolerance = 1e-6 * Math.max(1, n.threshold);
  return delta.every((d) => Math.abs(d) <= tolerance) ? undefined : delta;
}

/**
 * The graph with each population's initialV set so that its window opens at its `openingV`, as if
 * the population had been held at rest until its input arrived. Without this, a layer at depth d
 * starts its window d * bias away from where conversion put it: for narrow pwl ramps (large
 * bias / threshold) that is many thresholds, the largest error of an uncompensated network.
 *
 * Passes state where windows open (openingV) and never touch initialV for that purpose: the pass
 * manager settles every graph a pass returns (runPass), and a pass that simulates a candidate
 * network settles it first. A graph that already opens where it states is returned as it is (one
 * simulated row of zeros to check). Populations are settled in order (the prologue of one shapes the
 * next); a neuron that spikes in its prologue moves by whole thresholds, so each is iterated until its
 * potential stops changing. Float potentials are matched to 1e-6 thresholds, fixed ones exactly.
 */
export function settleStartPotentials(g: Graph, only?: ReadonlySet<string>): Graph {
  const targets = g.nodes.filter(
    (n): n is Neurons => n.kind === 'snn.neurons' && !!n.openingV && (!only || only.has(n.id)),
  );
  if (targets.length === 0) return g;
  const nodeOf = (cur: Graph, id: string): Neurons => cur.nodes.find((m) => m.id === id) as Neurons;
  let cur = g;
  // the potentials at every window opening of `cur`, simulated again only after cur changes
  let start = startPotentials(g);
  for (const { id } of targets) {
    // neurons whose potential at the opening does not follow their initial one: reset to zero after a
    // spike in the prologue, so no initialV reaches the opening, and moving it would only drift
    const stuck = new Set<number>();
    for (let iter = 0; iter < 8; iter++) {
      const node = nodeOf(cur, id);
      const before = start.get(id)!;
      const delta = openingMiss(node, before)?.map((d, i) => (stuck.has(i) ? 0 : d));
      if (!delta || delta.every((d) => d === 0)) break;
      const initialV = potentialTensor(
        node,
        node.initialV.data.map((v, i) => v + delta[i]),
      );
      const next = rewrite(cur, new Map<string, Node>([[id, NodeSchema.parse({ ...node, initialV })]]));
      const nextStart = startPotentials(next);
      const after = nextStart.get(id)!;
      // (subtract reset keeps what the start adds, less whole thresholds: it always moves in the end)
      const unmoved =
        node.reset === 'zero' ? delta.flatMap((d, i) => (d !== 0 && after[i] === before[i] ? [i] : [])) : [];
      if (unmoved.length === 0) {
        [cur, start] = [next, nextStart];
        continue;
      }
      // try again without them, from where they were
      for (const i of unmoved) stuck.add(i);
    }
  }
  return cur;
}

/**
 * The graph with the stated openings of these populations moved to where their initialV now takes
 * them (populations already within tolerance keep theirs).
 */
export function restateOpenings(g: Graph, ids: ReadonlySet<string>): Graph {
  const start = startPotentials(g);
  const replace = new Map<string, Node>();
  for (const n of g.nodes) {
    if (n.kind !== 'snn.neurons' || !n.openingV || !ids.has(n.id)) continue;
    const v = start.get(n.id)!;
    if (openingMiss(n, v)) replace.set(n.id, NodeSchema.parse({ ...n, openingV: potentialTensor(n, v) }));
  }
  return replace.size ? rewrite(g, replace) : g;
}
