/**
 * The Node pool: persistent worker_threads (starting one costs ~0.3 s, so they are kept and
 * reused), each with its own WASM instance. Items go to whichever worker is free; the
 * results come back in item order. Workers are unref'd while idle so they never keep the
 * process alive.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Job, Pool } from "./pool.ts";
import { remember } from "./tasks.ts";

export function cores(): number {
  return availableParallelism();
}

interface Slot {
  worker: Worker;
  jobs: number[]; // the jobs whose context this worker holds, least recent first (see worker.ts)
}

type Reply = { item: number; result?: unknown; error?: string };

class NodePool implements Pool {
  private readonly slots: Slot[];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly threads: number) {
    const boot = new URL("./boot.js", import.meta.url);
    this.slots = Array.from({ length: threads }, () => {
      const worker = new Worker(boot);
      worker.unref();
      return { worker, jobs: [] as number[] };
    });
  }

  /** One map at a time: a pool's workers are shared by every caller in the process. */
  map<R>(job: Job, items: number, params: unknown, onItem?: (done: number) => void): Promise<R[]> {
    const run = this.queue.then(() => this.run<R>(job, items, params, onItem));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private run<R>(job: Job, items: number, params: unknown, onItem?: (done: number) => void): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      const out = new Array<R>(items);
      let next = 0, done = 0, failed = false;
      const finish = (error?: Error) => {
        for (const s of this.slots) {
          s.worker.removeAllListeners("message").removeAllListeners("error");
          s.worker.unref();
        }
        if (error) reject(error);
        else resolve(out);
      };
      const feed = (s: Slot) => {
        if (next >= items) return;
        const item = next++;
        const known = remember(s.jobs, job.id);
        s.worker.postMessage({ job: known ? { id: job.id } : job, params, item });
      };
      for (const s of this.slots) {
        s.worker.ref(); // a pending item must keep the process alive
        s.worker.on("message", (m: Reply) => {
          if (failed) return;
          if (m.error !== undefined) {
            failed = true;
            return finish(new Error(m.error));
          }
          out[m.item] = m.result as R;
          done++; // not inside onItem?.(…): an absent callback would skip the increment
          onItem?.(done);
          if (done === items) finish();
          else feed(s);
        });
        s.worker.on("error", (e: Error) => {
          if (failed) return;
          failed = true;
          pools.delete(this.threads); // a dead worker: the next call starts a fresh pool
          for (const t of this.slots) void t.worker.terminate();
          finish(new Error(`worker thread failed: ${e.message}`));
        });
        feed(s);
      }
    });
  }
}

const pools = new Map<number, NodePool>();


export function nodePool(threads: number): Pool {
  let p = pools.get(threads);
  if (!p) pools.set(threads, (p = new NodePool(threads)));
  return p;
}
