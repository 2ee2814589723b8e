/**
 * A fitted score: regions shared by all levels (or a ladder of region sets, one per run of
 * levels), one coefficient set per noise level, the
 * data's first two moments (for the sampler's start), all in model units z = (σ₀M)⁻¹(x − b),
 * and the data map that takes data there (src/map.ts). Immutable once built (its data is
 * frozen); it evaluates with kernels of the backend it was fitted or loaded with, through
 * one evaluator built on first use. Saved as versioned JSON (src/model-file.ts).
 *
 * Units: logpdf, score, gates, sample and components take and give DATA units; residual and
 * divergence (a·E[μ | z_t = z] and its divergence) take and give MODEL units — toModel and
 * fromModel convert.
 */
import { kernelSource, type Backend, type KernelSource } from "./kernels/index.ts";
import { Evaluator, type EvaluableModel } from "./evaluator.ts";
import { toPoints } from "./dataset.ts";
import { levelBelow, regionSet, type Gating, type Level, type Regions } from "./level.ts";
import { flowLogpdf, type LogpdfOptions } from "./flow.ts";
import { findComponents, predict, predictProba, regionComponents, type Components, type ComponentsOptions } from "./components.ts";
import { EVAL_MAX } from "./bounds.ts";
import { ModelError, modelJSON, parseModel, type Candidate, type ModelData } from "./model-file.ts";
import { DataError } from "./dataset.ts";
import { compressRows, compressionLogJacobian, expandRows, expandScore, mapMatrices, toData, toModel, type Compression, type DataMap } from "./map.ts";
import { BATCH } from "./pool.ts";

export { ModelError, MODEL_FORMAT, MODEL_VERSION } from "./model-file.ts";
export type { Candidate, ModelData } from "./model-file.ts";


function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object" && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

type Points = number[] | number[][] | Float64Array;

/** The first coordinate of row r of z beyond ±EVAL_MAX (or not finite), or −1. */
function beyond(z: Float64Array, n: number, r: number): number {
  for (let i = 0; i < n; i++) if (!(Math.abs(z[r * n + i]) <= EVAL_MAX)) return i;
  return -1;
}

/** z itself, if every row is within ±EVAL_MAX in model units; else a DataError naming the first row that is not. */
function within(z: Float64Array, n: number, what: string): Float64Array {
  for (let r = 0; r < z.length / n; r++) {
    const i = beyond(z, n, r);
    if (i >= 0) throw new DataError(`${what}: row ${r + 1} is ${Math.abs(z[r * n + i]).toExponential(1)} noise scales from the model's centre, beyond the ${EVAL_MAX.toExponential(0)} within which the model evaluates`);
  }
  return z;
}

export class ScoreModel implements EvaluableModel {
  readonly dim!: number;
  readonly columns!: string[] | null;
  readonly map!: DataMap;
  readonly dequantised!: { column: number; step: number }[];
  /** Heavy-tailed columns compressed before the map (src/map.ts, Compression); [] for none. */
  readonly compressed!: Compression[];
  readonly rows!: number;
  readonly degree!: number;
  readonly gating!: Gating;
  readonly tMin!: number;
  readonly T!: number;
  readonly regions!: Regions;
  readonly ladder!: Regions[] | null;
  readonly levels!: Level[];
  readonly moments!: { mean: number[]; cov: number[] };
  readonly config!: Record<string, unknown>;
  readonly selection!: Candidate[];
  /** The kernels it evaluates with (not part of the file). */
  readonly kernels!: KernelSource;
  /** Built on first use: the map's matrices, the evaluator of residual/score/divergence, the default components. */
  private readonly cache!: { A?: Float64Array; inv?: Float64Array; ev?: Evaluator; found?: Components; shown?: Components };

  /**
   * Checks `data` as the loader does (src/model-file.ts), whoever built it: a fit never makes a
   * model that would not load, and a model never evaluates to NaN. Throws a ModelError.
   */
  constructor(data: ModelData, kernels: KernelSource = kernelSource()) {
    parseModel(modelJSON(data), "model");
    const { dim, columns, map, dequantised, compressed = [], rows, degree, gating, tMin, T, regions, ladder, levels, moments, config, selection } = data;
    Object.assign(this, deepFreeze(structuredClone({ dim, columns, map, dequantised, compressed, rows, degree, gating, tMin, T, regions, ladder, levels, moments, config, selection })));
    Object.defineProperty(this, "kernels", { value: kernels, enumerable: false });
    Object.defineProperty(this, "cache", { value: {}, enumerable: false });
    Object.freeze(this);
  }

  /** The kernel backend it evaluates with. */
  get backend(): Backend {
    return this.kernels.backend;
  }

  /** Points in data units → model units z = (σ₀M)⁻¹(y − b), y = x with its compressed columns compressed; rows × dim (each coordinate within ±EVAL_MAX, else a DataError naming the row). */
  toModel(x: Points, what = "x"): Float64Array {
    return within(this.mapped(toPoints(x, this.dim, what)), this.dim, what);
  }

  /** toModel of rows (a copy, data units) without the bound: beyond EVAL_MAX (or Infinity) where the map takes far points. */
  private mapped(pts: Float64Array): Float64Array {
    const rows = pts.length / this.dim;
    compressRows(this.compressed, pts, rows, this.dim);
    return toModel(this.map, this.matrices().inv, pts, rows);
  }

  /** Points in model units → data units x = b + σ₀M z (its compressed columns expanded). */
  fromModel(z: Points): Float64Array {
    const pts = toPoints(z, this.dim), rows = pts.length / this.dim;
    const x = toData(this.map, this.matrices().A, pts, rows);
    expandRows(this.compressed, x, rows, this.dim);
    return x;
  }

  /** r̂_t(z) = a·E[μ | z_t = z] in MODEL units, for one point or many rows (model units too); rows × dim. */
  residual(z: Points, t: number): Float64Array {
    return this.evaluate(within(toPoints(z, this.dim), this.dim, "x"), t, false).r;
  }

  /** ∇·r̂_t(z) in model units, exact (basis and gate derivatives), one number per row. */
  divergence(z: Points, t: number): Float64Array {
    return this.evaluate(within(toPoints(z, this.dim), this.dim, "x"), t, true).div;
  }

  /**
   * ŝ_t(x) = ∇ₓ log p̂_t(x) in DATA units: (σ₀M)⁻ᵀ(−z + r̂_t(z)) at z = toModel(x), carried
   * through the compressed columns' derivative (expandScore). With compressed columns t is the
   * noise of the compressed data: at t = 0 this is the score of logpdf's density.
   */
  score(x: Points, t: number): Float64Array {
    const pts = toPoints(x, this.dim), z = this.toModel(pts), r = this.evaluate(z, t, false).r, n = this.dim;
    for (let i = 0; i < r.length; i++) r[i] -= z[i];
    if (this.map.kind === "none" && this.map.scale === 1 && this.compressed.length === 0) return r;
    const inv = this.matrices().inv, out = new Float64Array(r.length);
    for (let row = 0; row < r.length / n; row++) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += inv[j * n + i] * r[row * n + j];
        out[row * n + i] = s;
      }
    }
    expandScore(this.compressed, pts, out, r.length / n, n);
    return out;
  }

  /**
   * The gates γ_g(z_t) of the regions at DATA points x and time t: rows × regions — with a
   * ladder, the regions of the level nearest t from below (regionsAt(t)).
   */
  gates(x: Points, t: number): Float64Array {
    const z = this.toModel(x), rows = z.length / this.dim;
    const ev = this.evaluator(Math.max(1, Math.min(rows, BATCH)));
    const G = this.regionsAt(t).weights.length, out = new Float64Array(rows * G);
    for (let s = 0; s < rows; s += ev.capacity) {
      const b = Math.min(ev.capacity, rows - s);
      ev.x.set(z.subarray(s * this.dim, (s + b) * this.dim));
      out.set(ev.gates(b, t), s * G);
    }
    return out;
  }

  /** The region set in use at time t: the regions, or with a ladder the set of the last level at or below t (the first level's below it). */
  regionsAt(t: number): Regions {
    return regionSet(this, this.levels[levelBelow(this.levels.map((lv) => lv.t), t)].set);
  }

  /**
   * log p̂(x) in DATA units for one point or many rows: the probability-flow ODE from 0 to T
   * with the exact divergence, against the sampler's Gaussian start at T (src/flow.ts), plus
   * the map's Jacobian −n·log σ₀ and the compressed columns' Σ log dy/dx. A finite number wherever the point is within EVAL_MAX
   * (1e100) noise scales of the model's centre; −Infinity beyond, where the model does not
   * evaluate (its density there is below anything a double holds); never NaN.
   */
  logpdf(points: Points, options?: LogpdfOptions): Float64Array {
    const { z, finish } = this.logpdfInput(points);
    return finish(flowLogpdf(this, z, options));
  }

  /**
   * logpdf in two halves, for a caller that runs the flow elsewhere (src/density.ts, on a
   * pool): the points in model units (those beyond EVAL_MAX at the centre), and what turns
   * their log p̂ in model units into logpdf's (the Jacobian; −Infinity for the far rows).
   */
  logpdfInput(points: Points): { z: Float64Array; finish: (lp: Float64Array) => Float64Array } {
    const pts = toPoints(points, this.dim, "points"), n = this.dim;
    const squeeze = this.compressed.length ? compressionLogJacobian(this.compressed, pts, pts.length / n, n) : null;
    const z = this.mapped(pts);
    const far: number[] = [];
    for (let r = 0; r < z.length / n; r++) {
      if (beyond(z, n, r) < 0) continue;
      far.push(r);
      z.fill(0, r * n, r * n + n); // evaluated at the centre, then set to −Infinity
    }
    const j = n * Math.log(this.map.scale);
    return {
      z,
      finish: (lp) => {
        for (let i = 0; i < lp.length; i++) lp[i] -= j;
        if (squeeze) for (let i = 0; i < lp.length; i++) lp[i] += squeeze[i];
        for (const r of far) lp[r] = -Infinity;
        return lp;
      },
    };
  }

  /**
   * The weights, means and covariances (data units) of a discrete mixture with k found from
   * the score's fixed points, or { k: null, reason } when no finite mixture fits
   * (src/components.ts). With covariance gates, the regions themselves — the Gaussian
   * mixture the gates describe, refined by EM — whatever the options (they steer the mean
   * shift, which is not used). Default options are computed once and kept.
   */
  components(options?: ComponentsOptions): Components {
    if (options !== undefined && this.gating !== "covariance") return this.inData(findComponents(this, options));
    return (this.cache.shown ??= this.inData(this.found()));
  }

  /** The most probable component (index into components().means) of each row (data units). */
  predict(x: Points): Int32Array {
    return predict(this.discrete("predict"), this.toModel(x), this.dim);
  }

  /** Posterior probabilities of the components, rows × k row-major. */
  predictProba(x: Points): Float64Array {
    return predictProba(this.discrete("predictProba"), this.toModel(x), this.dim);
  }

  /** An evaluator of its own for `capacity` rows (the flow and components keep theirs). */
  evaluator(capacity: number): Evaluator {
    return new Evaluator(this.kernels.create(), this, capacity);
  }

  private matrices(): { A: Float64Array; inv: Float64Array } {
    if (!this.cache.A) Object.assign(this.cache, mapMatrices(this.map));
    return { A: this.cache.A!, inv: this.cache.inv! };
  }

  /** The components with default options, in model units: found once. */
  private found(): Components {
    return (this.cache.found ??= this.gating === "covariance" ? regionComponents(this) : findComponents(this));
  }

  /**
   * Components in model units, reported in data units: means b + σ₀Mμ, covariances σ₀M S σ₀Mᵀ
   * (S = I unless given). A compressed column's mean is expanded (the component's median there,
   * the map being monotone) and its covariance rows and columns scaled by dx/dy at that mean:
   * the component's local spread, since it is not Gaussian in data units.
   */
  private inData(c: Components): Components {
    const n = this.dim, { A } = this.matrices();
    const data = (p: number[]) => Array.from(this.fromModel(p));
    const modes = c.modes.map(data);
    if (c.k === null) return { ...c, modes };
    const identity = Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
    const cov = (S: number[]) => {
      const AS = new Array<number>(n * n).fill(0), out = new Array<number>(n * n).fill(0);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) AS[i * n + j] += A[i * n + k] * S[k * n + j];
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) out[i * n + j] += AS[i * n + k] * A[j * n + k];
      return out;
    };
    const unit = c.covariances ? undefined : cov(identity); // N(μ, I) components share σ₀²MMᵀ
    const means = c.means.map(data);
    const local = (S: number[], mean: number[]) => {
      for (const { column: i, centre, scale } of this.compressed) {
        const d = Math.hypot(1, (mean[i] - centre) / scale); // dx/dy = cosh((y − c)/s)
        for (let j = 0; j < n; j++) {
          S[i * n + j] *= d;
          S[j * n + i] *= d;
        }
      }
      return S;
    };
    return { ...c, means, covariances: c.means.map((_, j) => local(unit ? unit.slice() : cov(c.covariances![j]), means[j])), modes };
  }

  private discrete(what: string): Components & { k: number } {
    const c = this.found();
    if (c.k === null) throw new ModelError(`${what}: ${c.reason}`);
    return c;
  }

  private evaluate(pts: Float64Array, t: number, withDiv: boolean) {
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0) throw new ModelError(`t must be a finite number ≥ 0, got ${t}`);
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
