/**
 * The pool over persistent workers, shared by Node (worker_threads, node.ts) and browsers
 * (Web Workers, web.ts): each worker has its own WASM instance and keeps job contexts (the
 * same LRU rule as handler.ts, so a job's spec is sent to a worker once). Items go to
 * whichever worker is free; the results come back in item order.
 */
import { remember, type Job, type Pool } from "./pool.ts";

export type Reply = { item: number; result?: unknown; error?: string };

/** What the pool needs of a worker; ref/unref matter only under Node (no-ops in browsers). */
export interface Port {
  post(message: unknown): void;
  /** Replace the reply and failure handlers (none: stop listening). */
  listen(on?: { reply(m: Reply): void; error(message: string): void }): void;
  /** Keep the process alive while an item is pending (Node). */
  ref(): void;
  /** Let an idle worker not hold the process (Node). */
  unref(): void;
  terminate(): void;
}

interface Slot {
  port: Port;
  jobs: number[]; // the jobs whose context this worker holds, least recent first (see handler.ts)
}

class WorkerPool implements Pool {
  private readonly slots: Slot[];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly threads: number, spawn: () => Port, private readonly dead: () => void) {
    this.slots = Array.from({ length: threads }, () => {
      const port = spawn();
      port.unref();
      return { port, jobs: [] as number[] };
    });
  }

  /** One map at a time: a pool's workers are shared by every caller. */
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
          s.port.listen();
          s.port.unref();
        }
        if (error) reject(error);
        else resolve(out);
      };
      const feed = (s: Slot) => {
        if (next >= items) return;
        const item = next++;
        const known = remember(s.jobs, job.id);
        s.port.post({ job: known ? { id: job.id } : job, params, item });
      };
      for (const s of this.slots) {
        s.port.ref(); // a pending item must keep the process alive
        s.port.listen({
          reply: (m) => {
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
          },
          error: (message) => {
            if (failed) return;
            failed = true;
            this.dead(); // a dead worker: the next call starts a fresh pool
            for (const t of this.slots) t.port.terminate();
            finish(new Error(`worker thread failed: ${message}`));
          },
        });
        feed(s);
      }
    });
  }
}

/** A pool per thread count, each started on first use and kept; `spawn` starts one worker. */
export function poolsOf(spawn: () => Port): (threads: number) => Pool {
  const pools = new Map<number, WorkerPool>();
  return (threads) => {
    let p = pools.get(threads);
    if (!p) pools.set(threads, (p = new WorkerPool(threads, spawn, () => pools.delete(threads))));
    return p;
  };
}
