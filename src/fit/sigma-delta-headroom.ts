import {
  type Graph,
  type NodeOf,
  type Node,
  Node as NodeSchema,
  SD_MANTISSA_UNIT,
  SD_STATE_EXP,
  f32,
  i32,
  stepsToRead,
  width,
} from '../ir/index.js';
import type { FormatLimits } from '../ir/index.js';
import { sigmaDeltaBounds, sigmaDeltaStateMax, worstState } from './sigma-delta-bounds.js';

/**
 * A fixed-point sigma-delta network as the float network of its own states: each synapse's weights
 * m 2^e per message (a population's message is its state / 2^SD_STATE_EXP), biases in state units, the
 * encoder's values its rounded inputs. Its bounds (sigmaDeltaBounds) are bounds on the integer states.
 */
function statesNetwork(g: Graph): Graph {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const nodes = g.nodes.map((n): Node => {
    if (n.kind === 'snn.synapse' && n.weight.kind === 'int') {
      const fromPopulation = byId.get(n.inputs[0])?.kind === 'snn.sigma-delta';
      const unit = 2 ** n.weight.exponent / (fromPopulation ? 2 ** SD_STATE_EXP : 1);
      const values = Array.from(n.weight.mantissa.data, (m) => m * unit);
      return { ...n, weight: { kind: 'float', values: f32(n.weight.mantissa.shape, values) } } as Node;
    }
    if (n.kind === 'snn.sigma-delta' && n.arith === 'fixed')
      return {
        ...n,
        bias: f32(
          n.bias.shape,
          Array.from(n.bias.data, (b) => b * SD_MANTISSA_UNIT),
        ),
      };
    return n;
  });
  return { ...g, nodes };
}

/** The encoder's rounded inputs for raw inputs anywhere in `box`. */
function messageBox(enc: NodeOf<'snn.encoder'>, box: readonly (readonly [number, number])[]): [number, number][] {
  const n = enc.normalization;
  return box.map(([lo, hi], j) => {
    const [a, b] = n ? [lo * n.scale[j] + n.offset[j], hi * n.scale[j] + n.offset[j]] : [lo, hi];
    return [Math.min(a, b) - 0.5, Math.max(a, b) + 0.5];
  });
}

/**
 * Per population and readout of a fixed-point network, each row's worst |state| over `box`, plus what
 * the floor of its sources' messages can add: less than one message each, per step of a static query.
 */
export function worstStates(g: Graph, box: readonly (readonly [number, number])[]): Map<string, Float64Array> {
  const enc = g.nodes.find((n): n is NodeOf<'snn.encoder'> => n.kind === 'snn.encoder')!;
  const steps = Math.max(1, stepsToRead(g.nodes));
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const floors = (n: Node, o: number): number => {
    const syn = byId.get(n.inputs[0]);
    if (syn?.kind !== 'snn.synapse' || syn.weight.kind !== 'int' || byId.get(syn.inputs[0])?.kind === 'snn.encoder')
      return 0;
    const k = syn.weight.mantissa.shape[1];
    let s = 0;
    for (let i = 0; i < k; i++) s += Math.abs(syn.weight.mantissa.data[o * k + i]);
    return steps * s * 2 ** syn.weight.exponent;
  };
  const states = statesNetwork(g);
  const { value, preActivation } = sigmaDeltaBounds(states, messageBox(enc, box));
  const worst = new Map<string, Float64Array>();
  for (const n of states.nodes) {
    if (n.kind !== 'snn.sigma-delta' && n.kind !== 'snn.readout') continue;
    const v = value.get(n.id)!;
    const pre = preActivation.get(n.id);
    const bias = (o: number): number => (n.kind === 'snn.sigma-delta' ? n.bias.data[o] : 0);
    worst.set(
      n.id,
      v.lo.map((_, o) => worstState(v, pre, bias(o), o) + floors(n, o)),
    );
  }
  return worst;
}

/**
 * `trained`, a fixed-point network whose mantissas a finetune changed, with every row whose worst state
 * over `box` grew past the state limit (or past its worst in `original`, where that was already higher)
 * given back its mantissas (weights and own bias) of `original`, until none does. A row that is already
 * its original grew because of what it reads: the rows that feed it are given back theirs, up to the
 * encoder.
 */
export function keepWithinStates(
  original: Graph,
  trained: Graph,
  box: readonly (readonly [number, number])[],
  limits: FormatLimits,
): { graph: Graph; reverted: number } {
  const stateMax = sigmaDeltaStateMax(limits);
  const before = worstStates(original, box);
  const originals = new Map(original.nodes.map((n) => [n.id, n]));
  let graph = trained;
  let reverted = 0;
  const mantissas = (s: Node | undefined): readonly number[] | undefined =>
    s?.kind === 'snn.synapse' && s.weight.kind === 'int' ? s.weight.mantissa.data : undefined;
  const biasOf = (n: Node | undefined): readonly number[] => (n?.kind === 'snn.sigma-delta' ? n.bias.data : []);
  for (;;) {
    const after = worstStates(graph, box);
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    /** Per synapse, the rows to give back. */
    const revert = new Map<string, Set<number>>();
    const giveBack = (nodeId: string, row: number): boolean => {
      const node = byId.get(nodeId);
      if (node?.kind !== 'snn.sigma-delta' && node?.kind !== 'snn.readout') return false;
      const syn = byId.get(node.inputs[0]) as NodeOf<'snn.synapse'>;
      const [now, then] = [mantissas(syn), mantissas(originals.get(syn.id))];
      if (!now || !then) return false;
      const k = now.length / width(node.type);
      let differs = node.kind === 'snn.sigma-delta' && node.bias.data[row] !== biasOf(originals.get(node.id))[row];
      for (let i = 0; i < k; i++) differs ||= now[row * k + i] !== then[row * k + i];
      if (differs) {
        if (!revert.has(syn.id)) revert.set(syn.id, new Set());
        revert.get(syn.id)!.add(row);
        return true;
      }
      let any = false;
      for (let i = 0; i < k; i++) if (now[row * k + i] !== 0) any = giveBack(syn.inputs[0], i) || any;
      return any;
    };
    let over = 0;
    let moved = false;
    for (const n of graph.nodes) {
      const w = after.get(n.id);
      if (!w) continue;
      for (let o = 0; o < w.length; o++)
        if (w[o] > Math.max(before.get(n.id)![o], stateMax)) {
          over++;
          moved = giveBack(n.id, o) || moved;
        }
    }
    if (over === 0) return { graph, reverted };
    // (every row traced back to its original: cannot happen, the original is within its states)
    if (!moved) return { graph: original, reverted: Infinity };
    const replace = new Map<string, Node>();
    for (const [id, rows] of revert) {
      const syn = byId.get(id) as NodeOf<'snn.synapse'>;
      const [now, then] = [mantissas(syn)!, mantissas(originals.get(id))!];
      const k = now.length / width(syn.type);
      const m = Array.from(now);
      for (const o of rows) for (let i = 0; i < k; i++) m[o * k + i] = then[o * k + i];
      reverted += rows.size;
      replace.set(id, NodeSchema.parse({ ...syn, weight: { ...syn.weight, mantissa: i32([width(syn.type), k], m) } }));
      // and the population's own biases of those rows
      const pop = graph.nodes.find((n) => n.inputs[0] === id);
      if (pop?.kind === 'snn.sigma-delta' && pop.bias.data.some((b) => b !== 0)) {
        const bias = Array.from(pop.bias.data);
        for (const o of rows) bias[o] = biasOf(originals.get(pop.id))[o];
        replace.set(pop.id, NodeSchema.parse({ ...pop, bias: i32([bias.length], bias) }));
      }
    }
    graph = { ...graph, nodes: graph.nodes.map((n) => replace.get(n.id) ?? n) };
  }
}
