/**
 * diffmix for Node (package.json's "node" condition): threads are worker_threads, as many as
 * the machine's cores by default.
 */
import { library } from "./api.ts";
import { nodeRuntime } from "./node-runtime.ts";

export const { fit, sample, logpdf, plan, accumulate, merge, solve, sampleChunks, close } = library(nodeRuntime);
export * from "./exports.ts";
