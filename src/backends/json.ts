import {
  type CoreUsage,
  type Graph,
  SD_FIXED_PROCESS_MODEL,
  SD_SPIKE_EXP,
  SD_STATE_EXP,
  isTensor,
  tensorStats,
  width,
} from '../ir/index.js';

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
  // what Lava's SigmaDelta and netx's loader must be given (netx: Network(..., spike_exp=...)), and the process
  // model a fixed-point network runs in (Loihi2SimCfg(exception_proc_model_map=...)); not in the layers
  const sd = g.nodes.filter((n) => n.kind === 'snn.sigma-delta');
  const model = sd.some((n) => n.arith === 'fixed') ? { process_model: SD_FIXED_PROCESS_MODEL } : {};
  const sigmaDelta = sd.length ? { sigma_delta: { spike_exp: SD_SPIKE_EXP, state_exp: SD_STATE_EXP, ...model } } : {};
  const description = {
    generator: 'spikec',
    graph: g.name,
    profile,
    ...sigmaDelta,
    layers,
    resources: resources ?? null,
  };
  return `${JSON.stringify(description, null, 2)}\n`;
}
