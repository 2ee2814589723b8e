/**
 * A fitted score: regions shared by all levels, one coefficient set per noise level, and
 * the data's first two moments (for the sampler's start). Immutable once built (its data is
 * frozen); it evaluates with kernels of the backend it was fitted or loaded with, through
 * one evaluator built on first use. Saved as versioned JSON (src/model-file.ts).
 */
import { kernelSource, type Backend, type KernelSource } from "./kernels/index.ts";
import { Evaluator } from "./evaluator.ts";
import { toPoints } from "./dataset.ts";
import type { Level, Regions } from "./level.ts";
import { flowLogpdf, type LogpdfOptions } from "./flow.ts";
import { findComponents, predict, predictProba, type Components, type ComponentsOptions } from "./components.ts";
import { ModelError, modelJSON, parseModel } from "./model-file.ts";

export { ModelError, MODEL_FORMAT, MODEL_VERSION } from "./model-file.ts";

export interface Candidate { R: number; degree: number; loss: number | null; note?: string }

export interface ModelData {
  dim: number;
  degree: number;
  gates: "soft" | "hard";
  tMin: number;
  T: number;
  regions: Regions;
  levels: Level[]; // ascending t
  moments: { mean: number[]; cov: number[] };
  config: Record<string, unknown>; // the options the fit used, for the record
  selection: Candidate[]; // held-out Stein losses of the configurations tried (empty if fixed)
}

/** Rows per kernel call of the model's own evaluator. */
const BATCH = 4096;

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object" && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

export class ScoreModel implements ModelData {
  readonly dim!: number;
  readonly degree!: number;
  readonly gates!: "soft" | "hard";
  readonly tMin!: number;
  readonly T!: number;
  readonly regions!: Regions;
  readonly levels!: Level[];
  readonly moments!: { mean: number[]; cov: number[] };
  readonly config!: Record<string, unknown>;
  readonly selection!: Candidate[];
  /** The kernels it evaluates with (not part of the file). */
  readonly kernels!: KernelSource;
  /** Built on first use: the evaluator of residual/score/divergence, the default components. */
  private readonly cache!: { ev?: Evaluator; components?: Components };

  constructor(data: ModelData, kernels: KernelSource = kernelSource()) {
    const { dim, degree, gates, tMin, T, regions, levels, moments, config, selection } = data;
    Object.assign(this, deepFreeze(structuredClone({ dim, degree, gates, tMin, T, regions, levels, moments, config, selection })));
    Object.defineProperty(this, "kernels", { value: kernels, enumerable: false });
    Object.defineProperty(this, "cache", { value: {}, enumerable: false });
    Object.freeze(this);
  }

  /** The kernel backend it evaluates with. */
  get backend(): Backend {
    return this.kernels.backend;
  }

  /** r̂_t(x) = a·E[μ | x_t = x] for one point or many rows; returns rows × dim. */
  residual(x: number[] | number[][] | Float64Array, t: number): Float64Array {
    return this.evaluate(x, t, false).r;
  }

  /** ŝ_t(x) = −x + r̂_t(x). */
  score(x: number[] | number[][] | Float64Array, t: number): Float64Array {
    const pts = toPoints(x, this.dim);
    const r = this.evaluate(pts, t, false).r;
    for (let i = 0; i < r.length; i++) r[i] -= pts[i];
    return r;
  }

  /** ∇·r̂_t(x), exact (basis and gate derivatives), one number per row. */
  divergence(x: number[] | number[][] | Float64Array, t: number): Float64Array {
    return this.evaluate(x, t, true).div;
  }

  /**
   * log p̂(x) for one point or many rows: the probability-flow ODE from 0 to T with the exact
   * divergence, against the sampler's Gaussian start at T (src/flow.ts).
   */
  logpdf(points: number[] | number[][] | Float64Array, options?: LogpdfOptions): Float64Array {
    return flowLogpdf(this, toPoints(points, this.dim, "points"), options);
  }

  /**
   * The weights and means of a discrete mixture with k found from the score's fixed points,
   * or { k: null, reason } when no finite mixture fits (src/components.ts). Default options
   * are computed once and kept.
   */
  components(options?: ComponentsOptions): Components {
    if (options !== undefined) return findComponents(this, options);
    return (this.cache.components ??= findComponents(this));
  }

  /** The most probable component (index into components().means) of each row. */
  predict(x: number[] | number[][] | Float64Array): Int32Array {
    return predict(this.discrete("predict"), toPoints(x, this.dim), this.dim);
  }

  /** Posterior probabilities of the components, rows × k row-major (identity covariances). */
  predictProba(x: number[] | number[][] | Float64Array): Float64Array {
    return predictProba(this.discrete("predictProba"), toPoints(x, this.dim), this.dim);
  }

  /** An evaluator of its own for `capacity` rows (the flow and components keep theirs). */
  evaluator(capacity: number): Evaluator {
    return new Evaluator(this.kernels.create(), this, capacity);
  }

  private discrete(what: string): Components {
    const c = this.components();
    if (c.k === null) throw new ModelError(`${what}: ${c.reason}`);
    return c;
  }

  private evaluate(x: number[] | number[][] | Float64Array, t: number, withDiv: boolean) {
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0) throw new ModelError(`t must be a finite number ≥ 0, got ${t}`);
    const pts = toPoints(x, this.dim);
    const rows = pts.length / this.dim, n = this.dim;
    const ev = (this.cache.ev ??= this.evaluator(BATCH));
    const r = new Float64Array(rows * n), div = new Float64Array(rows);
    for (let s = 0; s < rows; s += BATCH) {
      const b = Math.min(BATCH, rows - s);
      ev.x.set(pts.subarray(s * n, (s + b) * n));
      ev.residual(b, t, withDiv);
      r.set(ev.r.subarray(0, b * n), s * n);
      if (withDiv) div.set(ev.div.subarray(0, b), s);
    }
    return { r, div };
  }

  toJSON(): Record<string, unknown> {
    return modelJSON(this);
  }

  /** Parse and validate; `where` names the source in messages (e.g. a file name). */
  static fromJSON(json: unknown, where = "model", kernels?: KernelSource): ScoreModel {
    return new ScoreModel(parseModel(json, where), kernels);
  }
}
