/**
 * sample(): reverse-time diffusion from T to 0 with the learned residual. Particles run in
 * batches, each with its own PRNG stream named by (seed, batch), so results do not depend
 * on how batches are scheduled.
 */
import type { Backend, Kernels } from "./kernels/index.ts";
import { BATCH, chunkCount, type EnvSource } from "./pool.ts";
import { BACKEND, OptionError, PROGRESS, SEED, THREADS, fn, int, oneOf, resolve, type Decl } from "./options.ts";
import { reverseGrid } from "./ladder.ts";
import { streamState } from "./random.ts";
import { Evaluator } from "./evaluator.ts";
import { ScoreModel } from "./model.ts";
import { Flow } from "./flow.ts";
import { startOf } from "./start.ts";

export interface SampleOptions {
  seed?: number;
  /**
   * The first row of the seed's one stream of samples: the call returns rows start …
   * start + count − 1 (default 0), so draws of consecutive ranges, on any machines, concatenate
   * to the one draw of their total.
   */
  start?: number;
  /** Reverse steps from T to tMin (uniform in log-SNR), plus a last step from tMin to 0. */
  steps?: number;
  /**
   * "ode" (the default): the probability-flow ODE (no noise after the start; a
   * predictor–corrector with one evaluation per step, see src/flow.ts); "exp": the reverse SDE
   * by the exponential integrator holding E[μ|x] fixed over a step; "em": Euler–Maruyama.
   */
  method?: "exp" | "em" | "ode";
  backend?: Backend;
  /** Worker threads (Node) or module Web Workers (browsers); default: the cores under Node, 1 in a browser. Batches are fixed, so results do not depend on it. */
  threads?: number;
  onProgress?: (p: { done: number; total: number }) => void;
  /**
   * Watch the first batch (up to 4096 particles) move: called at the start and after every
   * reverse step with the particles in data units (the model's map applied; t is in model
   * units). For the reverse SDE: with it, give method "exp" or "em".
   */
  onStep?: (f: Frame) => void | Promise<void>;
}

export interface Frame {
  step: number; // 0: the start at t = T; steps + 1: the end at t = 0
  steps: number;
  t: number;
  x: Float64Array;
}

/**
 * Default steps per method. The SDE at 160 steps left 0.005 TV above the floor on blobs2d and
 * 0.008 on the ring, at 320 0.002 and 0.005; the ODE's predictor–corrector is as good at 50
 * (bench/RESULTS.md, "ode"). The ODE is the default method: at 50 steps it was closer to the
 * truth than the SDE at 320 on 4 of the 8 public instances (by 1.4–6σ of the metric's noise),
 * as close on 3, 0.00035 further on sub24 (1.6σ), and 3–10× faster (bench/RESULTS.md,
 * "Default sampler").
 */
export const DEFAULT_STEPS = { exp: 320, em: 320, ode: 50 } as const;

export const SAMPLE_OPTIONS = {
  seed: SEED,
  start: { check: int(0, Number.MAX_SAFE_INTEGER), default: 0, doc: "the first row of the seed's stream of samples: rows K … K+N−1 (draws of consecutive ranges concatenate to one draw)", cli: { value: "K" } },
  steps: { check: int(1, 100000), doc: `reverse steps from T to tMin, uniform in log-SNR, then one to 0 (default ${DEFAULT_STEPS.exp} for exp and em, ${DEFAULT_STEPS.ode} for ode)`, cli: { value: "K" } },
  method: { check: oneOf("exp", "em", "ode"), default: "ode", doc: "ode (the probability-flow ODE, deterministic after the start), exp (the reverse SDE by the exponential integrator) or em (Euler–Maruyama)", cli: { value: "exp|em|ode" } },
  backend: BACKEND,
  threads: THREADS,
  onProgress: PROGRESS,
  onStep: { check: fn, doc: "called with the first batch of particles after every reverse step of the SDE (method exp or em)" },
} satisfies Record<keyof SampleOptions, Decl>;

/** Batches per piece of sampleChunks: 64 × 4096 rows, a few MB per column at a time. */
const CHUNK_BATCHES = 64;

export async function sample(model: ScoreModel, count: number, options: SampleOptions | undefined, source: EnvSource): Promise<Float64Array> {
  const chunks = sampleChunks(model, count, options, source); // checks the arguments before allocating
  const n = model.dim;
  let out: Float64Array;
  try {
    out = new Float64Array(count * n);
  } catch {
    throw new OptionError(`sample: ${count} × ${n} = ${count * n} numbers (${((count * n * 8) / 2 ** 30).toFixed(1)} GiB) cannot be allocated as one array: draw fewer, or receive them in pieces (sampleChunks)`);
  }
  let at = 0;
  for await (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * The rows of sample(model, count, options), in order, in pieces of whole batches (at most
 * CHUNK_BATCHES × 4096 rows each), so that any count can be written out without holding it:
 * the same numbers as sample(), whatever the pieces. Stopping early (break, return) ends the work.
 */
export function sampleChunks(model: ScoreModel, count: number, options: SampleOptions | undefined, source: EnvSource): AsyncGenerator<Float64Array> {
  if (!(model instanceof ScoreModel)) throw new OptionError("sample: the first argument must be a ScoreModel (from fit or ScoreModel.fromJSON)");
  if (!Number.isInteger(count) || count < 1) throw new OptionError(`invalid count: expected a positive integer, got ${count}`);
  const r = resolve<SampleOptions & Required<Pick<SampleOptions, "seed" | "method" | "start">>>(options, SAMPLE_OPTIONS);
  const o = { ...r, steps: r.steps ?? DEFAULT_STEPS[r.method] };
  if (o.onStep && o.method === "ode") throw new OptionError(`invalid option "onStep": frames follow the reverse SDE's steps; give method "exp" or "em" with it (the default, "ode", has none)`);
  if (o.start + count > Number.MAX_SAFE_INTEGER) throw new OptionError(`invalid option "start": start + count must stay below 2^53, got ${o.start} + ${count}`);
  return pieces(model, count, o, source);
}

async function* pieces(model: ScoreModel, count: number, o: SampleOptions & Required<Pick<SampleOptions, "seed" | "method" | "steps" | "start">>, source: EnvSource): AsyncGenerator<Float64Array> {
  const env = source.env(o.threads, o.backend ?? model.backend);
  // Rows start … end − 1 are rows of batches firstBatch … of the stream of `end` rows (each batch
  // has its own streams, and a shorter batch is a prefix of a longer one): the rows before start
  // in the first batch are drawn and dropped.
  const end = o.start + count, n = model.dim, firstBatch = Math.floor(o.start / BATCH), batches = chunkCount(end, BATCH) - firstBatch;
  const spec: SampleSpec = { model: model.toJSON(), count: end, firstBatch, seed: o.seed, method: o.method, steps: o.steps };
  const trim = (part: Float64Array, item: number) => part.subarray(Math.max(0, o.start - (firstBatch + item) * BATCH) * n);
  if (o.onStep) {
    // Frames are handed out as the first batch moves: that batch runs here, step by step.
    const ctx = batchContext(spec, env.kernels.create());
    for (let item = 0; item < batches; item++) {
      yield trim(await walk(ctx, firstBatch + item, item === 0 ? o.onStep : undefined, o.start - firstBatch * BATCH), item);
      o.onProgress?.({ done: item + 1, total: batches });
    }
    return;
  }
  const job = env.pool.open("sample", spec);
  try {
    for (let first = 0; first < batches; first += CHUNK_BATCHES) {
      const parts = await job.map<Float64Array>(Math.min(CHUNK_BATCHES, batches - first), first, (done) => o.onProgress?.({ done: first + done, total: batches }));
      const kept = parts.map((part, j) => trim(part, first + j));
      const piece = new Float64Array(kept.reduce((s, p) => s + p.length, 0));
      let at = 0;
      for (const part of kept) {
        piece.set(part, at);
        at += part.length;
      }
      yield piece;
    }
  } finally {
    job.close();
  }
}

export interface SampleSpec {
  model: Record<string, unknown>; // ScoreModel.toJSON(): exact through structured clone
  /** The stream's rows 0 … count − 1; the job's items are its batches firstBatch, firstBatch + 1, … */
  count: number;
  firstBatch?: number;
  seed: number;
  method: "exp" | "em" | "ode";
  steps: number;
}

/** What every batch of one sample() call shares: the model, its evaluator, the time grid. */
export function batchContext(spec: SampleSpec, k: Kernels) {
  const model = ScoreModel.fromJSON(spec.model);
  const n = model.dim;
  const ts = reverseGrid(spec.steps, model.tMin, model.T);
  const ev = new Evaluator(k, model, Math.min(spec.count, BATCH));
  const flow = spec.method === "ode" ? new Flow(ev, n) : undefined;
  return { spec, model, n, ts, k, ev, start: startOf(model), flow };
}
type BatchContext = ReturnType<typeof batchContext>;

/** Batch bi's start at t = T into ev.x (a stream per batch: the same whatever the batch length); returns its size. */
function begin(ctx: BatchContext, bi: number): number {
  const { ev, n, k, spec } = ctx;
  const b = Math.min(BATCH, spec.count - bi * BATCH);
  ev.state.set(streamState(spec.seed, "sample", bi, "start"));
  k.normal(b * n, ev.x, ev.state);
  ctx.start.draw(ev.x, b);
  return b;
}

/** Reverse step s of the b particles of batch bi (a stream per (batch, step)). */
function reverseStep(ctx: BatchContext, b: number, bi: number, s: number): void {
  const { ev, n, k, spec, ts } = ctx;
  ev.residual(b, ts[s]);
  ev.state.set(streamState(spec.seed, "sample", bi, s));
  k.sdeStep(b * n, ev.x, ev.r, ts[s] - ts[s + 1], spec.method === "exp" ? 0 : 1, ev.state);
}

/** Particles of the job's item-th batch from `first` (batch firstBatch + first + item of the stream) from T to 0. */
export function sampleBatch(ctx: BatchContext, first: number, item: number): Float64Array {
  const bi = (ctx.spec.firstBatch ?? 0) + first + item, b = begin(ctx, bi);
  if (ctx.flow) ctx.flow.integrate(b, ctx.ts);
  else for (let s = 0; s < ctx.ts.length - 1; s++) reverseStep(ctx, b, bi, s);
  return ctx.model.fromModel(ctx.ev.x.subarray(0, b * ctx.n));
}

/** sampleBatch for the SDE, handing a frame (its particles from row `skip` on) to onStep at the start and after every step. */
async function walk(ctx: BatchContext, bi: number, onStep?: (f: Frame) => void | Promise<void>, skip = 0): Promise<Float64Array> {
  const { ev, n, ts } = ctx, last = ts.length - 1;
  const b = begin(ctx, bi);
  const frame = (step: number) => onStep?.({ step, steps: last, t: ts[step], x: ctx.model.fromModel(ev.x.subarray(skip * n, b * n)) });
  await frame(0);
  for (let s = 0; s < last; s++) {
    reverseStep(ctx, b, bi, s);
    await frame(s + 1);
  }
  return ctx.model.fromModel(ev.x.subarray(0, b * n));
}
