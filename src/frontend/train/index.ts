/** spikec's own PINN trainer and the bundled PDE problems. */
export * from './activations.js';
export * from './jet.js';
export * from './model.js';
export * from './problem-file.js';
export * from './problems/index.js';
export * from './rng.js';
export * from './save.js';
export * from './trainer.js';
