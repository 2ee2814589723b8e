/**
 * The worker side: answer requests with registered jobs, one at a time in arrival order.
 * A job gets its request and a context to report progress, transfer buffers and see whether
 * it was cancelled. Cancellation here is cooperative ({type: "cancel", id} is seen by a job
 * that awaits between steps); a job that runs without yielding (fit) is stopped by the page
 * terminating the worker, which is what `WorkerClient.cancel()` does.
 */
import { CANCELLED, type JobRequest, type Reply } from "./protocol.ts";

export interface JobContext {
  progress(progress: unknown, transfer?: Transferable[]): void;
  /** Buffers of the result to move instead of copy. */
  transfer(list: Transferable[]): void;
  cancelled(): boolean;
}

export type Job = (request: JobRequest, ctx: JobContext) => unknown | Promise<unknown>;

export interface Scope {
  postMessage(message: Reply, transfer?: Transferable[]): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
}

export class CancelledError extends Error {
  override name = CANCELLED;
  constructor(message = "cancelled") {
    super(message);
  }
}

export function serveJobs(jobs: Record<string, Job>, scope: Scope = globalThis as unknown as Scope): void {
  const cancelled = new Set<number>();
  let chain: Promise<void> = Promise.resolve();
  scope.addEventListener("message", (event) => {
    const req = event.data as JobRequest;
    if (!req || typeof req !== "object" || typeof req.type !== "string" || typeof req.id !== "number") {
      scope.postMessage({ type: "error", id: -1, name: "TypeError", message: "diffmix worker: a request needs a string \"type\" and a number \"id\"" });
      return;
    }
    if (req.type === "cancel") {
      cancelled.add(req.id);
      return;
    }
    chain = chain.then(() => run(req));
  });

  async function run(req: JobRequest): Promise<void> {
    const job = Object.hasOwn(jobs, req.type) ? jobs[req.type] : undefined;
    const t0 = performance.now();
    try {
      if (!job) throw new TypeError(`diffmix worker: unknown request type ${JSON.stringify(req.type)} (known: ${Object.keys(jobs).join(", ")}, cancel)`);
      if (cancelled.has(req.id)) throw new CancelledError();
      let transfer: Transferable[] = [];
      const ctx: JobContext = {
        progress: (progress, list) => scope.postMessage({ type: "progress", id: req.id, progress }, list ?? []),
        transfer: (list) => void (transfer = transfer.concat(list)),
        cancelled: () => cancelled.has(req.id),
      };
      const result = await job(req, ctx);
      scope.postMessage({ type: "result", id: req.id, result, ms: performance.now() - t0 }, transfer);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      scope.postMessage({ type: "error", id: req.id, name: err.name || "Error", message: err.message });
    } finally {
      cancelled.delete(req.id);
    }
  }
}
