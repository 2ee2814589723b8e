/**
 * The work items a pool runs, by job kind: each sets up a context from the job's spec once
 * (its own kernel instance) and computes one item. Inline and in worker threads alike.
 */
import { chunkContext, chunkStats } from "../normal-stats.ts";
import { responsibilityContext, responsibilitySums } from "../regions.ts";
import { batchContext, sampleBatch } from "../sample.ts";
import { remember, type Job } from "./pool.ts";

type Task = { setup(spec: any): any; run(ctx: any, params: any, item: number): unknown };

const TASKS: Record<Job["task"], Task> = {
  "fit-level": { setup: chunkContext, run: chunkStats },
  responsibilities: { setup: responsibilityContext, run: responsibilitySums },
  sample: { setup: batchContext, run: sampleBatch },
};

/** Contexts of the most recent jobs (KEEP_JOBS of them), least recent first: older ones are dropped. */
const contexts = new Map<number, unknown>();
const order: number[] = [];

export function runTask(job: Job, params: unknown, item: number): unknown {
  const task = TASKS[job.task];
  remember(order, job.id);
  for (const id of contexts.keys()) if (!order.includes(id)) contexts.delete(id);
  if (!contexts.has(job.id)) contexts.set(job.id, task.setup(job.spec));
  return task.run(contexts.get(job.id), params, item);
}
