/**
 * Jobs on the calling thread: a job's items run one after another, on a context set up at its
 * first item. The runtime runs small jobs and one-thread pools this way, and a worker the jobs
 * that an item of its own starts (a candidate's fit inside the selection's candidate task).
 */
import { defaultBackend, kernelSource, type Backend, type KernelSource } from "../kernels/index.ts";
import { start, type Running } from "../tasks.ts";
import type { Env, EnvSource, Job, Pool, TaskName } from "../pool.ts";

/** A job whose items run here; `local` is what the tasks that fit inside an item get as their Env source. */
export function inlineJob(task: TaskName, spec: unknown, kernels: KernelSource, local: EnvSource): Job {
  let ctx: Running | undefined;
  return {
    map: async <R>(items: number, params: unknown, onItem?: (done: number) => void): Promise<R[]> => {
      ctx ??= start(task, spec, kernels.create(), local);
      const out: R[] = [];
      for (let i = 0; i < items; i++) {
        out.push((await ctx.run(params, i)) as R);
        onItem?.(i + 1);
      }
      return out;
    },
    close: () => void (ctx = undefined),
  };
}

/** One thread's Envs: every job inline. `memory` is the default budget (tasks bring their own in their specs). */
export function inlineSource(memory: number): EnvSource {
  const sources = new Map<Backend, KernelSource>();
  const source: EnvSource = {
    env: (_threads, backend) => {
      const b = backend ?? defaultBackend();
      const kernels = sources.get(b) ?? sources.set(b, kernelSource(b)).get(b)!;
      const pool: Pool = { threads: 1, prepare: () => {}, open: (task, spec) => inlineJob(task, spec, kernels, source) };
      return { kernels, pool, memory } satisfies Env;
    },
  };
  return source;
}
