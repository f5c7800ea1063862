/** Frontends: trained models (TensorFlow.js, ONNX, spikec IR) into the ann dialect. */
export * from './errors.js';
export * from './load.js';
export { SUPPORTED_ONNX_OPS } from './onnx/lower.js';
export { importOnnx } from './onnx/import.js';
export { importTfjs } from './tfjs/import.js';
export { SUPPORTED_TFJS_LAYERS } from './tfjs/lower.js';
export { fileLoader, fileSaver } from './tfjs/io.js';
export { loadTf, useFastBackend, type Tf } from './tfjs/runtime.js';
export { importNir } from './nir/import.js';
