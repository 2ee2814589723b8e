/**
 * The work a pool runs, by task: each sets up a context from the job's spec once per thread
 * (with a kernel instance of its own) and computes one item. Pools (src/threads) look tasks up
 * here; the model layer only names them (src/pool.ts).
 */
import type { Kernels } from "./kernels/types.ts";
import type { EnvSource, TaskName } from "./pool.ts";
import { chunkContext, chunkStats } from "./system.ts";
import { responsibilityContext, responsibilitySums } from "./regions.ts";
import { batchContext, sampleBatch } from "./sample.ts";
import { logpdfBatch, logpdfTaskContext } from "./density.ts";
import { candidateContext, candidateFold } from "./fit.ts";

/**
 * `local` gives the thread's own one-thread Env, for a task that runs a fit inside an item (the
 * selection's candidates); a result may be a promise.
 */
export interface Task<Spec, Ctx, Params, Result> {
  setup(spec: Spec, kernels: Kernels, local: EnvSource): Ctx;
  run(ctx: Ctx, params: Params, item: number): Result;
}

const task = <S, C, P, R>(setup: (spec: S, kernels: Kernels, local: EnvSource) => C, run: (ctx: C, params: P, item: number) => R): Task<S, C, P, R> => ({ setup, run });

export const TASKS = {
  "level-stats": task(chunkContext, chunkStats),
  responsibilities: task(responsibilityContext, responsibilitySums),
  sample: task(batchContext, sampleBatch),
  logpdf: task(logpdfTaskContext, logpdfBatch),
  candidate: task(candidateContext, candidateFold),
} satisfies Record<TaskName, Task<never, unknown, never, unknown>>;

/** A task's context, set up from a spec that crossed a thread boundary (structured clone). */
export interface Running {
  run(params: unknown, item: number): unknown;
}

export function start(name: TaskName, spec: unknown, kernels: Kernels, local: EnvSource): Running {
  const t = TASKS[name] as Task<unknown, unknown, unknown, unknown>;
  const ctx = t.setup(spec, kernels, local);
  return { run: (params, item) => t.run(ctx, params, item) };
}
