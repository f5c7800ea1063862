/** Types of tools/build-wasm.mjs, for the test that checks src/sim/kernels-wasm.ts is up to date. */
export function assembleKernels(): Promise<Buffer>;
export function kernelsModuleSource(bytes: Buffer): string;
