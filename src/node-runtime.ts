/**
 * The one Node runtime (worker_threads, as many as the machine's cores by default), shared by
 * the entry files that run under Node: src/node.ts (the package's "node" condition) and
 * src/files.ts (diffmix/files), so that both use the same workers.
 */
import { totalmem } from "node:os";
import { Runtime } from "./runtime.ts";
import { cores, spawnThread } from "./threads/node.ts";

/** A fit may use half the machine's memory unless told otherwise (fit's `memory`). */
export const nodeRuntime = new Runtime({ spawn: spawnThread, defaultThreads: cores(), defaultMemory: totalmem() / 2 });
