/**
 * diffmix for Node (package.json's "node" condition): threads are worker_threads, as many as
 * the machine's cores by default.
 */
import { Runtime } from "./runtime.ts";
import { library } from "./api.ts";
import { cores, spawnThread } from "./threads/node.ts";

const runtime = new Runtime({ spawn: spawnThread, defaultThreads: cores() });

export const { fit, sample, plan, accumulate, merge, solve, sampleChunks, close } = library(runtime);
export * from "./exports.ts";
