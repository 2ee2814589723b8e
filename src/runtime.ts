/**
 * A runtime: the wiring an entry file chooses (src/index.ts for browsers and bundlers,
 * src/node.ts for Node) — which kernels by default, which workers — and the state that comes
 * with it: persistent workers per thread count, their job ids and contexts. A job of fewer
 * than two items, or one thread, runs on the calling thread (the same numbers, no start-up).
 * close() terminates the workers; jobs release their data when they close.
 */
import { OptionError } from "./options.ts";
import { defaultBackend, kernelSource, type Backend, type KernelSource } from "./kernels/index.ts";
import { inlineJob } from "./threads/inline.ts";
import type { Env, EnvSource, Job, Pool } from "./pool.ts";
import { Workers, type Port, type RemoteJob } from "./threads/workers.ts";

export interface RuntimeOptions {
  /** Starts one worker; absent, only one thread is possible. */
  spawn?: () => Port;
  /** Threads when none are asked for. */
  defaultThreads: number;
  /** Said in the message when threads > 1 cannot run here. */
  missing?: string;
  /** The fit's memory budget in bytes when none is asked for (fit's `memory: "auto"`). */
  defaultMemory: number;
}

export class Runtime implements EnvSource {
  private readonly sources = new Map<Backend, KernelSource>();
  private readonly workers = new Map<number, Workers>();

  constructor(private readonly options: RuntimeOptions) {}

  env(threads: number | undefined, backend: Backend | undefined): Env {
    const t = threads ?? this.options.defaultThreads;
    if (t > 1 && !this.options.spawn) {
      throw new OptionError(`invalid option "threads": ${t} threads need ${this.options.missing ?? "worker threads"}, which this environment lacks; use 1`);
    }
    const b = backend ?? defaultBackend(); // asked each time: a page may lose WebAssembly (tests stub it)
    const kernels = this.sources.get(b) ?? this.sources.set(b, kernelSource(b)).get(b)!;
    return { kernels, pool: this.pool(t, kernels), memory: this.options.defaultMemory };
  }

  /** Terminate every worker (the next call starts new ones). */
  close(): void {
    for (const w of this.workers.values()) w.terminate();
    this.workers.clear();
  }

  private threads(t: number): Workers {
    let w = this.workers.get(t);
    if (!w) this.workers.set(t, (w = new Workers(t, this.options.spawn!, () => this.workers.delete(t))));
    return w;
  }

  private pool(threads: number, kernels: KernelSource): Pool {
    const remote = (items: number) => threads > 1 && items >= 2;
    return {
      threads,
      prepare: (items) => void (remote(items) && this.threads(threads)),
      open: (task, spec): Job => {
        const inline = inlineJob(task, spec, kernels, this);
        let away: RemoteJob | undefined;
        return {
          map: <R>(items: number, params: unknown, onItem?: (done: number) => void): Promise<R[]> =>
            remote(items) ? (away ??= this.threads(threads).open(task, spec, kernels.backend)).map<R>(items, params, onItem) : inline.map<R>(items, params, onItem),
          close: () => {
            inline.close();
            away?.close();
          },
        };
      },
    };
  }
}
