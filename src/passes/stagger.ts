import { STAGGER_OPTION } from './options.js';
import { type Node, Node as NodeSchema, type NodeOf } from '../ir/index.js';
import { consumers, reindexPopulation, rewrite } from '../fit/graph-edit.js';
import { type Pass, PassError } from './pass.js';
import { potentialTensor, windowOpenings } from '../fit/start-potential.js';

type Neurons = NodeOf<'snn.neurons'>;

/**
 * stagger: each neuron that feeds only readouts becomes M copies whose windows open θ/M apart, each
 * copy's outgoing weights divided by M. A neuron that opens at v and receives S spikes
 * floor((v + S) / θ) times; by Hermite's identity, sum_{j<M} floor(x + j/M) = floor(M x), so the
 * copies together count at resolution θ/M: the readout sees the last layer's input rounded M times
 * more finely, as if that layer ran M T steps. The last layer's rounding is the one nothing
 * downstream averages out (on poisson2d it is nearly all of the rate-coding error), so only it is
 * staggered. Copies open at v - θ/2 + θ(j + 1/2)/M, keeping the population's mean count.
 * Unsigned float integrate-and-fire neurons only; run it after calibrate, whose potential step would
 * undo the stagger.
 */
export const stagger: Pass = {
  name: 'stagger',
  options: [STAGGER_OPTION],
  description:
    'copy the neurons that feed readouts M times with window openings θ/M apart (finer counts at the readout)',
  run(g, ctx) {
    const M = ctx.stagger;
    if (!Number.isInteger(M) || M < 1)
      throw new PassError('stagger', `the number of copies must be a positive integer (got ${M})`);
    if (M === 1) return { graph: g, stats: { copies: 1 } };
    const users = consumers(g);
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    const feedsOnlyReadouts = (n: Neurons): boolean => {
      const out = users.get(n.id)!;
      return (
        out.length > 0 &&
        out.every((s) => s.kind === 'snn.synapse' && users.get(s.id)!.every((r) => r.kind === 'snn.readout'))
      );
    };
    const targets = g.nodes.filter((n): n is Neurons => n.kind === 'snn.neurons' && feedsOnlyReadouts(n));
    if (targets.some((n) => n.arith !== 'float'))
      throw new PassError('stagger', 'runs on float networks: stagger before quantize');
    const eligible = targets.filter((n) => n.spikeSign === 'unsigned' && n.reset === 'subtract');
    const openings = windowOpenings(g);
    const replace = new Map<string, Node>();
    for (const n of eligible) {
      const w = openings.get(n.id)!.length;
      const pick = Array.from({ length: w * M }, (_, k) => Math.floor(k / M));
      reindexPopulation(
        n,
        pick,
        pick.map(() => 1 / M),
        byId,
        users,
        replace,
      );
      const v = openings.get(n.id)!;
      const opening = pick.map((i, k) => v[i] - n.threshold / 2 + (n.threshold * ((k % M) + 0.5)) / M);
      replace.set(n.id, NodeSchema.parse({ ...replace.get(n.id)!, openingV: potentialTensor(n, opening) }));
    }
    const graph = eligible.length ? rewrite(g, replace) : g;
    return {
      graph,
      stats: {
        copies: M,
        populations: eligible.length,
        ...(targets.length > eligible.length
          ? { 'skipped (signed or reset to zero)': targets.length - eligible.length }
          : {}),
      },
    };
  },
};
