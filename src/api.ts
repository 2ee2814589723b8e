/**
 * The library's functions bound to a runtime: the entry files (src/index.ts, src/node.ts)
 * each make one runtime and export these, with the classes and types of src/exports.ts.
 */
import { accumulate, fit as fitWith, merge, plan, solve, type FitOptions, type FitPlan, type FitStats } from "./fit.ts";
import { sample as sampleWith, sampleChunks as chunksWith, type SampleOptions } from "./sample.ts";
import type { ScoreModel } from "./model.ts";
import { logpdf as logpdfWith, type LogpdfRunOptions } from "./density.ts";
import type { Runtime } from "./runtime.ts";
import type { Backend } from "./kernels/index.ts";

export function library(runtime: Runtime) {
  return {
    /** Learn the score of the distribution behind `data` (rows). */
    fit: (data: number[][] | Float64Array, options?: FitOptions): Promise<ScoreModel> => fitWith(data, options, runtime),
    /** `count` samples from the model by reverse diffusion (or the probability-flow ODE). */
    sample: (model: ScoreModel, count: number, options?: SampleOptions): Promise<Float64Array> => sampleWith(model, count, options, runtime),
    /** log p̂ at each row (data units): model.logpdf's numbers, its batches spread over worker threads. */
    logpdf: (model: ScoreModel, points: number[] | number[][] | Float64Array, options?: LogpdfRunOptions): Promise<Float64Array> => logpdfWith(model, points, options, runtime),
    /** The plan of a fit on these rows (a sample, for shards): map, σ₀, regions, levels — everything but the level sums. */
    plan: (data: number[][] | Float64Array, options?: FitOptions): Promise<FitPlan> => plan(data, options, runtime),
    /** The plan's sums over rows (data units); row k's noise is named by firstRow + k (or ids[k]), so shards cut anywhere add up. */
    accumulate: (p: FitPlan, rows: number[][] | Float64Array, firstRow: number | ArrayLike<number> = 0, options?: { threads?: number; backend?: Backend }): Promise<FitStats> =>
      accumulate(p, rows, firstRow, runtime, options),
    /** The sums of two sets of rows, added. */
    merge,
    /** The model from a plan and the sums of its rows. */
    solve: (p: FitPlan, stats: FitStats, options?: { backend?: Backend }): ScoreModel => solve(p, stats, runtime, options),
    /** The same rows as `sample`, in pieces of whole batches (for counts too large to hold at once). */
    sampleChunks: (model: ScoreModel, count: number, options?: SampleOptions): AsyncGenerator<Float64Array> => chunksWith(model, count, options, runtime),
    /** Terminate the worker threads (they are also unref'd when idle, so a script exits without it). */
    close: (): void => runtime.close(),
  };
}
