/** The library's worker jobs: `fit` and `sample` (with an optional particle trace). */
import { fit, sample } from "../index.ts";
import { ScoreModel } from "../model.ts";
import { traceSample } from "./trace.ts";
import type { FitRequest, SampleRequest, TraceFrame } from "./protocol.ts";
import type { Job, JobContext } from "./serve.ts";
import { CancelledError } from "./serve.ts";

/** Yield to the worker's event loop so that a {type: "cancel"} message can arrive. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export async function fitJob(req: FitRequest, ctx: JobContext): Promise<Record<string, unknown>> {
  const model = await fit(req.data, { ...req.options, dim: req.dim, onProgress: (p) => ctx.progress(p) });
  return model.toJSON();
}

export async function sampleJob(req: SampleRequest, ctx: JobContext): Promise<Float64Array> {
  const model = ScoreModel.fromJSON(req.model, "sample request: model");
  // A trace follows the reverse SDE's steps, so the sample whose first rows it shows does too.
  const options = req.trace ? { method: "exp" as const, ...req.options } : req.options;
  if (req.trace) {
    const particles = Math.min(req.trace.particles, req.count);
    await traceSample(model, particles, options, async (f) => {
      const frame: TraceFrame = { phase: "trace", step: f.step, steps: f.steps, t: f.t, x: f.x.slice() };
      ctx.progress(frame, [frame.x.buffer]);
      await tick();
      if (ctx.cancelled()) throw new CancelledError();
    });
  }
  const xs = await sample(model, req.count, { ...options, onProgress: (p) => ctx.progress({ phase: "sample", ...p }) });
  ctx.transfer([xs.buffer]);
  return xs;
}

export const diffmixJobs: Record<string, Job> = {
  fit: fitJob as unknown as Job,
  sample: sampleJob as unknown as Job,
};
