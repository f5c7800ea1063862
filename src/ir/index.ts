/** The spikec IR: plain readonly data, two dialects (ann, snn), a verifier, text and binary forms. */
export * from './binary.js';
export * from './bits.js';
export * from './build.js';
export * from './errors.js';
export * from './graph.js';
export * from './infer.js';
export * from './io.js';
export * from './ops/ann.js';
export * from './ops/common.js';
export * from './ops/snn.js';
export * from './tensor.js';
export * from './text/parse.js';
export * from './text/print.js';
export * from './types.js';
export * from './verify.js';
export * from './examples.js';
