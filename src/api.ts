/**
 * The library's functions bound to a runtime: the entry files (src/index.ts, src/node.ts)
 * each make one runtime and export these, with the classes and types of src/exports.ts.
 */
import { fit as fitWith, type FitOptions } from "./fit.ts";
import { sample as sampleWith, sampleChunks as chunksWith, type SampleOptions } from "./sample.ts";
import type { ScoreModel } from "./model.ts";
import type { Runtime } from "./runtime.ts";

export function library(runtime: Runtime) {
  return {
    /** Learn the score of the distribution behind `data` (rows). */
    fit: (data: number[][] | Float64Array, options?: FitOptions): Promise<ScoreModel> => fitWith(data, options, runtime),
    /** `count` samples from the model by reverse diffusion (or the probability-flow ODE). */
    sample: (model: ScoreModel, count: number, options?: SampleOptions): Promise<Float64Array> => sampleWith(model, count, options, runtime),
    /** The same rows as `sample`, in pieces of whole batches (for counts too large to hold at once). */
    sampleChunks: (model: ScoreModel, count: number, options?: SampleOptions): AsyncGenerator<Float64Array> => chunksWith(model, count, options, runtime),
    /** Terminate the worker threads (they are also unref'd when idle, so a script exits without it). */
    close: (): void => runtime.close(),
  };
}
