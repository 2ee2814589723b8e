/**
 * The page side: fit and sample in a Web Worker, with progress callbacks and cancellation.
 *
 *   const w = new WorkerClient();                       // spawns ./worker.ts as a module worker
 *   const model = await w.fit(rows, { dim: 2, seed: 1 }, (p) => bar.value = p.done / p.total);
 *   const xs = await w.sample(model, 10_000, { seed: 2 });
 *   w.cancel();                                          // stops whatever runs, at once
 *
 * cancel() terminates the worker (fit runs without yielding, so nothing gentler can stop
 * it mid-level); pending calls reject with a CancelledError and the next call starts a
 * fresh worker. Pass `signal` to tie a call to an AbortController.
 */
import { ScoreModel } from "../model.ts";
import type { Progress } from "../fit.ts";
import { CANCELLED, type Reply, type TraceFrame, type WorkerFitOptions, type WorkerSampleOptions } from "./protocol.ts";
import { CancelledError } from "./serve.ts";

export { CancelledError } from "./serve.ts";
export type { TraceFrame, WorkerFitOptions, WorkerSampleOptions } from "./protocol.ts";

/** An error raised inside the worker, with the worker-side name (e.g. "OptionError"). */
export class WorkerError extends Error {
  constructor(readonly remoteName: string, message: string) {
    super(message);
    this.name = remoteName === CANCELLED ? CANCELLED : "WorkerError";
  }
}

interface Pending {
  resolve(v: { result: unknown; ms: number }): void;
  reject(e: Error): void;
  onProgress?: (p: unknown) => void;
}

export interface CallOptions {
  onProgress?: (progress: unknown) => void;
  signal?: AbortSignal;
  transfer?: Transferable[];
}

export type SampleProgress = { phase: "sample"; done: number; total: number } | TraceFrame;

/** Where the worker comes from: by default the module next to this file. */
export type WorkerFactory = () => Worker;

// worker.js: the compiled name (dist/); bundlers map it to worker.ts in the sources.
const defaultFactory: WorkerFactory = () => new Worker(new URL("./worker.js", import.meta.url), { type: "module" });

export class WorkerClient {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly factory: WorkerFactory = defaultFactory) {}

  /** Send any registered job; resolves with its result and the worker-side time in ms. */
  call(type: string, payload: Record<string, unknown>, options: CallOptions = {}): Promise<{ result: unknown; ms: number }> {
    const { signal, onProgress, transfer = [] } = options;
    if (signal?.aborted) return Promise.reject(new CancelledError());
    const worker = this.spawn();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const abort = () => this.cancel();
      signal?.addEventListener("abort", abort, { once: true });
      const done = () => signal?.removeEventListener("abort", abort);
      this.pending.set(id, {
        resolve: (v) => (done(), resolve(v)),
        reject: (e) => (done(), reject(e)),
        onProgress,
      });
      worker.postMessage({ ...payload, type, id }, transfer);
    });
  }

  async fit(data: Float64Array | number[][], options: WorkerFitOptions & { dim?: number } = {}, onProgress?: (p: Progress) => void,
    signal?: AbortSignal): Promise<{ model: ScoreModel; ms: number }> {
    const { dim: given, ...rest } = options;
    let flat: Float64Array, dim: number;
    if (data instanceof Float64Array) {
      flat = data.slice(); // the copy is transferred; the caller keeps its array
      dim = given ?? NaN;
    } else {
      dim = data[0]?.length ?? 0;
      flat = Float64Array.from(data.flat());
    }
    const { result, ms } = await this.call("fit", { data: flat, dim, options: rest }, {
      onProgress: onProgress as (p: unknown) => void, signal, transfer: [flat.buffer],
    });
    return { model: ScoreModel.fromJSON(result, "worker result"), ms };
  }

  async sample(model: ScoreModel, count: number, options: WorkerSampleOptions & { trace?: number } = {},
    onProgress?: (p: SampleProgress) => void, signal?: AbortSignal): Promise<{ samples: Float64Array; ms: number }> {
    const { trace, ...rest } = options;
    const { result, ms } = await this.call("sample", {
      model: model.toJSON(), count, options: rest, ...(trace ? { trace: { particles: trace } } : {}),
    }, { onProgress: onProgress as (p: unknown) => void, signal });
    return { samples: result as Float64Array, ms };
  }

  /** Stop everything running or queued: the worker is terminated; the next call starts another. */
  cancel(): void {
    this.worker?.terminate();
    this.worker = undefined;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(new CancelledError());
  }

  /** Terminate the worker (pending calls are cancelled). */
  dispose(): void {
    this.cancel();
  }

  private spawn(): Worker {
    if (this.worker) return this.worker;
    const w = this.factory();
    w.addEventListener("message", (e: MessageEvent<Reply>) => this.receive(e.data));
    w.addEventListener("error", (e: ErrorEvent) => {
      e.preventDefault?.();
      this.fail(new Error(`diffmix worker failed: ${e.message || "could not load or run the worker script"}`));
    });
    w.addEventListener("messageerror", () => this.fail(new Error("diffmix worker: a message could not be deserialised")));
    this.worker = w;
    return w;
  }

  private fail(err: Error) {
    this.worker?.terminate();
    this.worker = undefined;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(err);
  }

  private receive(msg: Reply) {
    const p = this.pending.get(msg.id);
    if (!p) return; // a reply to a call that was cancelled
    if (msg.type === "progress") p.onProgress?.(msg.progress);
    else {
      this.pending.delete(msg.id);
      if (msg.type === "result") p.resolve({ result: msg.result, ms: msg.ms });
      else p.reject(msg.name === CANCELLED ? new CancelledError(msg.message) : new WorkerError(msg.name, msg.message));
    }
  }
}
