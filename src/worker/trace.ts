/**
 * The reverse SDE of `sample()`, one step at a time, for watching particles move: sample()
 * with `onStep` on a single batch, so the last frame equals the first rows of
 * `sample(model, N, options)` for any N ≥ count: the animation shows the very particles that
 * are measured.
 */
import { OptionError } from "../options.ts";
import type { ScoreModel } from "../model.ts";
import type { Frame, SampleOptions } from "../sample.ts";
import { BATCH } from "../pool.ts";
import { sample } from "../index.ts";

export type { Frame } from "../sample.ts";

/** sample()'s batch: particles in one batch share a stream per step. */
export const TRACE_MAX = BATCH;

/** Run `count` (≤ 4096) particles from T to 0, calling `onFrame` at the start and after each step. */
export async function traceSample(
  model: ScoreModel, count: number, options: Omit<SampleOptions, "onProgress" | "onStep"> | undefined,
  onFrame: (f: Frame) => void | Promise<void>,
): Promise<Float64Array> {
  if (!Number.isInteger(count) || count < 1 || count > TRACE_MAX) {
    throw new OptionError(`invalid count: expected an integer in [1, ${TRACE_MAX}] particles to trace, got ${count}`);
  }
  if (options?.method === "ode") throw new OptionError('invalid option "method": tracing runs the reverse SDE ("exp" or "em"), got "ode"');
  return sample(model, count, { method: "exp", ...options, onStep: onFrame });
}
