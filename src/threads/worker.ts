/** A pool worker: sets up each job's context once, then runs the items it is sent. */
import { parentPort } from "node:worker_threads";
import { remember, runTask } from "./tasks.ts";
import type { Job } from "./pool.ts";

const jobs: number[] = [];
const specs = new Map<number, Job>();

parentPort!.on("message", (m: { job: Job | { id: number }; params: unknown; item: number }) => {
  try {
    if ("task" in m.job) specs.set(m.job.id, m.job);
    const before = jobs.slice();
    remember(jobs, m.job.id);
    for (const id of before) if (!jobs.includes(id)) specs.delete(id);
    const job = specs.get(m.job.id);
    if (!job) throw new Error(`internal: worker has no job ${m.job.id}`);
    const result = runTask(job, m.params, m.item);
    parentPort!.postMessage({ item: m.item, result }, transferables(result));
  } catch (e) {
    parentPort!.postMessage({ item: m.item, error: (e as Error).message });
  }
});

/** The buffers of typed arrays in a result move instead of being copied. */
function transferables(v: unknown, out: ArrayBuffer[] = []): ArrayBuffer[] {
  if (ArrayBuffer.isView(v)) {
    if (v.buffer instanceof ArrayBuffer && !out.includes(v.buffer)) out.push(v.buffer);
  } else if (Array.isArray(v)) for (const x of v) transferables(x, out);
  else if (v && typeof v === "object") for (const x of Object.values(v)) transferables(x, out);
  return out;
}
