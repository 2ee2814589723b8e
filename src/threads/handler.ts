/**
 * A pool worker's message handling, for worker_threads (worker.ts) and Web Workers
 * (web-worker.ts) alike: sets up each job's context once, then runs the items it is sent.
 */
import { remember, type Job } from "./pool.ts";

type Request = { job: Job | { id: number }; params: unknown; item: number };

/** The handler of requests; `post` sends a reply (and moves the listed buffers). */
export function handler(post: (reply: unknown, transfer: ArrayBuffer[]) => void): (m: Request) => Promise<void> {
  // Loaded dynamically, as pool.ts does for the inline pool: a module imported both ways
  // cannot be split into its own chunk by bundlers (tasks.ts → the fit → pool.ts).
  const tasks = import("./tasks.ts");
  const jobs: number[] = [];
  const specs = new Map<number, Job>();
  return async (m) => {
    try {
      if ("task" in m.job) specs.set(m.job.id, m.job);
      const before = jobs.slice();
      remember(jobs, m.job.id); // the same rule as the pool's copy of this list (workers.ts)
      for (const id of before) if (!jobs.includes(id)) specs.delete(id);
      const job = specs.get(m.job.id);
      if (!job) throw new Error(`internal: worker has no job ${m.job.id}`);
      const result = (await tasks).runTask(job, m.params, m.item);
      post({ item: m.item, result }, transferables(result));
    } catch (e) {
      post({ item: m.item, error: (e as Error).message }, []);
    }
  };
}

/** The buffers of typed arrays in a result move instead of being copied. */
function transferables(v: unknown, out: ArrayBuffer[] = []): ArrayBuffer[] {
  if (ArrayBuffer.isView(v)) {
    if (v.buffer instanceof ArrayBuffer && !out.includes(v.buffer)) out.push(v.buffer);
  } else if (Array.isArray(v)) for (const x of v) transferables(x, out);
  else if (v && typeof v === "object") for (const x of Object.values(v)) transferables(x, out);
  return out;
}
