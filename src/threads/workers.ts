/**
 * Persistent workers for the pools of src/runtime.ts, shared by Node (worker_threads,
 * node.ts) and browsers (Web Workers, web.ts). Each worker has its own WASM instances; a
 * job's spec goes to a worker with its first item there, and close() tells every worker that
 * has it to drop it (handler.ts is the other side). Items go to whichever worker is free;
 * results come back in item order.
 */
import type { Backend } from "../kernels/index.ts";
import type { TaskName } from "../pool.ts";

/** Messages to a worker. */
export type ToWorker =
  | { type: "item"; job: number; open?: { task: TaskName; backend: Backend; spec: unknown }; params: unknown; item: number }
  | { type: "close"; job: number };

/** A worker's answer to one item. */
export type FromWorker = { item: number; result?: unknown; error?: string };

/** What the pool needs of a worker; ref/unref matter only under Node (no-ops in browsers). */
export interface Port {
  post(message: ToWorker): void;
  /** Replace the reply and failure handlers (none: stop listening). */
  listen(on?: { reply(m: FromWorker): void; error(message: string): void }): void;
  /** Keep the process alive while an item is pending (Node). */
  ref(): void;
  /** Let an idle worker not hold the process (Node). */
  unref(): void;
  terminate(): void;
}

interface Slot {
  port: Port;
  jobs: Set<number>; // the jobs whose context this worker holds
}

export interface RemoteJob {
  map<R>(items: number, params: unknown, onItem?: (done: number) => void): Promise<R[]>;
  close(): void;
}

export class Workers {
  private readonly slots: Slot[];
  private queue: Promise<unknown> = Promise.resolve();
  private nextJob = 1;
  private dead = false;

  constructor(readonly threads: number, spawn: () => Port, private readonly onDead: () => void) {
    this.slots = Array.from({ length: threads }, () => {
      const port = spawn();
      port.unref();
      return { port, jobs: new Set<number>() };
    });
  }

  open(task: TaskName, spec: unknown, backend: Backend): RemoteJob {
    const id = this.nextJob++;
    const open = { task, backend, spec };
    return {
      map: <R>(items: number, params: unknown, onItem?: (done: number) => void) => {
        const run = this.queue.then(() => this.run<R>(id, open, items, params, onItem));
        this.queue = run.then(() => undefined, () => undefined); // one map at a time: the workers are shared
        return run;
      },
      close: () => {
        for (const s of this.slots) if (s.jobs.delete(id) && !this.dead) s.port.post({ type: "close", job: id });
      },
    };
  }

  terminate(): void {
    this.dead = true;
    for (const s of this.slots) s.port.terminate();
  }

  private run<R>(id: number, open: { task: TaskName; backend: Backend; spec: unknown }, items: number, params: unknown,
    onItem?: (done: number) => void): Promise<R[]> {
    if (this.dead) return Promise.reject(new Error("worker thread failed earlier in this pool"));
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
        const known = s.jobs.has(id);
        s.jobs.add(id);
        s.port.post({ type: "item", job: id, ...(known ? {} : { open }), params, item });
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
            this.terminate();
            this.onDead(); // a dead worker: the next call starts a fresh pool
            finish(new Error(`worker thread failed: ${message}`));
          },
        });
        feed(s);
      }
    });
  }
}
