/**
 * The level system (algorithm.md, "Fitting one level"): for each noise level the
 * Stein-corrected normal equations G θ = a E[ψ·x₀] − a² E[∇·ψ] over all regions jointly.
 *
 *   plan        regions, degree, the levels' times and clip boxes: everything fixed before
 *               the rows are read (makePlan)
 *   accumulate  rows → stats: plain sums with their row count, typed arrays
 *   merge       stats + stats (shards, threads, chunks: sums add)
 *   solve       plan + stats → the level's coefficients
 *
 * Each row's noise comes from the seed, the level and the row's index (its `id`: its place in
 * the data as given), so the sums do not depend on how the rows are split or ordered (up to
 * rounding). Within a chunk, rows go through the kernels in
 * blocks: OU noise, gates, design block, Gram; the Gram of consecutive blocks with the same
 * active groups is summed in place and handed out as one record when the active set changes.
 */
import type { Kernels } from "./kernels/types.ts";
import { multiIndexTable } from "./basis.ts";
import { frameScale, groupLayout, packedLength, packLevel, regionSet, shapeOf, workSize, type Gating, type Level, type Regions, type Shape } from "./level.ts";
import { streamState } from "./random.ts";
import { CHUNK_ROWS } from "./pool.ts";

export const BLOCK = 256;
const LD = BLOCK + 8; // a power-of-two column stride aliases cache sets (perf-notes.md)
const PILOT = 4096; // rows that set the clip boxes
/** The "box" of degree ≤ 1: no clipping, in finite numbers (local coordinates are far below it). */
const UNBOXED = 1e12;

export interface LevelPlan {
  /** The regions (with a ladder: the lowest levels' set). */
  regions: Regions;
  /** regions: "ladder" (src/regions.ts): the coarser sets of the levels above, level.set k ≥ 1 using ladder[k − 1]; null for fixed regions. */
  ladder: Regions[] | null;
  degree: number;
  gates: Gating;
  seed: number;
  /** Relative ridge ρ_k = ridge · G_kk. */
  ridge: number;
  /** Per level: its time, the clip box of local coordinates and its region set (Level without W). */
  levels: { t: number; lo: number[][]; hi: number[][]; set?: number }[];
}

/**
 * One level's sums over `rows` rows: S (scalar-feature Gram, P×P, upper), Rx, Rc (P×n), csum (P),
 * dsum (P×rmax), qsum (P×n: the covariance gates' curvature term, see curvatureSums; zero otherwise).
 */
export interface LevelSums {
  rows: number;
  S: Float64Array;
  Rx: Float64Array;
  Rc: Float64Array;
  csum: Float64Array;
  dsum: Float64Array;
  qsum: Float64Array;
}

/** Gram of [1, x0, cbar, γ_g φ_f for the active groups] over consecutive rows (cols × cols, upper). */
export interface GramRecord {
  active: Int32Array;
  gc: Float64Array;
}

/** One chunk's sums, compact: a Gram record per run of blocks with the same active groups. */
export interface ChunkStats {
  rows: number;
  records: GramRecord[];
  dsum: Float64Array; // Σ γ_g ∂φ_f/∂u_j clip_j, [(foff_g + f)*rmax + j]
  qsum: Float64Array; // Σ γ_g φ_f (q_g − q̄)_i, [(foff_g + f)*n + i] (covariance gates; else empty)
}

/** The rows a job accumulates: x0 (m×n) in chunks of CHUNK_ROWS; row k's id is ids[k], or firstRow + k. */
export interface ChunkSpec {
  x0: Float64Array;
  m: number;
  ids?: Float64Array;
  firstRow: number;
  regions: Regions;
  degree: number;
  seed: number;
}

export interface ChunkParams {
  level: Float64Array; // the packed level (src/level.ts) with its clip box
  l: number; // the level's index: names the noise streams
  a: number;
  sigma: number;
}

const levelTime = (t: number) => ({ a: Math.exp(-t), sigma: Math.sqrt(-Math.expm1(-2 * t)) });

// ---------------------------------------------------------------------------------------
// Plan

/**
 * The plan of a fit: regions, degree, and per level the box of local coordinates seen there
 * (gate-weighted 0.5%–99.5% quantiles over noised pilot rows; outside it polynomials of degree
 * ≥ 2 are held constant, since they explode beyond their data: degree 10 unclipped was 50× worse
 * at t = 1.5). Degree ≤ 1 has no box: an affine residual extrapolates safely (a Gaussian's
 * score is affine), and holding it constant cost the tails their likelihood — 0.36 nats on each
 * row beyond 2.5 sd of one Gaussian, 0.5 nats per row on iris (bench/RESULTS.md, "realdata").
 */
export function makePlan(kernels: Kernels, sets: Regions[], setOf: number[] | null, degree: number, ts: number[], x: Float64Array, m: number,
  o: { gates: Gating; seed: number; ridge: number }): LevelPlan {
  const setAt = (l: number) => (setOf ? setOf[l] : 0), regionsAt = (l: number) => sets[setAt(l)];
  const head = { regions: sets[0], ladder: setOf ? sets.slice(1) : null, degree, gates: o.gates, seed: o.seed, ridge: o.ridge };
  const withSet = (l: number) => (setOf ? { set: setOf[l] } : {});
  if (degree <= 1) {
    const box = (l: number, v: number) => regionsAt(l).ranks.map((r) => new Array<number>(r).fill(v));
    return { ...head, levels: ts.map((t, l) => ({ t, lo: box(l, -UNBOXED), hi: box(l, UNBOXED), ...withSet(l) })) };
  }
  const shapes = sets.map((r) => shapeOf(r, degree)), n = shapes[0].n;
  const pilot = Math.min(m, PILOT);
  const A = kernels.arena({
    level: ["f64", Math.max(...shapes.map(packedLength))], state: ["u32", 4],
    px0: ["f64", pilot * n], pxt: ["f64", pilot * n], pgamma: ["f64", pilot * Math.max(...shapes.map((s) => s.G))], pcbar: ["f64", pilot * n],
  });
  for (let k = 0; k < pilot; k++) {
    const row = Math.floor((k * m) / pilot);
    A.px0.set(x.subarray(row * n, row * n + n), k * n);
  }
  const levels = ts.map((t, l) => {
    const { a, sigma } = levelTime(t);
    const regions = regionsAt(l), shape = shapes[setAt(l)], G = shape.G;
    packLevel(A.level, shape, regions, t, o.gates);
    A.state.set(streamState(o.seed, "clip", l));
    kernels.ouNoise(pilot * n, A.px0, a, sigma, A.state, A.pxt);
    kernels.gates(pilot, A.pxt, A.level, A.pgamma, A.pcbar);
    const lo: number[][] = [], hi: number[][] = [];
    for (let g = 0; g < G; g++) {
      const r = regions.ranks[g], E = regions.frames[g], c = regions.centres[g];
      lo.push([]);
      hi.push([]);
      for (let j = 0; j < r; j++) {
        const scale = frameScale(regions.spreads[g][j], a);
        const pts: [number, number][] = [];
        for (let k = 0; k < pilot; k++) {
          const w = A.pgamma[k * G + g];
          if (w <= 0) continue;
          let u = 0;
          for (let i = 0; i < n; i++) u += E[i * r + j] * (A.pxt[k * n + i] - a * c[i]);
          pts.push([u / scale, w]);
        }
        const [ql, qh] = weightedQuantiles(pts, 0.005, 0.995);
        lo[g].push(ql);
        hi[g].push(qh);
      }
    }
    return { t, lo, hi, ...withSet(l) };
  });
  return { ...head, levels };
}

function weightedQuantiles(pts: [number, number][], p0: number, p1: number): [number, number] {
  const total = pts.reduce((s, [, w]) => s + w, 0);
  if (!(total > 0)) return [-6, 6]; // a group no pilot row reaches: keep a generous box
  pts.sort((x, y) => x[0] - y[0]);
  let acc = 0, q0 = pts[0][0], q1 = pts[pts.length - 1][0];
  let found0 = false;
  for (const [u, w] of pts) {
    acc += w;
    if (!found0 && acc >= p0 * total) {
      q0 = u;
      found0 = true;
    }
    if (acc >= p1 * total) {
      q1 = u;
      break;
    }
  }
  return q0 < q1 ? [q0, q1] : [q0 - 1, q0 + 1];
}

/** Level l of the plan packed for the kernels (clip box included, W zero). */
export function packPlanLevel(plan: LevelPlan, l: number): ChunkParams {
  const lv = plan.levels[l], regions = regionSet(plan, lv.set), shape = shapeOf(regions, plan.degree);
  const level = new Float64Array(packedLength(shape));
  const W = shape.p.map((p) => new Array<number>(shape.n * p).fill(0));
  packLevel(level, shape, regions, lv.t, plan.gates, { ...lv, W });
  return { level, l, ...levelTime(lv.t) };
}

// ---------------------------------------------------------------------------------------
// Accumulate: one chunk of rows

export function chunkContext(spec: ChunkSpec, kernels: Kernels) {
  const shape = shapeOf(spec.regions, spec.degree);
  const { G, n, rmax, features: P } = shape;
  const table = multiIndexTable(rmax, shape.D);
  // Covariance gates append 2n columns (xt, q̄) after the features: see curvatureSums.
  const maxCols = 1 + 4 * n + P;
  const A = kernels.arena({
    x0: ["f64", CHUNK_ROWS * n], ids: ["f64", CHUNK_ROWS], key: ["u32", 4], xt: ["f64", BLOCK * n], gamma: ["f64", BLOCK * G], cbar: ["f64", BLOCK * n],
    phi: ["f64", LD * maxCols], gc: ["f64", maxCols * maxCols], dsum: ["f64", Math.max(1, P * rmax)],
    level: ["f64", packedLength(shape)], table: ["i32", table.length], active: ["i32", G], work: ["f64", workSize(shape)],
    state: ["u32", 4], curv: ["f64", BLOCK],
  });
  A.table.set(table);
  return { spec, shape, kernels, A, maxCols };
}
export type ChunkContext = ReturnType<typeof chunkContext>;

/** The sums of chunk c (rows c·CHUNK_ROWS … of the spec) at one level. */
export function chunkStats(ctx: ChunkContext, p: ChunkParams, c: number): ChunkStats {
  const { spec, shape, kernels, A, maxCols } = ctx;
  const { G, n } = shape;
  const start = c * CHUNK_ROWS, end = Math.min(spec.m, start + CHUNK_ROWS);
  A.level.set(p.level);
  A.x0.set(spec.x0.subarray(start * n, end * n));
  if (spec.ids) A.ids.set(spec.ids.subarray(start, end));
  else for (let k = start; k < end; k++) A.ids[k - start] = spec.firstRow + k;
  A.key.set(streamState(spec.seed, "fit-noise", p.l));
  A.dsum.fill(0);
  const shaped = p.level[6] === 2; // covariance gates (src/level.ts)
  const qsum = new Float64Array(shaped ? shape.features * n : 0);
  const records: GramRecord[] = [];
  let current: number[] = [];
  const flush = () => {
    if (current.length === 0) return;
    const cols = 1 + 2 * n + current.reduce((s, g) => s + shape.p[g], 0);
    const gc = new Float64Array(cols * cols);
    for (let i = 0; i < cols; i++) gc.set(A.gc.subarray(i * maxCols + i, i * maxCols + cols), i * cols + i);
    records.push({ active: Int32Array.from(current), gc });
    if (shaped) curvatureSums(A.gc, maxCols, cols, A.level, shape, current, qsum);
  };
  for (let s = start; s < end; s += BLOCK) {
    const b = Math.min(BLOCK, end - s);
    const x0 = A.x0.subarray((s - start) * n);
    kernels.ouNoiseRows(b, n, x0, p.a, p.sigma, A.key, A.ids.subarray(s - start), A.state, A.xt);
    kernels.gates(b, A.xt, A.level, A.gamma, A.cbar);
    const active: number[] = [];
    for (let g = 0; g < G; g++) {
      for (let k = 0; k < b; k++) {
        if (A.gamma[k * G + g] > 0) {
          active.push(g);
          break;
        }
      }
    }
    if (active.length !== current.length || active.some((g, k) => g !== current[k])) {
      flush();
      current = active;
      A.gc.fill(0);
    }
    A.active.set(active);
    kernels.designBlock(b, x0, A.xt, A.gamma, A.cbar, A.level, A.table, A.active, active.length, A.phi, LD, A.dsum, A.work);
    const cols = 1 + 2 * n + active.reduce((sum, g) => sum + shape.p[g], 0);
    if (shaped) kernels.curvatureColumns(b, A.xt, A.gamma, A.level, A.active, active.length, A.phi.subarray(cols * LD), LD, A.curv);
    kernels.gramAccumulate(b, shaped ? cols + 2 * n : cols, A.phi, LD, A.gc, maxCols);
  }
  flush();
  return { rows: end - start, records, dsum: A.dsum.slice(), qsum };
}

/**
 * Covariance gates (src/level.ts): ∇ log-gate_g = a·c_g + q_g − (a·c̄ + q̄), with
 * q_g = Σ_j κ_j d_j P_j (κ_j = 1 − 1/s_j², d_j = P_jᵀ(x − a·c_g), the frame coordinates) and
 * q̄ = Σ_h γ_h q_h. The a·c parts reach the Stein term through Rc and csum; qsum carries the rest,
 * Σ_rows γ_g φ_f (q_g − q̄)_i at [(foff_g + f)·n + i]. q_g is linear in x, so its part follows from
 * the Gram's products of the feature columns with the noised rows — per run of blocks, not per
 * row and feature (that loop in plain TypeScript was 13% of a diabetes fit). The design block
 * gains those 2n columns after the features: xt, then q̄ (the curvatureColumns kernel).
 */
/**
 * qsum += the curvature term of one run of blocks from its Gram gc (stride ld, upper; the
 * features in columns 1 + 2n … cols − 1, then xt and q̄): for feature F of group g,
 * Σ γ_g φ_f q_g = Σ_j κ_j P_j (P_jᵀ Σ γ_g φ_f x − a·P_jᵀc_g Σ γ_g φ_f), less Σ γ_g φ_f q̄.
 */
function curvatureSums(gc: Float64Array, ld: number, cols: number, level: Float64Array, shape: Shape, active: number[], qsum: Float64Array): void {
  const { n, rmax } = shape, a = level[5], X = cols, Q = cols + n;
  let col = 1 + 2 * n;
  for (const g of active) {
    const o = groupLayout(shape, g), r = level[o.b], F0 = shape.featureOffset[g];
    for (let f = 0; f < shape.p[g]; f++, col++) {
      const row = col * ld, out = (F0 + f) * n, mass = gc[col]; // gc[0·ld + col]: Σ γ_g φ_f
      for (let i = 0; i < n; i++) qsum[out + i] -= gc[row + Q + i];
      for (let j = 0; j < r; j++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += level[o.P + i * rmax + j] * (gc[row + X + i] - a * level[o.c + i] * mass);
        const kd = (1 - 1 / level[o.scale + j] ** 2) * d;
        for (let i = 0; i < n; i++) qsum[out + i] += kd * level[o.P + i * rmax + j];
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Sums: empty, add a chunk, merge

export function emptySums(plan: Pick<LevelPlan, "regions" | "degree">): LevelSums {
  const { features: P, n, rmax } = shapeOf(plan.regions, plan.degree);
  return {
    rows: 0, S: new Float64Array(P * P), Rx: new Float64Array(P * n), Rc: new Float64Array(P * n),
    csum: new Float64Array(P), dsum: new Float64Array(Math.max(1, P * rmax)), qsum: new Float64Array(P * n),
  };
}

/** sums += one chunk's records (in place). */
export function addChunk(sums: LevelSums, shape: Shape, stats: ChunkStats): void {
  const { S, Rx, Rc, csum } = sums;
  const { n, features: P } = shape;
  for (const { active, gc } of stats.records) {
    const glob: number[] = [];
    for (const g of active) for (let f = 0; f < shape.p[g]; f++) glob.push(shape.featureOffset[g] + f);
    const base = 1 + 2 * n, cols = base + glob.length;
    for (let c2 = 0; c2 < glob.length; c2++) {
      const F2 = glob[c2], col = base + c2;
      csum[F2] += gc[col];
      for (let i = 0; i < n; i++) {
        Rx[F2 * n + i] += gc[(1 + i) * cols + col];
        Rc[F2 * n + i] += gc[(1 + n + i) * cols + col];
      }
      for (let c1 = 0; c1 <= c2; c1++) S[glob[c1] * P + F2] += gc[(base + c1) * cols + col];
    }
  }
  for (let k = 0; k < stats.dsum.length; k++) sums.dsum[k] += stats.dsum[k];
  for (let k = 0; k < stats.qsum.length; k++) sums.qsum[k] += stats.qsum[k];
  sums.rows += stats.rows;
}

/** a + b: the sums of the union of their rows. */
export function mergeSums(a: LevelSums, b: LevelSums): LevelSums {
  const add = (x: Float64Array, y: Float64Array) => x.map((v, k) => v + y[k]);
  return { rows: a.rows + b.rows, S: add(a.S, b.S), Rx: add(a.Rx, b.Rx), Rc: add(a.Rc, b.Rc), csum: add(a.csum, b.csum), dsum: add(a.dsum, b.dsum), qsum: add(a.qsum, b.qsum) };
}

/**
 * The sums of level l over rows x0 (m×n) on this thread, chunk by chunk, added in order; the
 * rows' ids (which name their noise) are firstRow, firstRow + 1, …
 */
export function accumulateLevel(kernels: Kernels, plan: LevelPlan, l: number, x0: Float64Array, m: number, firstRow = 0): LevelSums {
  const regions = regionSet(plan, plan.levels[l].set);
  const ctx = chunkContext({ x0, m, firstRow, regions, degree: plan.degree, seed: plan.seed }, kernels);
  const params = packPlanLevel(plan, l), sums = emptySums({ regions, degree: plan.degree });
  for (let c = 0; c * CHUNK_ROWS < m; c++) addChunk(sums, ctx.shape, chunkStats(ctx, params, c));
  return sums;
}

// ---------------------------------------------------------------------------------------
// Solve

/**
 * The unknowns, in two parts: a constant vector per region in the standard basis (γ_g e_i: G·n
 * of them), then per region the frame polynomials of degree ≥ 1 (γ_g φ_f P_g[:, j], f ≥ 1, j < r_g).
 * Together they span what "polynomials along the frame, a constant across it" spans, without an
 * n×n frame: the constant feature φ₀ along P_g is part of the constant vector.
 */
function layout(regions: Regions, s: Shape) {
  const g: number[] = [], j: number[] = [], f: number[] = [];
  const { Np, Nc, path } = layoutSize(regions, s);
  regions.ranks.forEach((r, grp) => {
    for (let d = 0; d < r; d++) {
      for (let k = 1; k < s.p[grp]; k++) {
        g.push(grp);
        j.push(d);
        f.push(k);
      }
    }
  });
  return { g, j, f, Np, Nc, path };
}

/**
 * layout()'s sizes without its index arrays (one entry per unknown: gigabytes for a refused
 * full basis in 128-D), so that unknowns() and planBytes() can refuse before building them; and
 * solveLevel's path, the cheapest of three by multiply-adds (roughly):
 *   schur       constants first (their G×G block), the polynomials on its Schur complement
 *   whole       one dense factor of all Nc + Np unknowns
 *   complement  the unconstrained problem in the ambient coordinates, (S ⊗ Iₙ): one P×P factor,
 *               then the constraints "polynomials inside the frame" (Nperp of them) as multipliers
 * The first two are the earlier rule (schur when the constants outnumber the polynomials twice
 * over), kept where the third does not pay; the third pays when the frames fill most of the
 * space: diabetes' 3 regions of rank 10 in 10-D at degree 1 are a 33×33 factor and no
 * constraints, not a 330×330 system.
 */
function layoutSize(regions: Regions, s: Shape) {
  const { G, n, features: P } = s;
  const Np = regions.ranks.reduce((sum, r, grp) => sum + r * (s.p[grp] - 1), 0), Nc = G * n;
  const Nperp = regions.ranks.reduce((sum, r, grp) => sum + (n - r) * (s.p[grp] - 1), 0);
  // Regions whose complement is computed, counted at 9n³ each (an eigensolver's count, which it was
  // first measured with; its Gram–Schmidt takes at most 2n³).
  const framed = regions.ranks.filter((r, grp) => r < n && s.p[grp] > 1).length;
  const cost: Record<SolvePath, number> = {
    schur: (G ** 3 + Np ** 3) / 3 + G * G * (n + Np),
    whole: (Nc + Np) ** 3 / 3,
    complement: P ** 3 / 3 + P * P * (n + P - G) + Nperp ** 3 / 3 + Nperp * P * n + 9 * framed * n ** 3,
  };
  const classic: SolvePath = Np === 0 || Nc > 2 * Np ? "schur" : "whole";
  const path: SolvePath = Np > 0 && cost.complement < cost[classic] ? "complement" : classic;
  const order = path === "schur" ? Math.max(G, Np) : path === "whole" ? Nc + Np : Math.max(P, Nperp);
  return { Np, Nc, Nperp, path, order, cost: cost[path] };
}

export type SolvePath = "schur" | "whole" | "complement";

/**
 * The order of the largest matrix a level's solve factors (solveLevel's path, layoutSize). This,
 * not the G·n constants, is what the solve costs: 39 regions of 100-D data at degree 0 are a
 * 39×39 system, not 3900 unknowns.
 */
export function unknowns(regions: Regions, degree: number): number {
  return layoutSize(regions, shapeOf(regions, degree)).order;
}

/** Multiply-adds of one level's solve, roughly (the path layoutSize chooses). */
export function solveWork(regions: Regions, degree: number): number {
  return layoutSize(regions, shapeOf(regions, degree)).cost;
}

/**
 * Bytes a fit of these regions holds at its peak, roughly: every level's sums (emptySums), the
 * largest matrices of one level's solve (solveLevel's paths) and two copies of the rows.
 */
export function planBytes(regions: Regions, degree: number, levels: number, rows: number): number {
  const s = shapeOf(regions, degree), { features: P, n, G } = s;
  const sums = levels * (P * P + 3 * P * n + P + P * Math.max(1, s.rmax)); // S, Rx, Rc, qsum, csum, dsum
  const { Nc, Np, Nperp, path } = layoutSize(regions, s);
  const solve = path === "schur" ? G * G + G * (n + Np) + Np * Np : path === "whole" ? (Nc + Np) ** 2 : P * P + P * (n + P) + Nperp * Nperp + G * n * n;
  return 8 * (sums + solve + 2 * rows * n);
}

export class SystemError extends Error {}

/**
 * Level l's coefficients from its sums: the vector system over the unknowns of layout(),
 * assembled from the scalar-feature statistics (P_gᵀP_h carries group g's frame onto h's),
 * with the plan's relative ridge ρ·G_kk. The constants' block is S₀₀ ⊗ I_n (S₀₀: the Gram of the
 * gates, G×G), so with no polynomial unknowns it is one G×G Cholesky with n right-hand sides;
 * when the constants outnumber the polynomials (high n) the polynomials are solved on the Schur
 * complement of that block; otherwise the whole system is one dense Cholesky.
 *
 * With `above` (a solved level of the same regions at a larger t: the ladder's warm start) the
 * ridge shrinks toward that level's E[μ|x] — its coefficients × a/a_above — instead of toward 0.
 */
export function solveLevel(kernels: Kernels, plan: LevelPlan, l: number, sums: LevelSums, above?: Level, path?: SolvePath): Level {
  const regions = regionSet(plan, plan.levels[l].set), shape = shapeOf(regions, plan.degree);
  const { G, n, rmax, features: P } = shape;
  const U = layout(regions, shape), { Np, Nc } = U;
  path ??= U.path;
  const { t, lo, hi, set } = plan.levels[l];
  const { a } = levelTime(t);
  const m = sums.rows, soft = plan.gates !== "hard", ridge = plan.ridge;
  const { S, Rx, Rc, csum, dsum, qsum } = sums;
  const s = (F1: number, F2: number) => (F1 <= F2 ? S[F1 * P + F2] : S[F2 * P + F1]) / m;
  const F0 = (g: number) => shape.featureOffset[g];
  const Fp = (q: number) => shape.featureOffset[U.g[q]] + U.f[q];
  const frame = (g: number, i: number, j: number) => regions.frames[g][i * regions.ranks[g] + j];
  // Frame directions' dot products P_g[:, j1]·P_h[:, j2] (the regions', not the level's), once per
  // direction pair: the polynomial block reads each (p−1)² times, O(n) apiece recomputed (breast
  // cancer, 30-D with ranks to 16: 60% of a candidate's fit was that).
  const first = regions.ranks.reduce((o, r, g) => (o.push(o[g] + r), o), [0]), D = first[G];
  const dots = new Float64Array(Np > 0 && path !== "complement" ? D * D : 0); // the complement path does without
  for (let g = 0; g < G && dots.length > 0; g++) {
    for (let h = 0; h < G; h++) {
      for (let j1 = 0; j1 < regions.ranks[g]; j1++) {
        for (let j2 = 0; j2 < regions.ranks[h]; j2++) {
          let v = 0;
          for (let i = 0; i < n; i++) v += frame(g, i, j1) * frame(h, i, j2);
          dots[(first[g] + j1) * D + first[h] + j2] = v;
        }
      }
    }
  }
  const dotFrames = (g: number, h: number, j1: number, j2: number) => dots[(first[g] + j1) * D + first[h] + j2];
  // Right-hand sides: a E[ψ·x₀] − a² E[∇·ψ].
  const bc = new Float64Array(Nc), bp = new Float64Array(Np);
  for (let g = 0; g < G; g++) {
    const F = F0(g), c = regions.centres[g];
    for (let i = 0; i < n; i++) {
      const gateDiv = soft ? a * (c[i] * csum[F] - Rc[F * n + i]) + qsum[F * n + i] : 0;
      bc[g * n + i] = (a * Rx[F * n + i] - a * a * gateDiv) / m;
    }
  }
  for (let q = 0; q < Np; q++) {
    const g = U.g[q], j = U.j[q], F = Fp(q), c = regions.centres[g];
    let ex = 0, ec = 0, ecbar = 0, eq = 0;
    for (let i = 0; i < n; i++) {
      const e = frame(g, i, j);
      ex += e * Rx[F * n + i];
      ec += e * c[i];
      ecbar += e * Rc[F * n + i];
      eq += e * qsum[F * n + i];
    }
    const gateDiv = soft ? a * (ec * csum[F] - ecbar) + eq : 0;
    bp[q] = (a * ex - a * a * (gateDiv + dsum[F * rmax + j])) / m;
  }
  if (above) {
    // The ridge term ρ·diag·(θ − θ₀) moves ρ·diag·θ₀ to the right-hand side; θ₀ in layout()'s unknowns.
    const c = a / levelTime(above.t).a;
    for (let g = 0; g < G; g++) for (let i = 0; i < n; i++) bc[g * n + i] += ridge * s(F0(g), F0(g)) * c * above.W[g][i * shape.p[g]];
    for (let q = 0; q < Np; q++) {
      const g = U.g[q], p = shape.p[g];
      let theta = 0;
      for (let i = 0; i < n; i++) theta += frame(g, i, U.j[q]) * above.W[g][i * p + U.f[q]];
      bp[q] += ridge * s(Fp(q), Fp(q)) * c * theta;
    }
  }
  const fail = (status: number) => new SystemError(`fit: the normal equations at t=${t} are not positive definite (pivot ${status})`);
  const coupling = (gc: number, i: number, q: number) => s(F0(gc), Fp(q)) * frame(U.g[q], i, U.j[q]);
  let xc: Float64Array, xp: Float64Array;
  if (path === "schur") {
    // C = (S₀₀ ⊗ I_n)(1 + ρ) has scalar blocks and B's column q is s(·, q) ⊗ e_q (e_q: q's frame
    // direction), so C⁻¹B = y_q ⊗ e_q with y_q = S₀₀⁻¹s(·, q): one G×G factor with n + Np
    // right-hand sides, and BᵀC⁻¹B[q1, q2] = (s(·, q1)·y_q2)(e_q1·e_q2): O(Np²(G + n)), not O(Np²Gn).
    const cols = n + Np;
    const A = kernels.arena({ c0: ["f64", G * G], rhs: ["f64", G * cols] });
    let maxDiag = 0;
    for (let g = 0; g < G; g++) {
      for (let h = g; h < G; h++) A.c0[g * G + h] = s(F0(g), F0(h));
      maxDiag = Math.max(maxDiag, A.c0[g * G + g]);
      for (let i = 0; i < n; i++) A.rhs[g * cols + i] = bc[g * n + i];
      for (let q = 0; q < Np; q++) A.rhs[g * cols + n + q] = s(F0(g), Fp(q));
    }
    const status = kernels.choleskySolve(G, cols, A.c0, G, A.rhs, cols, ridge, 1e-9 * maxDiag + 1e-300);
    if (status !== 0) throw fail(status);
    const solved = A.rhs.slice(); // the next arena of these kernels reuses this memory
    const y = (g: number, q: number) => solved[g * cols + n + q];
    xc = new Float64Array(Nc);
    for (let g = 0; g < G; g++) for (let i = 0; i < n; i++) xc[g * n + i] = solved[g * cols + i]; // C⁻¹b_c
    xp = new Float64Array(Np);
    if (Np > 0) {
      // (D + ρ diag D − BᵀC⁻¹B) x_p = b_p − BᵀC⁻¹b_c, then x_c = C⁻¹b_c − C⁻¹B x_p.
      const B = kernels.arena({ sch: ["f64", Np * Np], rhs: ["f64", Np] });
      let top = 0;
      for (let q1 = 0; q1 < Np; q1++) {
        for (let q2 = q1; q2 < Np; q2++) {
          let sy = 0;
          for (let g = 0; g < G; g++) sy += s(F0(g), Fp(q1)) * y(g, q2);
          B.sch[q1 * Np + q2] = (s(Fp(q1), Fp(q2)) * (q1 === q2 ? 1 + ridge : 1) - sy) * dotFrames(U.g[q1], U.g[q2], U.j[q1], U.j[q2]);
        }
        top = Math.max(top, B.sch[q1 * Np + q1]);
        let r = bp[q1];
        for (let g = 0; g < G; g++) for (let i = 0; i < n; i++) r -= coupling(g, i, q1) * xc[g * n + i];
        B.rhs[q1] = r;
      }
      const st = kernels.choleskySolve(Np, 1, B.sch, Np, B.rhs, 1, 0, 1e-9 * top + 1e-300);
      if (st !== 0) throw fail(st);
      xp.set(B.rhs);
      for (let q = 0; q < Np; q++) {
        const gq = U.g[q], jq = U.j[q];
        for (let g = 0; g < G; g++) {
          const c = y(g, q) * xp[q];
          for (let i = 0; i < n; i++) xc[g * n + i] -= c * frame(gq, i, jq);
        }
      }
    }
  } else if (path === "complement") {
    // The same minimum as a constrained one in the ambient coordinates w[F, i] (feature F, output
    // coordinate i; layout()'s unknowns are w = R·θ with R's columns orthonormal): the quadratic
    // form is (S̃ ⊗ Iₙ), S̃ = S/m with the ridge on its diagonal (R carries that diagonal onto
    // layout()'s exactly), and the constraints say that a polynomial feature's vector w[F, :] has
    // nothing along its region's frame complement E_g. So w = w₀ − S̃⁻¹(Nλ) with w₀ = S̃⁻¹(Rb),
    // and the multipliers solve (Nᵀ(S̃⁻¹ ⊗ Iₙ)N) λ = Nᵀw₀, whose entries are S̃⁻¹[F1, F2](e1·e2).
    const Pp = P - G, cols = n + Pp; // the polynomial features: every region's features but its first
    const column = new Int32Array(P).fill(-1); // a polynomial feature's column of S̃⁻¹ in w, less n
    for (let g = 0, c = 0; g < G; g++) for (let k = 1; k < shape.p[g]; k++) column[F0(g) + k] = c++;
    const A = kernels.arena({ s: ["f64", P * P], rhs: ["f64", P * cols] });
    let maxDiag = 0;
    for (let F1 = 0; F1 < P; F1++) {
      for (let F2 = F1; F2 < P; F2++) A.s[F1 * P + F2] = S[F1 * P + F2] / m;
      maxDiag = Math.max(maxDiag, A.s[F1 * P + F1]);
      if (column[F1] >= 0) A.rhs[F1 * cols + n + column[F1]] = 1; // S̃⁻¹'s polynomial columns
    }
    // Rb: the constants' right-hand sides as they are; a polynomial's, Σ_j P_g[:, j] b_(g, j, f).
    for (let g = 0; g < G; g++) for (let i = 0; i < n; i++) A.rhs[F0(g) * cols + i] = bc[g * n + i];
    for (let q = 0; q < Np; q++) {
      const F = Fp(q);
      for (let i = 0; i < n; i++) A.rhs[F * cols + i] += frame(U.g[q], i, U.j[q]) * bp[q];
    }
    const status = kernels.choleskySolve(P, cols, A.s, P, A.rhs, cols, ridge, 1e-9 * maxDiag + 1e-300);
    if (status !== 0) throw fail(status);
    const w = A.rhs.slice(); // w₀ in columns < n, S̃⁻¹[·, F] in column n + column[F]
    // Each framed region's complement E_g (n×(n − r_g)): a pivoted Gram–Schmidt of the columns of
    // I − P_gP_gᵀ (the largest remaining column next; n²(n − r_g), against the 9n³ of an eigensolver).
    const comp: Float64Array[] = regions.ranks.map((r, g) => {
      const c = n - r;
      if (c <= 0 || shape.p[g] === 1) return new Float64Array(0);
      const M = new Float64Array(n * n); // column k at M[k·n …]
      for (let k = 0; k < n; k++) {
        for (let i = 0; i < n; i++) {
          let v = i === k ? 1 : 0;
          for (let j = 0; j < r; j++) v -= frame(g, i, j) * frame(g, k, j);
          M[k * n + i] = v;
        }
      }
      const E = new Float64Array(n * c);
      for (let e = 0; e < c; e++) {
        let best = 0, top = -1;
        for (let k = 0; k < n; k++) {
          let v = 0;
          for (let i = 0; i < n; i++) v += M[k * n + i] ** 2;
          if (v > top) (top = v), (best = k);
        }
        const q = M.slice(best * n, best * n + n), norm = Math.sqrt(top);
        for (let i = 0; i < n; i++) q[i] /= norm;
        for (let k = 0; k < n; k++) {
          let d = 0;
          for (let i = 0; i < n; i++) d += q[i] * M[k * n + i];
          for (let i = 0; i < n; i++) M[k * n + i] -= d * q[i];
        }
        for (let i = 0; i < n; i++) E[i * c + e] = q[i];
      }
      return E;
    });
    // The constraints (region g, feature F, complement direction e) and the complement directions' dot products, once per pair.
    const cstart = comp.reduce((o, E, g) => (o.push(o[g] + E.length / n), o), [0]), Dc = cstart[G];
    const cdots = new Float64Array(Dc * Dc);
    for (let g1 = 0; g1 < G; g1++) {
      for (let g2 = g1; g2 < G; g2++) {
        const k1 = cstart[g1 + 1] - cstart[g1], k2 = cstart[g2 + 1] - cstart[g2];
        for (let e1 = 0; e1 < k1; e1++) {
          for (let e2 = 0; e2 < k2; e2++) {
            let v = 0;
            for (let i = 0; i < n; i++) v += comp[g1][i * k1 + e1] * comp[g2][i * k2 + e2];
            cdots[(cstart[g1] + e1) * Dc + cstart[g2] + e2] = cdots[(cstart[g2] + e2) * Dc + cstart[g1] + e1] = v;
          }
        }
      }
    }
    const cG: number[] = [], cF: number[] = [], cD: number[] = []; // each constraint's region, feature and complement direction
    for (let g = 0; g < G; g++) for (let k = 1; k < shape.p[g]; k++) for (let e = cstart[g]; e < cstart[g + 1]; e++) cG.push(g), cF.push(F0(g) + k), cD.push(e);
    const Nperp = cF.length;
    const cCol = cF.map((F) => n + column[F]); // S̃⁻¹[·, F]'s column in w
    if (Nperp > 0) {
      const B = kernels.arena({ sys: ["f64", Nperp * Nperp], rhs: ["f64", Nperp] });
      let top = 0;
      for (let c1 = 0; c1 < Nperp; c1++) {
        const row = cF[c1] * cols, d1 = cD[c1] * Dc, out = c1 * Nperp, sys = B.sys;
        for (let c2 = c1; c2 < Nperp; c2++) sys[out + c2] = w[row + cCol[c2]] * cdots[d1 + cD[c2]];
        top = Math.max(top, B.sys[out + c1]);
      }
      for (let c1 = 0; c1 < Nperp; c1++) {
        const g = cG[c1], c = cstart[g + 1] - cstart[g], e = cD[c1] - cstart[g], F = cF[c1];
        let v = 0;
        for (let i = 0; i < n; i++) v += comp[g][i * c + e] * w[F * cols + i];
        B.rhs[c1] = v;
      }
      const st = kernels.choleskySolve(Nperp, 1, B.sys, Nperp, B.rhs, 1, 0, 1e-9 * top + 1e-300);
      if (st !== 0) throw fail(st);
      // w −= S̃⁻¹[:, F] λ E_g[:, e] for each constraint: per complement direction, the multipliers' sum first.
      const dir = new Float64Array(P * Dc);
      for (let c1 = 0; c1 < Nperp; c1++) {
        const col = cCol[c1], lambda = B.rhs[c1], d = cD[c1];
        for (let F2 = 0; F2 < P; F2++) dir[F2 * Dc + d] += w[F2 * cols + col] * lambda;
      }
      for (let g = 0; g < G; g++) {
        const c = cstart[g + 1] - cstart[g];
        for (let e = 0; e < c; e++) {
          for (let F2 = 0; F2 < P; F2++) {
            const k = dir[F2 * Dc + cstart[g] + e];
            if (k !== 0) for (let i = 0; i < n; i++) w[F2 * cols + i] -= k * comp[g][i * c + e];
          }
        }
      }
    }
    // θ = Rᵀw: what the constraints leave to rounding outside the frames is projected away.
    xc = new Float64Array(Nc);
    for (let g = 0; g < G; g++) for (let i = 0; i < n; i++) xc[g * n + i] = w[F0(g) * cols + i];
    xp = new Float64Array(Np);
    for (let q = 0; q < Np; q++) {
      const g = U.g[q], j = U.j[q], F = Fp(q);
      let v = 0;
      for (let i = 0; i < n; i++) v += frame(g, i, j) * w[F * cols + i];
      xp[q] = v;
    }
  } else {
    // Few constants against many polynomials: the whole system at once.
    const Q = Nc + Np;
    const A = kernels.arena({ sys: ["f64", Q * Q], rhs: ["f64", Q] });
    let maxDiag = 0;
    for (let g = 0; g < G; g++) {
      for (let i = 0; i < n; i++) {
        const q1 = g * n + i;
        for (let h = g; h < G; h++) A.sys[q1 * Q + h * n + i] = s(F0(g), F0(h));
        for (let q = 0; q < Np; q++) A.sys[q1 * Q + Nc + q] = coupling(g, i, q);
        A.rhs[q1] = bc[q1];
      }
    }
    // The polynomials' block s(q1, q2)·(e_q1·e_q2), its lookups hoisted out of closures (most of the
    // assembly: 45 000 entries a level for diabetes' 3 regions of rank 10).
    const fp = Int32Array.from({ length: Np }, (_, q) => Fp(q)), dq = Int32Array.from({ length: Np }, (_, q) => first[U.g[q]] + U.j[q]);
    for (let q1 = 0; q1 < Np; q1++) {
      const f1 = fp[q1], d1 = dq[q1] * D, row = (Nc + q1) * Q + Nc;
      for (let q2 = q1; q2 < Np; q2++) {
        const f2 = fp[q2];
        A.sys[row + q2] = ((f1 <= f2 ? S[f1 * P + f2] : S[f2 * P + f1]) / m) * dots[d1 + dq[q2]];
      }
      A.rhs[Nc + q1] = bp[q1];
    }
    for (let q = 0; q < Q; q++) maxDiag = Math.max(maxDiag, A.sys[q * Q + q]);
    const status = kernels.choleskySolve(Q, 1, A.sys, Q, A.rhs, 1, ridge, 1e-9 * maxDiag + 1e-300);
    if (status !== 0) throw fail(status);
    xc = A.rhs.slice(0, Nc);
    xp = A.rhs.slice(Nc, Q);
  }
  // W_g[i, 0] = the constant's coordinate i; W_g[i, f ≥ 1] = Σ_j P_g[i, j] θ_(g, j, f).
  const W = shape.p.map((p, g) => {
    const w = new Array<number>(n * p).fill(0);
    for (let i = 0; i < n; i++) w[i * p] = xc[g * n + i];
    return w;
  });
  for (let q = 0; q < Np; q++) {
    const g = U.g[q], j = U.j[q], f = U.f[q], p = shape.p[g];
    for (let i = 0; i < n; i++) W[g][i * p + f] += frame(g, i, j) * xp[q];
  }
  return { t, lo, hi, W, ...(set === undefined ? {} : { set }) };
}
