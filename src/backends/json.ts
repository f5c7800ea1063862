import { type CoreUsage, type Graph, isTensor, tensorStats, width } from '../ir/index.js';

/** A readable description of the compiled network (weights summarised) with its resource report. */
export function describeJson(g: Graph, resources: readonly CoreUsage[] | undefined, profile: string): string {
  const layers = g.nodes.map((n) => {
    const { id, kind, inputs, type, ...attrs } = n;
    const summary = Object.fromEntries(
      Object.entries(attrs).map(([k, v]) => [
        k,
        JSON.parse(
          JSON.stringify(v, (_key, x: unknown) =>
            isTensor(x) ? { shape: x.shape, dtype: x.dtype, ...tensorStats(x) } : x,
          ),
        ),
      ]),
    );
    return { id, kind, inputs, width: width(type), dtype: type.dtype, ...summary };
  });
  const description = { generator: 'spikec', graph: g.name, profile, layers, resources: resources ?? null };
  return `${JSON.stringify(description, null, 2)}\n`;
}
