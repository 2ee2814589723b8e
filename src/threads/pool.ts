/**
 * Work split into fixed items (row chunks of the fit, particle batches of the sampler) and
 * run on a pool; the caller reduces the items' results in item order. The items and their
 * PRNG streams depend on the data and the seed only, never on the thread count, so every
 * thread count gives the same numbers. One thread runs the items inline, on this thread.
 *
 * Threads are Node `worker_threads` (src/threads/node.ts) under Node and module Web Workers
 * (src/threads/web.ts) in browsers, loaded only when more than one thread is asked for; the
 * Node module is imported by a computed specifier, so the browser bundle never sees it.
 */
import { OptionError } from "../options.ts";

/** A unit of shared context (data, model) that a worker sets up once and reuses across map calls. */
export interface Job {
  id: number;
  task: "fit-level" | "responsibilities" | "sample";
  /** Structured-cloneable; Float64Arrays over a SharedArrayBuffer are shared, not copied. */
  spec: unknown;
}

export interface Pool {
  readonly threads: number;
  /** Results of items 0..items-1, in item order; onItem is called as each item completes. */
  map<R>(job: Job, items: number, params: unknown, onItem?: (done: number) => void): Promise<R[]>;
}

/** Rows per work item of the fit: fixed, so that the sums do not depend on the thread count. */
export const CHUNK_ROWS = 4096;

export function chunkCount(m: number): number {
  return Math.ceil(m / CHUNK_ROWS);
}

/**
 * A worker keeps the contexts of its KEEP_JOBS most recent jobs; the pool keeps the same list
 * per worker (same rule), so it knows which workers still need a job's spec.
 */
export const KEEP_JOBS = 4;

/** Mark job id as most recent in `jobs`; true if it was already there. */
export function remember(jobs: number[], id: number): boolean {
  const k = jobs.indexOf(id);
  if (k >= 0) jobs.splice(k, 1);
  jobs.push(id);
  if (jobs.length > KEEP_JOBS) jobs.shift();
  return k >= 0;
}

let nextJob = 1;
export function newJob(task: Job["task"], spec: unknown): Job {
  return { id: nextJob++, task, spec };
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

const inline: Pool = {
  threads: 1,
  async map<R>(job: Job, items: number, params: unknown, onItem?: (done: number) => void): Promise<R[]> {
    const { runTask } = await import("./tasks.ts");
    const out: R[] = [];
    for (let i = 0; i < items; i++) {
      out.push(runTask(job, params, i) as R);
      onItem?.(i + 1);
    }
    return out;
  },
};

const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string";
interface NodePools { cores(): number; nodePool(threads: number): Pool } // src/threads/node.ts
let nodePools: Promise<NodePools> | undefined;

function loadNode(): Promise<NodePools> {
  // A computed specifier: bundlers must not follow it into node: modules.
  const spec = ["./node", "ts"].join(".");
  return (nodePools ??= import(/* @vite-ignore */ spec) as Promise<NodePools>);
}

/** The thread count used when none is given: the machine's cores under Node, else 1. */
export async function defaultThreads(): Promise<number> {
  return isNode ? (await loadNode()).cores() : 1;
}

/**
 * The pool for `threads` (undefined: the default) and `items` work items. Fewer than two
 * items, or one thread, run inline: same results, no start-up cost.
 */
export async function poolFor(threads: number | undefined, items: number): Promise<Pool> {
  // One pool per thread count asked for (not per job size): its workers are reused by every job.
  const t = threads ?? (await defaultThreads());
  if (Math.min(t, items) <= 1) return inline;
  if (isNode) return (await loadNode()).nodePool(t);
  if (typeof Worker !== "function") throw new OptionError(`invalid option "threads": ${threads} threads need Web Workers, which this environment lacks; use 1`);
  return (await import("./web.ts")).webPool(t);
}
