/**
 * The work items a pool runs, by job kind: each sets up a context from the job's spec once
 * (its own kernel instance) and computes one item. Inline and in worker threads alike.
 */
import { chunkContext, chunkStats } from "../normal-stats.ts";
import { responsibilityContext, responsibilitySums } from "../regions.ts";
import { batchContext, sampleBatch } from "../sample.ts";
import type { Job } from "./pool.ts";

type Task = { setup(spec: any): any; run(ctx: any, params: any, item: number): unknown };

const TASKS: Record<Job["task"], Task> = {
  "fit-level": { setup: chunkContext, run: chunkStats },
  responsibilities: { setup: responsibilityContext, run: responsibilitySums },
  sample: { setup: batchContext, run: sampleBatch },
};

/** Contexts of the most recent jobs, least recent first: older ones are dropped. */
export const KEEP_JOBS = 4;
const contexts = new Map<number, unknown>();
const order: number[] = [];

/** Mark job id as most recent in `jobs`; true if it was already there. */
export function remember(jobs: number[], id: number): boolean {
  const k = jobs.indexOf(id);
  if (k >= 0) jobs.splice(k, 1);
  jobs.push(id);
  if (jobs.length > KEEP_JOBS) jobs.shift();
  return k >= 0;
}

export function runTask(job: Job, params: unknown, item: number): unknown {
  const task = TASKS[job.task];
  remember(order, job.id);
  for (const id of contexts.keys()) if (!order.includes(id)) contexts.delete(id);
  if (!contexts.has(job.id)) contexts.set(job.id, task.setup(job.spec));
  return task.run(contexts.get(job.id), params, item);
}
