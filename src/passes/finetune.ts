import { FINETUNE_STEPS_OPTION } from './options.js';
import { CountModel } from '../fit/count-model.js';
import { AnnTarget, fitRng, fitToAnn, rms, writeBack } from '../fit/fit-to-ann.js';
import { type Pass, PassError, type PassResult, needCalibration, needReference } from './pass.js';

/**
 * finetune: the network-wide form of weight calibration, for rate-coded networks. Every float synapse
 * weight, neuron bias and readout offset is fitted to the ANN's outputs by Adam on the spike-count model
 * of the network (src/fit/count-model.ts: exact counts for integrate-and-fire with subtract reset,
 * gradients straight through the rounding, as Li et al. 2021 calibrate one layer). Layer-wise
 * calibration cannot repair what the conversion itself approximates (the K ramps of pwl, the clipping of
 * clip); fitting the spiking network's own function to the ANN's does. Each step draws fresh inputs from
 * the box the calibration inputs span (src/fit/fit-to-ann.ts). Thresholds and window openings stay where
 * they are. The result is kept only if the simulated outputs on the calibration inputs get closer to
 * the ANN's. Sigma-delta networks have their own pass, finetune-sigma-delta.
 */
export const finetune: Pass = {
  name: 'finetune',
  options: [FINETUNE_STEPS_OPTION],
  role: 'finetune',
  coding: 'rate',
  needs: ['calibration'],
  correctsTowardsAnn: true,
  description:
    'fit a float rate-coded network end to end to the ANN outputs through its spike-count model, gradients ' +
    'straight through the rounding',
  run(g, ctx): PassResult {
    if (ctx.finetuneSteps === 0) return { graph: g, stats: { steps: 0 } };
    const calibration = needCalibration('finetune', ctx);
    const target = new AnnTarget(needReference('finetune', ctx), calibration);
    if (
      g.nodes.some(
        (n) => ('arith' in n && n.arith === 'fixed') || (n.kind === 'snn.synapse' && n.weight.kind === 'int'),
      )
    )
      throw new PassError('finetune', 'runs on float rate-coded networks: finetune before quantize');
    const model = CountModel.of(g);
    // a network the model cannot describe (reset to zero, a host op it cannot differentiate) is left as it is
    if (typeof model === 'string') return { graph: g, stats: { skipped: model } };
    const stats: Record<string, number | string> = {
      steps: ctx.finetuneSteps,
      parameters: model.parameters.reduce((s, p) => s + p.values.length, 0),
    };
    stats['count-model error before'] = Number(target.errorOf(model).toPrecision(3));
    fitToAnn(model, target, fitRng(), {
      steps: ctx.finetuneSteps,
      rate: ctx.finetuneRate,
      scaleOf: (p) => rms(p.values),
      keepBest: false,
      progress: ctx.progress,
    });
    stats['count-model error after'] = Number(target.errorOf(model).toPrecision(3));
    stats['count-model error unrounded'] = Number(
      target.errorOfOutputs(model.forward(target.calibration, false).out).toPrecision(3),
    );
    return target.keepIfCloser(g, writeBack(g, model), stats);
  },
};
