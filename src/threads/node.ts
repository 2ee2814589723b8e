/**
 * worker_threads for the Node pools (starting one costs ~0.3 s through tsx, so the runtime
 * keeps them). Workers are unref'd while idle so they never keep the process alive.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Port } from "./workers.ts";

export function cores(): number {
  return availableParallelism();
}

/**
 * The worker's entry: the compiled node-entry.js beside this file in the package (dist/), or,
 * when this file runs as TypeScript (vitest, tsx: the sources), boot.js, which registers tsx first.
 */
function workerEntry(): URL {
  return new URL(import.meta.url.endsWith(".ts") ? "./boot.js" : "./node-entry.js", import.meta.url);
}

export function spawnThread(): Port {
  const worker = new Worker(workerEntry());
  return {
    post: (m) => worker.postMessage(m),
    listen(on) {
      worker.removeAllListeners("message").removeAllListeners("error");
      if (!on) return;
      worker.on("message", on.reply);
      worker.on("error", (e: Error) => on.error(e.message));
    },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    terminate: () => void worker.terminate(),
  };
}
