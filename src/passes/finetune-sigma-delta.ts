import { FINETUNE_STEPS_OPTION } from './options.js';
import type { NodeOf } from '../ir/index.js';
import { AnnTarget, domainOf, fitRng, fitToAnn, rms, writeBack } from '../fit/fit-to-ann.js';
import { SettledModel } from '../fit/sigma-delta-settled-model.js';
import { inputBox } from '../fit/sigma-delta-bounds.js';
import { keepWithinStates } from '../fit/sigma-delta-headroom.js';
import { type Pass, type PassResult, needCalibration, needReference } from './pass.js';

/** A fixed-point fit whose rows had to be given back is fitted again around them for 1/REFIT of its steps. */
const REFIT = 4;
/**
 * The fraction of a fit's steps its step size climbs over. A lowered network starts close to the ANN,
 * and full steps at once threw it away: heat1d's float fit ended where it began (its best snapshot the
 * first), 2.4e-3 from the ANN on calibration; with the climb 1.9e-3.
 */
const WARMUP = 0.05;

/**
 * finetune-sigma-delta: finetune for sigma-delta networks, fitted through their settled model
 * (src/fit/sigma-delta-settled-model.ts: what a held query settles on, exactly). In float, every nonzero weight of
 * the ramps and sums and the ramps' knots, which repairs what K ramps approximate; after
 * quantize-sigma-delta, the integer mantissas themselves (quantization-aware, straight through the
 * rounding, within each synapse's mantissa and the format's weight range), each row kept within its
 * 24-bit state over the whole input domain (src/fit/sigma-delta-headroom.ts; rows given back otherwise,
 * and the others fitted again around them). As the model is exact, the parameters it scores best on
 * held-out queries are kept; the network is kept only if its simulated outputs there get closer to the
 * ANN's. Held out, because the lowering fitted ranges, knots and ramp shares to the calibration inputs,
 * on which the network it made looks better than on any other query.
 */
export const finetuneSigmaDelta: Pass = {
  name: 'finetune-sigma-delta',
  options: [FINETUNE_STEPS_OPTION],
  role: 'finetune',
  coding: 'sigma-delta',
  needs: ['calibration'],
  correctsTowardsAnn: true,
  description:
    'fit a sigma-delta network end to end to the ANN outputs through its settled model, in float or on ' +
    "quantize-sigma-delta's mantissas (gradients straight through the rounding)",
  run(g, ctx): PassResult {
    if (ctx.finetuneSteps === 0) return { graph: g, stats: { steps: 0 } };
    const calibration = needCalibration('finetune-sigma-delta', ctx);
    // fitted over the domain the queries come from, its edges included, which calibration draws seldom
    // reach and where a sigma-delta network's ramps, covering the whole domain, are then as good as inside
    const reference = needReference('finetune-sigma-delta', ctx);
    const target = new AnnTarget(reference, calibration, domainOf(reference), true);
    const model = SettledModel.of(g, ctx.limits);
    // a network the model cannot describe (anything but chains of populations and host ops after them) is left as it is
    if (typeof model === 'string') return { graph: g, stats: { skipped: model } };
    const stats: Record<string, number | string> = {
      steps: ctx.finetuneSteps,
      parameters: model.parameters.reduce((s, p) => s + p.values.length, 0),
    };
    stats['settled-model error before'] = Number(target.errorOf(model).toPrecision(3));
    const rng = fitRng();
    const fit = (steps: number): void =>
      fitToAnn(model, target, rng, {
        steps,
        rate: ctx.finetuneRate,
        // of the sparse synapses, the trained weights only (their zeros are structural, most of the tensor)
        scaleOf: (p) => rms(p.values.filter((v, k) => v !== 0 && model.isTrained(p, k))),
        // the settled model is exactly what a held query computes (fixed point: the rounding makes the
        // loss jump as mantissas cross it)
        keepBest: true,
        warmup: WARMUP,
        progress: ctx.progress,
      });
    fit(ctx.finetuneSteps);
    model.snap();
    stats['settled-model error after'] = Number(target.errorOf(model).toPrecision(3));

    let candidate = writeBack(g, model);
    if (model.fixed) {
      // rows whose states could pass their width are given back; the others are fitted again around them
      // (a quarter of the steps) and checked again
      const enc = g.nodes.find((n): n is NodeOf<'snn.encoder'> => n.kind === 'snn.encoder')!;
      const domain = inputBox(enc, target.calibration)!;
      const within = (trained: typeof g): typeof g => {
        const { graph, reverted } = keepWithinStates(g, trained, domain, ctx.limits);
        stats['rows reverted'] = [stats['rows reverted'], Number.isFinite(reverted) ? reverted : 'all']
          .filter((v) => v !== undefined)
          .join(', then ');
        return graph;
      };
      candidate = within(candidate);
      if (candidate !== g && model.adoptRows(candidate) > 0) {
        fit(Math.ceil(ctx.finetuneSteps / REFIT));
        model.snap();
        stats['settled-model error refitted'] = Number(target.errorOf(model).toPrecision(3));
        candidate = within(writeBack(g, model));
      }
    }
    return target.keepIfCloser(g, candidate, stats);
  },
};
