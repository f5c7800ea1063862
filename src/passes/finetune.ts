import { FINETUNE_STEPS_OPTION } from './options.js';
import { CountModel } from '../fit/count-model.js';
import { AnnTarget, fitRng, fitToAnn, rms, writeBack } from '../fit/fit-to-ann.js';
import { SimulatedCounts } from '../fit/simulated-counts.js';
import { type Pass, PassError, type PassResult, needCalibration, needReference } from './pass.js';

/**
 * A fit through the simulated network (neurons that reset to zero, fit/simulated-counts.ts): each step
 * simulates the batch, so it runs this share of --finetune-steps, at this multiple of the step size
 * (poisson2d within NIR: 0.245 -> 0.127 from the ANN in 300 steps at 5e-3; 0.131 in 1000), on batches of
 * this many inputs: half the fit's usual, for 30% less compile time (both families within 2.5 times the
 * baseline's compile, issue 30) at a small and mixed cost in accuracy (within NIR, from the ANN on 1,024
 * validation inputs, 128 -> 64: poisson2d 1.34e-1 -> 1.34e-1, heat1d 5.27e-2 -> 5.99e-2, poisson1d
 * 4.37e-2 -> 3.90e-2, poisson1d-sin 7.35e-2 -> 9.10e-2, burgers1d 1.40e-1 -> 1.19e-1, navier-stokes2d
 * 2.99e-1 -> 3.10e-1; on the test grids five of seven models a little further, bench/results/README.md;
 * 2026-12-07).
 */
const SIMULATED = { stepShare: 0.3, rateFactor: 10 / 3, batch: 64 } as const;

/**
 * finetune: the network-wide form of weight calibration, for rate-coded networks. Every float synapse
 * weight, neuron bias and readout offset is fitted to the ANN's outputs by Adam on the spike-count model
 * of the network (src/fit/count-model.ts: exact counts for integrate-and-fire with subtract reset,
 * gradients straight through the rounding, as Li et al. 2021 calibrate one layer). Layer-wise
 * calibration cannot repair what the conversion itself approximates (the K ramps of pwl, the clipping of
 * clip); fitting the spiking network's own function to the ANN's does. Each step draws fresh inputs from
 * the box the calibration inputs span (src/fit/fit-to-ann.ts). Thresholds and window openings stay where
 * they are. The result is kept only if the simulated outputs on the calibration inputs get closer to
 * the ANN's. Neurons that reset to zero (within NIR and netx) are counted by the simulator instead of the
 * model, which gives only the gradients (SIMULATED). Sigma-delta networks have their own pass,
 * finetune-sigma-delta.
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
    // a network the model cannot describe (ternary spikes with reset to zero, an op it cannot differentiate) stays
    if (typeof model === 'string') return { graph: g, stats: { skipped: model } };
    const stats: Record<string, number | string> = {
      steps: ctx.finetuneSteps,
      parameters: model.parameters.reduce((s, p) => s + p.values.length, 0),
    };
    stats['count-model error before'] = Number(target.errorOf(model).toPrecision(3));
    // neurons that reset to zero: the simulator gives the counts (a step costs a simulation, so fewer steps)
    const simulated = g.nodes.some((n) => n.kind === 'snn.neurons' && n.reset === 'zero');
    const steps = simulated ? Math.ceil(ctx.finetuneSteps * SIMULATED.stepShare) : ctx.finetuneSteps;
    const surrogate = simulated ? new SimulatedCounts(g, model) : model;
    if (simulated) stats['simulated steps'] = steps;
    fitToAnn(surrogate, target, fitRng(), {
      steps,
      rate: simulated ? ctx.finetuneRate * SIMULATED.rateFactor : ctx.finetuneRate,
      scaleOf: (p) => rms(p.values),
      keepBest: false,
      batch: simulated ? SIMULATED.batch : undefined,
      progress: ctx.progress,
    });
    stats['count-model error after'] = Number(target.errorOf(model).toPrecision(3));
    stats['count-model error unrounded'] = Number(
      target.errorOfOutputs(model.forward(target.scoring, false).out).toPrecision(3),
    );
    return target.keepIfCloser(g, writeBack(g, model), stats);
  },
};
