/**
 * Evaluates a model's residual r̂_t at any t in a batch, on one kernel instance: all levels
 * are packed into the instance's arena once. Between fitted levels the coefficients of
 * E[μ|x] = r̂/a are interpolated linearly in log t (algorithm.md, "Noise ladder") into one
 * blended level, so each evaluation is one kernel call with gates exact at t. A ladder's two
 * levels with different region sets cannot share one level: there the two levels' residuals
 * (each with its own gates, exact at t) are blended with the same weights — two kernel calls.
 */
import type { Arena, ArenaSpec, Kernels, U32 } from "./kernels/types.ts";
import { blendLevels, levelBelow, packedLength, packLevel, shapeOf, workSize, type Gating, type Regions, type Shape } from "./level.ts";
import type { ModelData } from "./model-file.ts";
import { multiIndexTable } from "./basis.ts";
import type { KernelSource } from "./kernels/index.ts";

/** What the flow and the components read of a model (ScoreModel is one): its data, its kernels, evaluators of its own and the residual in model units. */
export interface EvaluableModel extends ModelData {
  readonly kernels: KernelSource;
  evaluator(capacity: number): Evaluator;
  residual(z: Float64Array, t: number): Float64Array;
}

export class Evaluator<S extends ArenaSpec = ArenaSpec> {
  readonly extra: Arena<S>; // caller-named buffers in the same arena (e.g. clean rows to noise)
  readonly x: Float64Array; // the batch the caller fills (or the particles, for the sampler)
  readonly r: Float64Array; // residual out
  readonly div: Float64Array; // divergence out
  readonly state: U32; // a PRNG stream for callers that step particles
  private readonly blend: Float64Array;
  private readonly gamma: Float64Array;
  private readonly cbar: Float64Array;
  private readonly levels: Float64Array[];
  private readonly sets: { regions: Regions; shape: Shape }[];
  private readonly setOf: number[];
  private readonly r2: Float64Array; // the second residual of a blend across region sets
  private readonly div2: Float64Array;
  private readonly gating: Gating;
  private readonly table: Int32Array;
  private readonly work: Float64Array;
  private readonly ts: number[];

  constructor(readonly kernels: Kernels, private readonly model: ModelData, readonly capacity: number, extra?: S) {
    // One frame width for all region sets, so that one multi-index table serves every level.
    const all = [model.regions, ...(model.ladder ?? [])];
    const rmax = Math.max(0, ...all.flatMap((r) => r.ranks));
    this.sets = all.map((regions) => ({ regions, shape: shapeOf(regions, model.degree, rmax) }));
    this.setOf = model.levels.map((lv) => lv.set ?? 0);
    this.gating = model.gating;
    const lens = this.sets.map((s) => packedLength(s.shape)), len = Math.max(...lens), n = model.dim, L = model.levels.length;
    const G = Math.max(...this.sets.map((s) => s.shape.G));
    const table = multiIndexTable(rmax, model.degree);
    const arena = kernels.arena({
      levels: ["f64", len * L], blend: ["f64", len], table: ["i32", table.length], work: ["f64", Math.max(...this.sets.map((s) => workSize(s.shape)))],
      x: ["f64", capacity * n], r: ["f64", capacity * n], div: ["f64", capacity], r2: ["f64", capacity * n], div2: ["f64", capacity], state: ["u32", 4],
      gamma: ["f64", capacity * G], cbar: ["f64", capacity * n], ...(extra ?? {}),
    });
    this.extra = arena as unknown as Arena<S>;
    this.levels = model.levels.map((lv, l) => {
      const { regions, shape } = this.sets[this.setOf[l]];
      const view = arena.levels.subarray(l * len, l * len + packedLength(shape));
      packLevel(view, shape, regions, lv.t, this.gating, lv);
      return view;
    });
    arena.table.set(table);
    this.table = arena.table;
    this.work = arena.work;
    this.blend = arena.blend;
    this.x = arena.x; this.r = arena.r; this.div = arena.div; this.r2 = arena.r2; this.div2 = arena.div2;
    this.gamma = arena.gamma; this.cbar = arena.cbar;
    this.state = arena.state;
    this.ts = model.levels.map((lv) => lv.t);
  }

  /** The gates γ_g at time t of the first m rows of x: a fresh array, m × regions (with a ladder: the regions of the level below t). */
  gates(m: number, t: number): Float64Array {
    const { regions, shape } = this.sets[this.setOf[levelBelow(this.ts, t)]];
    packLevel(this.blend, shape, regions, t, this.gating);
    this.kernels.gates(m, this.x, this.blend, this.gamma, this.cbar);
    return this.gamma.slice(0, m * shape.G);
  }

  /** r̂_t at the first m rows of x into r (and ∇·r̂_t into div when withDiv). */
  residual(m: number, t: number, withDiv = false): void {
    const { ts } = this;
    const lo = levelBelow(ts, t), hi = Math.min(lo + 1, ts.length - 1);
    const a = Math.exp(-t), x = this.sets[this.setOf[lo]];
    let level = this.levels[lo];
    if (t === ts[lo] || t < ts[0] || lo === hi) {
      // On a level, or outside the ladder: hold E[μ|x] = r̂/a of the nearest level.
      const c = a / Math.exp(-ts[lo]);
      if (c !== 1) {
        blendLevels(this.blend, x.shape, x.regions, ts[lo], this.gating, level, level, 0, c, 0);
        level = this.blend;
      }
    } else {
      const w = (Math.log(t) - Math.log(ts[lo])) / (Math.log(ts[hi]) - Math.log(ts[lo]));
      const cx = (a / Math.exp(-ts[lo])) * (1 - w), cy = (a / Math.exp(-ts[hi])) * w;
      if (this.setOf[hi] !== this.setOf[lo]) {
        // Different region sets: r̂ = cx·r̂_lo + cy·r̂_hi, each level's gates exact at t.
        const y = this.sets[this.setOf[hi]];
        blendLevels(this.blend, y.shape, y.regions, t, this.gating, this.levels[hi], this.levels[hi], 0, cy, 0);
        this.kernels.residual(m, this.x, this.blend, this.table, this.r2, this.div2, withDiv ? 1 : 0, this.work);
        blendLevels(this.blend, x.shape, x.regions, t, this.gating, level, level, 0, cx, 0);
        this.kernels.residual(m, this.x, this.blend, this.table, this.r, this.div, withDiv ? 1 : 0, this.work);
        for (let k = 0; k < m * this.model.dim; k++) this.r[k] += this.r2[k];
        if (withDiv) for (let k = 0; k < m; k++) this.div[k] += this.div2[k];
        return;
      }
      blendLevels(this.blend, x.shape, x.regions, t, this.gating, this.levels[lo], this.levels[hi], w, cx, cy);
      level = this.blend;
    }
    this.kernels.residual(m, this.x, level, this.table, this.r, this.div, withDiv ? 1 : 0, this.work);
  }
}

