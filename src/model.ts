/**
 * A fitted score: regions shared by all levels, one coefficient set per noise level, and
 * the data's first two moments (for the sampler's start). Read-only once built; saved as
 * versioned JSON and validated on load.
 */
import { createKernels, defaultBackend, type Backend } from "./kernels/index.ts";
import { Evaluator } from "./evaluator.ts";
import { toPoints } from "./dataset.ts";
import { basisSize } from "./basis.ts";
import type { Level, Regions } from "./level.ts";
import { flowLogpdf, type LogpdfOptions } from "./flow.ts";
import { findComponents, predict, predictProba, type Components, type ComponentsOptions } from "./components.ts";

export const MODEL_FORMAT = "diffmix-model";
export const MODEL_VERSION = 1;

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

export class ModelError extends Error {}

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
  backend: Backend = defaultBackend();

  constructor(data: ModelData) {
    Object.assign(this, data);
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

  private cachedComponents?: Components;

  /**
   * The weights and means of a discrete mixture with k found from the score's fixed points,
   * or { k: null, reason } when no finite mixture fits (src/components.ts). Default options
   * are computed once and kept.
   */
  components(options?: ComponentsOptions): Components {
    if (options !== undefined) return findComponents(this, options);
    return (this.cachedComponents ??= findComponents(this));
  }

  /** The most probable component (index into components().means) of each row. */
  predict(x: number[] | number[][] | Float64Array): Int32Array {
    return predict(this.discrete("predict"), toPoints(x, this.dim), this.dim);
  }

  /** Posterior probabilities of the components, rows × k row-major (identity covariances). */
  predictProba(x: number[] | number[][] | Float64Array): Float64Array {
    return predictProba(this.discrete("predictProba"), toPoints(x, this.dim), this.dim);
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
    const batch = Math.max(1, Math.min(rows, 4096));
    const ev = new Evaluator(createKernels(this.backend), this, batch);
    const r = new Float64Array(rows * n), div = new Float64Array(rows);
    for (let s = 0; s < rows; s += batch) {
      const b = Math.min(batch, rows - s);
      ev.x.set(pts.subarray(s * n, (s + b) * n));
      ev.residual(b, Math.max(t, 0), withDiv);
      r.set(ev.r.subarray(0, b * n), s * n);
      if (withDiv) div.set(ev.div.subarray(0, b), s);
    }
    return { r, div };
  }

  toJSON(): Record<string, unknown> {
    const { dim, degree, gates, tMin, T, regions, levels, moments, config, selection } = this;
    return { format: MODEL_FORMAT, version: MODEL_VERSION, dim, degree, gates, tMin, T, regions, levels, moments, config, selection };
  }

  /** Parse and validate; `where` names the source in messages (e.g. a file name). */
  static fromJSON(json: unknown, where = "model"): ScoreModel {
    const v = new Validator(where);
    const o = v.object(json, "");
    if (o.format !== MODEL_FORMAT) v.fail("format", `expected "${MODEL_FORMAT}", got ${JSON.stringify(o.format)}`);
    if (o.version !== MODEL_VERSION) v.fail("version", `unsupported version ${JSON.stringify(o.version)} (this diffmix reads version ${MODEL_VERSION})`);
    const n = v.int(o.dim, "dim", 1);
    const degree = v.int(o.degree, "degree", 0);
    const gates = o.gates === "soft" || o.gates === "hard" ? o.gates : v.fail("gates", `expected "soft" or "hard"`);
    const tMin = v.num(o.tMin, "tMin"), T = v.num(o.T, "T");
    const rg = v.object(o.regions, "regions");
    const G = v.array(rg.weights, "regions.weights").length;
    if (G < 1) v.fail("regions.weights", "expected at least one region");
    if (v.int(rg.dim, "regions.dim", 1) !== n) v.fail("regions.dim", `is ${rg.dim} but dim is ${n}`);
    const regions: Regions = {
      dim: n,
      weights: v.numbers(rg.weights, "regions.weights", G),
      ranks: v.array(rg.ranks, "regions.ranks").map((r, g) => v.int(r, `regions.ranks[${g}]`, 0, n)),
      centres: v.array(rg.centres, "regions.centres").map((c, g) => v.numbers(c, `regions.centres[${g}]`, n)),
      frames: v.array(rg.frames, "regions.frames").map((c, g) => v.numbers(c, `regions.frames[${g}]`, n * n)),
      spreads: v.array(rg.spreads, "regions.spreads").map((c, g) => v.numbers(c, `regions.spreads[${g}]`, n)),
    };
    for (const key of ["ranks", "centres", "frames", "spreads"] as const) {
      if (regions[key].length !== G) v.fail(`regions.${key}`, `has ${regions[key].length} entries, expected ${G}`);
    }
    const levels = v.array(o.levels, "levels").map((raw, l): Level => {
      const lv = v.object(raw, `levels[${l}]`);
      const at = (k: string, g: number) => `levels[${l}].${k}[${g}]`;
      const lo = v.array(lv.lo, `levels[${l}].lo`), hi = v.array(lv.hi, `levels[${l}].hi`), W = v.array(lv.W, `levels[${l}].W`);
      if (lo.length !== G || hi.length !== G || W.length !== G) v.fail(`levels[${l}]`, `expected lo, hi and W for ${G} regions`);
      return {
        t: v.num(lv.t, `levels[${l}].t`),
        lo: lo.map((x, g) => v.numbers(x, at("lo", g), regions.ranks[g])),
        hi: hi.map((x, g) => v.numbers(x, at("hi", g), regions.ranks[g])),
        W: W.map((x, g) => v.numbers(x, at("W", g), n * basisSize(regions.ranks[g], degree))),
      };
    });
    if (levels.length < 1) v.fail("levels", "expected at least one level");
    levels.forEach((lv, l) => l > 0 && !(lv.t > levels[l - 1].t) && v.fail(`levels[${l}].t`, "levels must have increasing t"));
    const mo = v.object(o.moments, "moments");
    const moments = { mean: v.numbers(mo.mean, "moments.mean", n), cov: v.numbers(mo.cov, "moments.cov", n * n) };
    const config = o.config && typeof o.config === "object" ? (o.config as Record<string, unknown>) : {};
    const selection = Array.isArray(o.selection) ? (o.selection as Candidate[]) : [];
    return new ScoreModel({ dim: n, degree, gates, tMin, T, regions, levels, moments, config, selection });
  }
}

class Validator {
  constructor(private readonly where: string) {}
  fail(path: string, msg: string): never {
    throw new ModelError(`${this.where}: ${path ? `"${path}" ` : ""}${msg}`);
  }
  object(x: unknown, path: string): Record<string, unknown> {
    if (!x || typeof x !== "object" || Array.isArray(x)) this.fail(path, "expected a JSON object");
    return x as Record<string, unknown>;
  }
  array(x: unknown, path: string): unknown[] {
    if (!Array.isArray(x)) this.fail(path, "expected an array");
    return x as unknown[];
  }
  num(x: unknown, path: string): number {
    if (typeof x !== "number" || !Number.isFinite(x)) this.fail(path, `expected a finite number, got ${JSON.stringify(x)}`);
    return x as number;
  }
  int(x: unknown, path: string, min: number, max = Infinity): number {
    if (!Number.isInteger(x) || (x as number) < min || (x as number) > max) this.fail(path, `expected an integer in [${min}, ${max}], got ${JSON.stringify(x)}`);
    return x as number;
  }
  numbers(x: unknown, path: string, len: number): number[] {
    const a = this.array(x, path);
    if (a.length !== len) this.fail(path, `expected ${len} numbers, got ${a.length} (wrong dimension?)`);
    a.forEach((v, i) => (typeof v !== "number" || !Number.isFinite(v)) && this.fail(`${path}[${i}]`, `expected a finite number, got ${JSON.stringify(v)}`));
    return a as number[];
  }
}
