import { BALANCE_OPTION, PERCENTILE_OPTION } from './options.js';
import { type Node, Node as NodeSchema, width } from '../ir/index.js';
import { evalAnnAll } from '../sim/ann-eval.js';
import { actRange, rewrite } from '../fit/graph-edit.js';
import { type Pass, type PassResult, needCalibration } from './pass.js';
import { columnOf, quantile, sorted } from '../fit/stats.js';

/**
 * threshold-balance: data-based normalization. For each activation, the interval of its input that
 * the spiking layer will represent is taken from the calibration data: per channel or per layer, the
 * extremes or a percentile (default 99.9th; the lower end mirrors it). The interval is recorded as
 * the act's `range`; lower-to-snn turns it into thresholds and moves every threshold into the
 * weights and biases, so that all neurons fire at threshold 1.
 */
export const thresholdBalance: Pass = {
  name: 'threshold-balance',
  options: [PERCENTILE_OPTION, BALANCE_OPTION],
  needs: ['calibration'],
  description: 'choose each activation input range (max or percentile, per channel or layer) from calibration data',
  run(g, ctx): PassResult {
    const calib = needCalibration('threshold-balance', ctx);
    const acts = g.nodes.filter((n) => n.kind === 'ann.act');
    if (acts.length === 0) return { graph: g, stats: { activations: 0 } };
    const vals = evalAnnAll(g, calib);
    const replace = new Map<string, Node>();
    let clipped = 0;
    let total = 0;
    for (const a of acts) {
      const w = width(a.type);
      const z = vals.get(a.inputs[0])!;
      const bound = (s: Float64Array): [number, number] => {
        const p = ctx.percentile === 'max' ? 1 : ctx.percentile / 100;
        let [lo, hi] = [quantile(s, 1 - p), quantile(s, p)];
        if (!(hi - lo > 1e-6))
          [lo, hi] = [lo - 1e-3 * Math.max(1, Math.abs(lo)), hi + 1e-3 * Math.max(1, Math.abs(hi))];
        return [lo, hi];
      };
      const ranges =
        ctx.balance === 'layer'
          ? Array(w).fill(bound(sorted(z)))
          : Array.from({ length: w }, (_, c) => bound(sorted(columnOf(z, w, c))));
      for (let k = 0; k < z.length; k++) {
        const [lo, hi] = ranges[k % w];
        if (z[k] < lo || z[k] > hi) clipped++;
      }
      total += z.length;
      replace.set(a.id, NodeSchema.parse({ ...a, range: actRange(ranges) }));
    }
    return {
      graph: rewrite(g, replace),
      stats: { activations: acts.length, 'clipped fraction': Number((clipped / Math.max(total, 1)).toPrecision(3)) },
    };
  },
};
