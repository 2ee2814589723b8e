/**
 * The Node pool: persistent worker_threads (starting one costs ~0.3 s, so they are kept and
 * reused; the pool itself is workers.ts). Workers are unref'd while idle so they never keep
 * the process alive.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { poolsOf, type Port } from "./workers.ts";

export function cores(): number {
  return availableParallelism();
}

function spawn(): Port {
  const worker = new Worker(new URL("./boot.js", import.meta.url));
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

export const nodePool = poolsOf(spawn);
