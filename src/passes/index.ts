/** Conversion and rewriting passes over the IR, and the pipeline that runs them. */
export * from './pass.js';
export * from './options.js';
export * from './pipeline.js';
export { calibrate } from './calibrate.js';
export { finetune } from './finetune.js';
export { foldUnivariate, UNIVARIATE_KNOTS } from './fold-univariate.js';
export { foldWeights } from './fold-weights.js';
export { SD_OPS_BUDGET, lowerToSigmaDelta, reluRamps } from './lower-to-sigma-delta.js';
export { lowerToSnn } from './lower-to-snn.js';
export { mergeBranches } from './merge-branches.js';
export * from './map-cores.js';
export { quantize } from './quantize.js';
export { stagger } from './stagger.js';
export { thresholdBalance } from './threshold-balance.js';
export * from '../fit/stats.js';
export { boxOf } from '../fit/linalg.js';
