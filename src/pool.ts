/**
 * What the model layer asks of parallel execution: a job (one task and its spec, set up once
 * per worker) mapped over fixed work items, results in item order. The model layer owns this
 * interface and never knows who runs it: src/threads implements it (inline, worker_threads,
 * Web Workers) and the entry files choose (src/runtime.ts). Results never depend on the
 * implementation or the thread count, because the items are fixed and reduced in order.
 */
import type { Backend, KernelSource } from "./kernels/index.ts";

/** The tasks a job can run (src/tasks.ts holds their code). */
export type TaskName = "level-stats" | "responsibilities" | "sample" | "logpdf" | "candidate";

export interface Pool {
  /** Threads the items are spread over (1: the calling thread). */
  readonly threads: number;
  /** Start a job; its spec goes to each worker once. close() releases it everywhere. */
  open(task: TaskName, spec: unknown): Job;
  /** Start the threads that a job of this many items will use (their start-up overlaps other work). */
  prepare(items: number): void;
}

export interface Job {
  /** Run items 0 … items−1 with `params`; results in item order. One map at a time per pool. */
  map<R>(items: number, params: unknown, onItem?: (done: number) => void): Promise<R[]>;
  /** Drop the job's context (and the data it holds) on every worker. */
  close(): void;
}

/** What every model-layer entry point works with: kernel instances for this thread and a pool. */
export interface Env {
  /** Each create() is an instance of its own (arenas of one instance invalidate each other). */
  kernels: KernelSource;
  pool: Pool;
  /** The default memory budget of a fit, bytes (the runtime's: a share of the machine's). */
  memory: number;
}

/** Where entry points get their Env: the runtime of the entry file (src/runtime.ts). */
export interface EnvSource {
  /** threads/backend undefined: the runtime's defaults. Throws an OptionError for threads it cannot run. */
  env(threads: number | undefined, backend: Backend | undefined): Env;
}

/** Rows per work item of the fit: fixed, so that the sums do not depend on the thread count. */
export const CHUNK_ROWS = 4096;

/**
 * Particles (or points) per work item of the sampler and the log-density, and per call of a
 * model's own evaluator: fixed, so that the results do not depend on the thread count.
 */
export const BATCH = 4096;

export function chunkCount(m: number, size = CHUNK_ROWS): number {
  return Math.ceil(m / size);
}

/** Open a job, run `body`, and close the job whatever happens. */
export async function withJob<T>(pool: Pool, task: TaskName, spec: unknown, body: (job: Job) => Promise<T>): Promise<T> {
  const job = pool.open(task, spec);
  try {
    return await body(job);
  } finally {
    job.close();
  }
}

/**
 * A zeroed array that worker threads can read without a copy each (shared memory where the
 * runtime has it). A page that is not cross-origin isolated cannot post shared memory even if
 * the constructor exists, so there it is a plain array, cloned to each worker.
 */
export function shareable(length: number): Float64Array {
  const shared = typeof SharedArrayBuffer === "function" && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
  return shared ? new Float64Array(new SharedArrayBuffer(Math.max(8, 8 * length)), 0, length) : new Float64Array(length);
}
