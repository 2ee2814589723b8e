/**
 * The browser bundle's entry (`npm run build:browser` → dist/browser/diffmix.js): the library
 * and the Web Worker client in one ES module, with the WASM kernels inlined. The same code
 * as `diffmix` and `diffmix/worker`; nothing here needs Node.
 */
export * from "./index.ts";
export { WorkerClient, WorkerError, CancelledError, type CallOptions, type SampleProgress, type WorkerFactory } from "./worker/client.ts";
export type { TraceFrame, WorkerFitOptions, WorkerSampleOptions } from "./worker/protocol.ts";
