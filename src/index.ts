/**
 * diffmix for browsers and bundlers (package.json's default condition): nothing on this
 * import graph uses Node. Threads are module Web Workers, 1 by default.
 */
import { Runtime } from "./runtime.ts";
import { library } from "./api.ts";
import { spawnWebWorker } from "./threads/web.ts";

/** A page cannot ask how much memory the machine has: a fit may use 1 GiB unless told otherwise (fit's `memory`). */
const BROWSER_MEMORY = 2 ** 30;

const runtime = new Runtime({ spawn: typeof Worker === "function" ? spawnWebWorker : undefined, defaultThreads: 1, missing: "Web Workers", defaultMemory: BROWSER_MEMORY });

export const { fit, sample, logpdf, plan, accumulate, merge, solve, sampleChunks, close } = library(runtime);
export * from "./exports.ts";
