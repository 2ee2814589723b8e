/**
 * Evaluates a model's residual r̂_t at any t in a batch, on one kernel instance: all levels
 * are packed into the instance's arena once. Between fitted levels E[μ|x] = r̂/a is
 * interpolated linearly in log t (algorithm.md, "Noise ladder").
 */
import type { Arena, ArenaSpec, Kernels, U32 } from "./kernels/types.ts";
import { packedLength, packLevel, shapeOf, workSize } from "./level.ts";
import type { ScoreModel } from "./model.ts";
import { multiIndexTable } from "./basis.ts";

export class Evaluator<S extends ArenaSpec = ArenaSpec> {
  readonly extra: Arena<S>; // caller-named buffers in the same arena (e.g. clean rows to noise)
  readonly x: Float64Array; // the batch the caller fills (or the particles, for the sampler)
  readonly r: Float64Array; // residual out
  readonly div: Float64Array; // divergence out
  readonly state: U32; // a PRNG stream for callers that step particles
  private readonly r2: Float64Array;
  private readonly div2: Float64Array;
  private readonly levels: Float64Array[];
  private readonly table: Int32Array;
  private readonly work: Float64Array;
  private readonly ts: number[];

  constructor(private readonly kernels: Kernels, model: ScoreModel, readonly capacity: number, extra?: S) {
    const shape = shapeOf(model.regions, model.degree);
    const len = packedLength(shape), n = model.dim, L = model.levels.length;
    const table = multiIndexTable(shape.rmax, shape.D);
    const arena = kernels.arena({
      levels: ["f64", len * L], table: ["i32", table.length], work: ["f64", workSize(shape)],
      x: ["f64", capacity * n], r: ["f64", capacity * n], r2: ["f64", capacity * n],
      div: ["f64", capacity], div2: ["f64", capacity], state: ["u32", 4], ...(extra ?? {}),
    });
    this.extra = arena as unknown as Arena<S>;
    this.levels = model.levels.map((lv, l) => {
      const view = arena.levels.subarray(l * len, (l + 1) * len);
      packLevel(view, shape, model.regions, lv.t, model.gates === "hard", lv);
      return view;
    });
    arena.table.set(table);
    this.table = arena.table;
    this.work = arena.work;
    this.x = arena.x; this.r = arena.r; this.r2 = arena.r2; this.div = arena.div; this.div2 = arena.div2;
    this.state = arena.state;
    this.ts = model.levels.map((lv) => lv.t);
  }

  /** r̂_t at the first m rows of x into r (and ∇·r̂_t into div when withDiv). */
  residual(m: number, t: number, withDiv = false): void {
    const { ts } = this;
    const L = ts.length, n = this.x.length / this.capacity;
    let lo = 0;
    while (lo < L - 1 && ts[lo + 1] <= t) lo++;
    const hi = Math.min(lo + 1, L - 1);
    const w = t <= ts[0] || lo === hi ? 0 : Math.min(1, (Math.log(t) - Math.log(ts[lo])) / (Math.log(ts[hi]) - Math.log(ts[lo])));
    const a = Math.exp(-t);
    const k = this.kernels, d = withDiv ? 1 : 0;
    k.residual(m, this.x, this.levels[lo], this.table, this.r, this.div, d, this.work);
    const c0 = (a / Math.exp(-ts[lo])) * (1 - w);
    if (w === 0) {
      if (c0 !== 1) scale(this.r, m * n, c0, this.div, withDiv ? m : 0);
      return;
    }
    k.residual(m, this.x, this.levels[hi], this.table, this.r2, this.div2, d, this.work);
    const c1 = (a / Math.exp(-ts[hi])) * w;
    for (let i = 0; i < m * n; i++) this.r[i] = c0 * this.r[i] + c1 * this.r2[i];
    if (withDiv) for (let i = 0; i < m; i++) this.div[i] = c0 * this.div[i] + c1 * this.div2[i];
  }
}

function scale(r: Float64Array, len: number, c: number, div: Float64Array, dlen: number): void {
  for (let i = 0; i < len; i++) r[i] *= c;
  for (let i = 0; i < dlen; i++) div[i] *= c;
}
