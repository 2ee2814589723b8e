/**
 * Evaluates a model's residual r̂_t at any t in a batch, on one kernel instance: all levels
 * are packed into the instance's arena once. Between fitted levels the coefficients of
 * E[μ|x] = r̂/a are interpolated linearly in log t (algorithm.md, "Noise ladder") into one
 * blended level, so each evaluation is one kernel call with gates exact at t.
 */
import type { Arena, ArenaSpec, Kernels, U32 } from "./kernels/types.ts";
import { blendLevels, packedLength, packLevel, shapeOf, workSize, type Gating, type Shape } from "./level.ts";
import type { ModelData } from "./model.ts";
import { multiIndexTable } from "./basis.ts";

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
  private readonly shape: Shape;
  private readonly gating: Gating;
  private readonly table: Int32Array;
  private readonly work: Float64Array;
  private readonly ts: number[];

  constructor(readonly kernels: Kernels, private readonly model: ModelData, readonly capacity: number, extra?: S) {
    const shape = (this.shape = shapeOf(model.regions, model.degree));
    this.gating = model.gating;
    const len = packedLength(shape), n = model.dim, L = model.levels.length;
    const table = multiIndexTable(shape.rmax, shape.D);
    const arena = kernels.arena({
      levels: ["f64", len * L], blend: ["f64", len], table: ["i32", table.length], work: ["f64", workSize(shape)],
      x: ["f64", capacity * n], r: ["f64", capacity * n], div: ["f64", capacity], state: ["u32", 4],
      gamma: ["f64", capacity * shape.G], cbar: ["f64", capacity * n], ...(extra ?? {}),
    });
    this.extra = arena as unknown as Arena<S>;
    this.levels = model.levels.map((lv, l) => {
      const view = arena.levels.subarray(l * len, (l + 1) * len);
      packLevel(view, shape, model.regions, lv.t, this.gating, lv);
      return view;
    });
    arena.table.set(table);
    this.table = arena.table;
    this.work = arena.work;
    this.blend = arena.blend;
    this.x = arena.x; this.r = arena.r; this.div = arena.div;
    this.gamma = arena.gamma; this.cbar = arena.cbar;
    this.state = arena.state;
    this.ts = model.levels.map((lv) => lv.t);
  }

  /** The gates γ_g at time t of the first m rows of x: a fresh array, m × regions. */
  gates(m: number, t: number): Float64Array {
    packLevel(this.blend, this.shape, this.model.regions, t, this.gating);
    this.kernels.gates(m, this.x, this.blend, this.gamma, this.cbar);
    return this.gamma.slice(0, m * this.shape.G);
  }

  /** r̂_t at the first m rows of x into r (and ∇·r̂_t into div when withDiv). */
  residual(m: number, t: number, withDiv = false): void {
    const { ts } = this;
    const L = ts.length;
    let lo = 0;
    while (lo < L - 1 && ts[lo + 1] <= t) lo++;
    const hi = Math.min(lo + 1, L - 1);
    const a = Math.exp(-t);
    let level = this.levels[lo];
    if (t === ts[lo] || t < ts[0] || lo === hi) {
      // On a level, or outside the ladder: hold E[μ|x] = r̂/a of the nearest level.
      const c = a / Math.exp(-ts[lo]);
      if (c !== 1) {
        blendLevels(this.blend, this.shape, this.model.regions, ts[lo], this.gating, level, level, 0, c, 0);
        level = this.blend;
      }
    } else {
      const w = (Math.log(t) - Math.log(ts[lo])) / (Math.log(ts[hi]) - Math.log(ts[lo]));
      const cx = (a / Math.exp(-ts[lo])) * (1 - w), cy = (a / Math.exp(-ts[hi])) * w;
      blendLevels(this.blend, this.shape, this.model.regions, t, this.gating, this.levels[lo], this.levels[hi], w, cx, cy);
      level = this.blend;
    }
    this.kernels.residual(m, this.x, level, this.table, this.r, this.div, withDiv ? 1 : 0, this.work);
  }
}

