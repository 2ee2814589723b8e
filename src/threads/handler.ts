/**
 * A pool worker's side, for worker_threads (node-entry.ts) and Web Workers (web-entry.ts)
 * alike: a job is set up when its first item arrives (the spec comes with it) and dropped
 * when the pool closes it; each job gets a kernel instance of its own.
 */
import { kernelSource, type Backend, type KernelSource } from "../kernels/index.ts";
import { start, type Running } from "../tasks.ts";
import type { FromWorker, ToWorker } from "./workers.ts";
import { inlineSource } from "./inline.ts";

/** The handler of messages; `post` sends a reply (and moves the listed buffers). */
export function handler(post: (reply: FromWorker, transfer: ArrayBuffer[]) => void): (m: ToWorker) => Promise<void> {
  const jobs = new Map<number, Running>();
  const sources = new Map<Backend, KernelSource>();
  const source = (b: Backend) => sources.get(b) ?? sources.set(b, kernelSource(b)).get(b)!;
  // The worker's own one thread, for tasks that fit inside an item (their memory budget comes with their spec).
  const local = inlineSource(0);
  return async (m) => {
    if (m.type === "close") return void jobs.delete(m.job);
    try {
      if (m.open) jobs.set(m.job, start(m.open.task, m.open.spec, source(m.open.backend).create(), local));
      const job = jobs.get(m.job);
      if (!job) throw new Error(`internal: worker has no job ${m.job}`);
      const result = await job.run(m.params, m.item);
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
