import { type Graph, type Node, Node as NodeSchema, type NodeOf, f32 } from '../ir/index.js';

/** An ann.act's range from its per-channel intervals [lo, hi]. */
export function actRange(ranges: readonly (readonly [number, number])[]): NonNullable<NodeOf<'ann.act'>['range']> {
  const w = ranges.length;
  return {
    lo: f32(
      [w],
      ranges.map((r) => r[0]),
    ),
    hi: f32(
      [w],
      ranges.map((r) => r[1]),
    ),
  };
}

/** The nodes that read each node. */
export function consumers(g: Graph): Map<string, Node[]> {
  const out = new Map<string, Node[]>(g.nodes.map((n) => [n.id, []]));
  for (const n of g.nodes) for (const i of n.inputs) out.get(i)!.push(n);
  return out;
}

/** Replaces nodes by id, drops the ids in `remove`, and renames inputs that read a removed node to `alias[id]`. */
export function rewrite(
  g: Graph,
  replace: ReadonlyMap<string, Node>,
  remove: ReadonlySet<string> = new Set(),
  alias: ReadonlyMap<string, string> = new Map(),
): Graph {
  const resolve = (id: string): string => {
    let cur = id;
    while (alias.has(cur)) cur = alias.get(cur)!;
    return cur;
  };
  const nodes = g.nodes
    .filter((n) => !remove.has(n.id))
    .map((n) => {
      const r = replace.get(n.id) ?? n;
      return r.inputs.some((i) => alias.has(i)) ? NodeSchema.parse({ ...r, inputs: r.inputs.map(resolve) }) : r;
    });
  return { ...g, nodes };
}

/** Row-major matrix product of [m, k] and [k, n]. */
export function matmul(a: readonly number[], b: readonly number[], m: number, k: number, n: number): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const x = a[i * k + p];
      if (x === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += x * b[p * n + j];
    }
  }
  return out;
}

/** y = A x for A of shape [m, k]. */
export function matvec(a: readonly number[], x: readonly number[], m: number, k: number): number[] {
  return Array.from({ length: m }, (_, i) => {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i * k + p] * x[p];
    return s;
  });
}

/**
 * Puts into `replace` a population whose neuron k is old neuron pick[k] (a subset, or copies), with
 * the rows of its input synapses picked alike and the columns of the synapses it feeds picked and
 * multiplied by outScale[k] (1 when null). Initial and opening potentials are picked alike (the pass
 * manager settles initialV).
 */
export function reindexPopulation(
  n: NodeOf<'snn.neurons'>,
  pick: readonly number[],
  outScale: readonly number[] | null,
  byId: ReadonlyMap<string, Node>,
  users: ReadonlyMap<string, Node[]>,
  replace: Map<string, Node>,
): void {
  const m = pick.length;
  const tensorOf = (t: { dtype: 'f32' | 'f64' | 'i32'; data: readonly number[] }) => ({
    dtype: t.dtype,
    shape: [m],
    data: pick.map((i) => t.data[i]),
  });
  replace.set(
    n.id,
    NodeSchema.parse({
      ...n,
      type: { ...n.type, shape: [m] },
      bias: tensorOf(n.bias),
      initialV: tensorOf(n.initialV),
      ...(n.openingV ? { openingV: tensorOf(n.openingV) } : {}),
      ...(n.origin
        ? {
            origin: {
              node: n.origin.node,
              channel: tensorOf(n.origin.channel),
              offset: tensorOf(n.origin.offset),
              scale: tensorOf(n.origin.scale),
            },
          }
        : {}),
    }),
  );
  for (const i of n.inputs) {
    const s = (replace.get(i) ?? byId.get(i)) as NodeOf<'snn.synapse'>;
    const wv = s.weight;
    if (wv.kind !== 'float') continue;
    const k = wv.values.shape[1];
    const v = pick.flatMap((o) => wv.values.data.slice(o * k, (o + 1) * k));
    replace.set(
      i,
      NodeSchema.parse({ ...s, type: { ...s.type, shape: [m] }, weight: { kind: 'float', values: f32([m, k], v) } }),
    );
  }
  for (const r of users.get(n.id)!) {
    const s = (replace.get(r.id) ?? r) as NodeOf<'snn.synapse'>;
    const wv = s.weight;
    if (wv.kind !== 'float') continue;
    const [out, k] = wv.values.shape;
    const v: number[] = [];
    for (let o = 0; o < out; o++)
      pick.forEach((j, c) => v.push(wv.values.data[o * k + j] * (outScale ? outScale[c] : 1)));
    replace.set(r.id, NodeSchema.parse({ ...s, weight: { kind: 'float', values: f32([out, m], v) } }));
  }
}
