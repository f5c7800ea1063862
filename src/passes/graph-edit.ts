import { type Graph, type Node, Node as NodeSchema } from '../ir/index.js';

/** The nodes that read each node. */
export function consumers(g: Graph): Map<string, Node[]> {
  const out = new Map<string, Node[]>(g.nodes.map((n) => [n.id, []]));
  for (const n of g.nodes) for (const i of n.inputs) out.get(i)!.push(n);
  return out;
}

/** Replaces nodes by id, drops the ids in `remove`, and renames inputs that read a removed node to `alias[id]`. */
export function rewrite(g: Graph, replace: ReadonlyMap<string, Node>, remove: ReadonlySet<string> = new Set(), alias: ReadonlyMap<string, string> = new Map()): Graph {
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
