/**
 * The reverse SDE of `sample()`, one step at a time, for watching particles move. It runs
 * the same loop with the same streams as `sample()` (one batch, a stream per step), so the
 * last frame equals the first rows of `sample(model, N, options)` for any N ≥ count: the
 * animation shows the very particles that are measured. A test holds the two together.
 */
import { createKernels } from "../kernels/index.ts";
import { OptionError, int, oneOf, resolve } from "../options.ts";
import { noiseLadder } from "../ladder.ts";
import { streamState } from "../random.ts";
import { Evaluator } from "../evaluator.ts";
import type { ScoreModel } from "../model.ts";
import { startDistribution, type SampleOptions } from "../sample.ts";

/** sample()'s batch: particles in one batch share a stream per step. */
export const TRACE_MAX = 4096;

export interface Frame {
  step: number; // 0: the start at t = T; steps + 1: the end at t = 0
  steps: number;
  t: number;
  x: Float64Array; // a view: copy it to keep it
}

const TABLE = { seed: int(0, 2 ** 31 - 1), steps: int(1, 100000), method: oneOf("exp", "em"), backend: oneOf("wasm", "reference") };

/** Run `count` (≤ 4096) particles from T to 0, calling `onFrame` at the start and after each step. */
export async function traceSample(
  model: ScoreModel, count: number, options: Omit<SampleOptions, "onProgress"> | undefined,
  onFrame: (f: Frame) => void | Promise<void>,
): Promise<Float64Array> {
  if (!Number.isInteger(count) || count < 1 || count > TRACE_MAX) {
    throw new OptionError(`invalid count: expected an integer in [1, ${TRACE_MAX}] particles to trace, got ${count}`);
  }
  const o = resolve(options, TABLE, { seed: 0, steps: 160, method: "exp", backend: model.backend });
  const n = model.dim;
  const ts = [...noiseLadder(o.steps + 1, model.tMin, model.T).reverse(), 0];
  const k = createKernels(o.backend);
  const ev = new Evaluator(k, model, count);
  const len = count * n;
  ev.state.set(streamState(o.seed, "sample", 0, "start"));
  k.normal(len, ev.x, ev.state);
  startDistribution(model)(ev.x, count);
  const last = ts.length - 1;
  await onFrame({ step: 0, steps: last, t: ts[0], x: ev.x.subarray(0, len) });
  for (let s = 0; s < last; s++) {
    ev.residual(count, ts[s]);
    ev.state.set(streamState(o.seed, "sample", 0, s));
    k.sdeStep(len, ev.x, ev.r, ts[s] - ts[s + 1], o.method === "exp" ? 0 : 1, ev.state);
    await onFrame({ step: s + 1, steps: last, t: ts[s + 1], x: ev.x.subarray(0, len) });
  }
  return ev.x.slice(0, len);
}
