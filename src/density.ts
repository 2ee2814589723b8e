/**
 * logpdf(): the log-density of many rows on the pool — model.logpdf's numbers (bitwise: each
 * row's flow is its own, batches are fixed), with the batches spread over worker threads.
 */
import type { Backend, Kernels } from "./kernels/index.ts";
import { BATCH, chunkCount, shareable, withJob, type EnvSource } from "./pool.ts";
import { BACKEND, OptionError, THREADS, resolve, type Decl } from "./options.ts";
import { LOGPDF_OPTIONS, flowLogpdf, logpdfContext, logpdfRows, type LogpdfOptions } from "./flow.ts";
import { ScoreModel } from "./model.ts";

export interface LogpdfRunOptions extends LogpdfOptions {
  /** Worker threads (Node) or module Web Workers (browsers); default: the cores under Node, 1 in a browser. */
  threads?: number;
  backend?: Backend;
}

export const LOGPDF_RUN_OPTIONS = { ...LOGPDF_OPTIONS, threads: THREADS, backend: BACKEND } satisfies Record<keyof LogpdfRunOptions, Decl>;

export interface LogpdfSpec {
  model: Record<string, unknown>; // ScoreModel.toJSON(): exact through structured clone
  z: Float64Array; // the rows in model units (ScoreModel.logpdfInput)
  options: LogpdfOptions;
}

export async function logpdf(model: ScoreModel, points: number[] | number[][] | Float64Array, options: LogpdfRunOptions | undefined, source: EnvSource): Promise<Float64Array> {
  if (!(model instanceof ScoreModel)) throw new OptionError("logpdf: the first argument must be a ScoreModel (from fit or ScoreModel.fromJSON)");
  const { threads, backend, ...flow } = resolve<LogpdfRunOptions>(options, LOGPDF_RUN_OPTIONS);
  const { z, finish } = model.logpdfInput(points);
  const rows = z.length / model.dim, items = chunkCount(rows, BATCH);
  const env = source.env(threads, backend ?? model.backend);
  if (items <= 1 || env.pool.threads === 1) return finish(flowLogpdf(model, z, flow));
  const shared = shareable(z.length);
  shared.set(z);
  const spec: LogpdfSpec = { model: model.toJSON(), z: shared, options: flow };
  const parts = await withJob(env.pool, "logpdf", spec, (job) => job.map<Float64Array>(items, null));
  const out = new Float64Array(rows);
  parts.forEach((part, item) => out.set(part, item * BATCH));
  return finish(out);
}

/** A worker's side: the model and its flow, set up once per job. */
export function logpdfTaskContext(spec: LogpdfSpec, kernels: Kernels) {
  const model = ScoreModel.fromJSON(spec.model);
  return { spec, n: model.dim, flow: logpdfContext(model, BATCH, spec.options, kernels) };
}

/** log p̂ (model units) of the job's item-th batch of rows. */
export function logpdfBatch(ctx: ReturnType<typeof logpdfTaskContext>, _params: null, item: number): Float64Array {
  const rows = ctx.spec.z.length / ctx.n, first = item * BATCH, b = Math.min(BATCH, rows - first);
  const out = new Float64Array(b);
  logpdfRows(ctx.flow, ctx.spec.z, first, b, out, 0);
  return out;
}
