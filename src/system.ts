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
import { frameScale, packedLength, packLevel, shapeOf, workSize, type Level, type Regions, type Shape } from "./level.ts";
import { streamState } from "./random.ts";
import { CHUNK_ROWS } from "./pool.ts";

export const BLOCK = 256;
const LD = BLOCK + 8; // a power-of-two column stride aliases cache sets (perf-notes.md)
const PILOT = 4096; // rows that set the clip boxes

export interface LevelPlan {
  regions: Regions;
  degree: number;
  gates: "soft" | "hard";
  seed: number;
  /** Relative ridge ρ_k = ridge · G_kk. */
  ridge: number;
  /** Per level: its time and the clip box of local coordinates (Level without W). */
  levels: { t: number; lo: number[][]; hi: number[][] }[];
}

/** One level's sums over `rows` rows: S (scalar-feature Gram, P×P, upper), Rx, Rc (P×n), csum (P), dsum (P×rmax). */
export interface LevelSums {
  rows: number;
  S: Float64Array;
  Rx: Float64Array;
  Rc: Float64Array;
  csum: Float64Array;
  dsum: Float64Array;
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
 * (gate-weighted 0.5%–99.5% quantiles over noised pilot rows; outside it the polynomials are
 * held constant).
 */
export function makePlan(kernels: Kernels, regions: Regions, degree: number, ts: number[], x: Float64Array, m: number,
  o: { gates: "soft" | "hard"; seed: number; ridge: number }): LevelPlan {
  const shape = shapeOf(regions, degree), { n, G } = shape;
  const pilot = Math.min(m, PILOT);
  const A = kernels.arena({
    level: ["f64", packedLength(shape)], state: ["u32", 4],
    px0: ["f64", pilot * n], pxt: ["f64", pilot * n], pgamma: ["f64", pilot * G], pcbar: ["f64", pilot * n],
  });
  for (let k = 0; k < pilot; k++) {
    const row = Math.floor((k * m) / pilot);
    A.px0.set(x.subarray(row * n, row * n + n), k * n);
  }
  const levels = ts.map((t, l) => {
    const { a, sigma } = levelTime(t);
    packLevel(A.level, shape, regions, t, o.gates === "hard");
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
          for (let i = 0; i < n; i++) u += E[i * n + j] * (A.pxt[k * n + i] - a * c[i]);
          pts.push([u / scale, w]);
        }
        const [ql, qh] = weightedQuantiles(pts, 0.005, 0.995);
        lo[g].push(ql);
        hi[g].push(qh);
      }
    }
    return { t, lo, hi };
  });
  return { regions, degree, gates: o.gates, seed: o.seed, ridge: o.ridge, levels };
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
  const shape = shapeOf(plan.regions, plan.degree), lv = plan.levels[l];
  const level = new Float64Array(packedLength(shape));
  const W = shape.p.map((p) => new Array<number>(shape.n * p).fill(0));
  packLevel(level, shape, plan.regions, lv.t, plan.gates === "hard", { ...lv, W });
  return { level, l, ...levelTime(lv.t) };
}

// ---------------------------------------------------------------------------------------
// Accumulate: one chunk of rows

export function chunkContext(spec: ChunkSpec, kernels: Kernels) {
  const shape = shapeOf(spec.regions, spec.degree);
  const { G, n, rmax, features: P } = shape;
  const table = multiIndexTable(rmax, shape.D);
  const maxCols = 1 + 2 * n + P;
  const A = kernels.arena({
    x0: ["f64", CHUNK_ROWS * n], ids: ["f64", CHUNK_ROWS], key: ["u32", 4], xt: ["f64", BLOCK * n], gamma: ["f64", BLOCK * G], cbar: ["f64", BLOCK * n],
    phi: ["f64", LD * maxCols], gc: ["f64", maxCols * maxCols], dsum: ["f64", Math.max(1, P * rmax)],
    level: ["f64", packedLength(shape)], table: ["i32", table.length], active: ["i32", G], work: ["f64", workSize(shape)],
    state: ["u32", 4],
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
  const records: GramRecord[] = [];
  let current: number[] = [];
  const flush = () => {
    if (current.length === 0) return;
    const cols = 1 + 2 * n + current.reduce((s, g) => s + shape.p[g], 0);
    const gc = new Float64Array(cols * cols);
    for (let i = 0; i < cols; i++) gc.set(A.gc.subarray(i * maxCols + i, i * maxCols + cols), i * cols + i);
    records.push({ active: Int32Array.from(current), gc });
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
    kernels.gramAccumulate(b, cols, A.phi, LD, A.gc, maxCols);
  }
  flush();
  return { rows: end - start, records, dsum: A.dsum.slice() };
}

// ---------------------------------------------------------------------------------------
// Sums: empty, add a chunk, merge

export function emptySums(plan: Pick<LevelPlan, "regions" | "degree">): LevelSums {
  const { features: P, n, rmax } = shapeOf(plan.regions, plan.degree);
  return {
    rows: 0, S: new Float64Array(P * P), Rx: new Float64Array(P * n), Rc: new Float64Array(P * n),
    csum: new Float64Array(P), dsum: new Float64Array(Math.max(1, P * rmax)),
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
  sums.rows += stats.rows;
}

/** a + b: the sums of the union of their rows. */
export function mergeSums(a: LevelSums, b: LevelSums): LevelSums {
  const add = (x: Float64Array, y: Float64Array) => x.map((v, k) => v + y[k]);
  return { rows: a.rows + b.rows, S: add(a.S, b.S), Rx: add(a.Rx, b.Rx), Rc: add(a.Rc, b.Rc), csum: add(a.csum, b.csum), dsum: add(a.dsum, b.dsum) };
}

/**
 * The sums of level l over rows x0 (m×n) on this thread, chunk by chunk, added in order; the
 * rows' ids (which name their noise) are firstRow, firstRow + 1, …
 */
export function accumulateLevel(kernels: Kernels, plan: LevelPlan, l: number, x0: Float64Array, m: number, firstRow = 0): LevelSums {
  const ctx = chunkContext({ x0, m, firstRow, regions: plan.regions, degree: plan.degree, seed: plan.seed }, kernels);
  const params = packPlanLevel(plan, l), sums = emptySums(plan);
  for (let c = 0; c * CHUNK_ROWS < m; c++) addChunk(sums, ctx.shape, chunkStats(ctx, params, c));
  return sums;
}

// ---------------------------------------------------------------------------------------
// Solve

/** The unknowns' layout: for group g, direction j < r_g all features f, then a constant per other direction. */
function layout(regions: Regions, s: Shape) {
  const g: number[] = [], j: number[] = [], f: number[] = [];
  regions.ranks.forEach((r, grp) => {
    for (let d = 0; d < s.n; d++) {
      const count = d < r ? s.p[grp] : 1;
      for (let k = 0; k < count; k++) {
        g.push(grp);
        j.push(d);
        f.push(k);
      }
    }
  });
  return { g, j, f, Q: g.length };
}

/** Unknowns per level: a polynomial per frame direction and a constant per other direction. */
export function unknowns(regions: Regions, degree: number): number {
  const s = shapeOf(regions, degree);
  return regions.ranks.reduce((q, r, g) => q + r * s.p[g] + s.n - r, 0);
}

export class SystemError extends Error {}

/**
 * Level l's coefficients from its sums: the vector system over (group, direction, feature)
 * assembled from the scalar-feature statistics (E_gᵀE_h carries group g's directions onto
 * group h's), solved by Cholesky with the plan's relative ridge.
 */
export function solveLevel(kernels: Kernels, plan: LevelPlan, l: number, sums: LevelSums): Level {
  if (plan.regions.ranks.every((r) => r === 0)) return solveConstants(kernels, plan, l, sums);
  const { regions } = plan, shape = shapeOf(regions, plan.degree);
  const { G, n, rmax, features: P } = shape;
  const U = layout(regions, shape), { Q } = U;
  const { t, lo, hi } = plan.levels[l];
  const { a } = levelTime(t);
  const m = sums.rows, soft = plan.gates === "soft";
  const S = sums.S.slice();
  for (let F1 = 0; F1 < P; F1++) for (let F2 = F1 + 1; F2 < P; F2++) S[F2 * P + F1] = S[F1 * P + F2];
  const { Rx, Rc, csum, dsum } = sums;
  const cross = (g: number, h: number, j1: number, j2: number) => {
    const Eg = regions.frames[g], Eh = regions.frames[h];
    let v = 0;
    for (let i = 0; i < n; i++) v += Eg[i * n + j1] * Eh[i * n + j2];
    return v;
  };
  const M = Array.from({ length: G * G }, (_, gh) => {
    const out = new Float64Array(n * n);
    for (let j1 = 0; j1 < n; j1++) for (let j2 = 0; j2 < n; j2++) out[j1 * n + j2] = cross(Math.floor(gh / G), gh % G, j1, j2);
    return out;
  });
  const A = kernels.arena({ sys: ["f64", Q * Q], rhs: ["f64", Q] });
  const { sys, rhs } = A;
  let maxDiag = 0;
  for (let q1 = 0; q1 < Q; q1++) {
    const g1 = U.g[q1], j1 = U.j[q1], F1 = shape.featureOffset[g1] + U.f[q1];
    for (let q2 = q1; q2 < Q; q2++) {
      const g2 = U.g[q2], F2 = shape.featureOffset[g2] + U.f[q2];
      sys[q1 * Q + q2] = (S[F1 * P + F2] * M[g1 * G + g2][j1 * n + U.j[q2]]) / m;
    }
    maxDiag = Math.max(maxDiag, sys[q1 * Q + q1]);
    const E = regions.frames[g1], c = regions.centres[g1];
    let ex = 0, ec = 0, ecbar = 0;
    for (let i = 0; i < n; i++) {
      const e = E[i * n + j1];
      ex += e * Rx[F1 * n + i];
      ec += e * c[i];
      ecbar += e * Rc[F1 * n + i];
    }
    const gateDiv = soft ? a * (ec * csum[F1] - ecbar) : 0;
    const basisDiv = j1 < regions.ranks[g1] ? dsum[F1 * rmax + j1] : 0;
    rhs[q1] = (a * ex - a * a * (gateDiv + basisDiv)) / m;
  }
  const status = kernels.choleskySolve(Q, 1, sys, Q, rhs, 1, plan.ridge, 1e-9 * maxDiag + 1e-300);
  if (status !== 0) throw new SystemError(`fit: the normal equations at t=${t} are not positive definite (pivot ${status})`);
  const W = shape.p.map((p) => new Array<number>(n * p).fill(0));
  for (let q = 0; q < Q; q++) {
    const g = U.g[q], j = U.j[q], f = U.f[q], E = regions.frames[g], p = shape.p[g];
    for (let i = 0; i < n; i++) W[g][i * p + f] += E[i * n + j] * rhs[q];
  }
  return { t, lo, hi, W };
}

/**
 * solveLevel() when no region has a frame (a constant per region): written in the standard basis,
 * the vector system is S ⊗ I_n (the same ridge ρ·S_gg on every coordinate), so it is one G×G
 * Cholesky with n right-hand sides instead of one of size G·n — the same solution, n³ times
 * less work, which is what lets hundreds of regions stay cheap.
 */
function solveConstants(kernels: Kernels, plan: LevelPlan, l: number, sums: LevelSums): Level {
  const { regions } = plan, G = regions.weights.length, n = regions.dim;
  const { t, lo, hi } = plan.levels[l];
  const a = Math.exp(-t), m = sums.rows, soft = plan.gates === "soft";
  const A = kernels.arena({ sys: ["f64", G * G], rhs: ["f64", G * n] });
  let maxDiag = 0;
  for (let g = 0; g < G; g++) {
    for (let h = g; h < G; h++) A.sys[g * G + h] = sums.S[g * G + h] / m;
    maxDiag = Math.max(maxDiag, A.sys[g * G + g]);
    const c = regions.centres[g];
    for (let i = 0; i < n; i++) {
      const gateDiv = soft ? a * (c[i] * sums.csum[g] - sums.Rc[g * n + i]) : 0;
      A.rhs[g * n + i] = (a * sums.Rx[g * n + i] - a * a * gateDiv) / m;
    }
  }
  const status = kernels.choleskySolve(G, n, A.sys, G, A.rhs, n, plan.ridge, 1e-9 * maxDiag + 1e-300);
  if (status !== 0) throw new SystemError(`fit: the normal equations at t=${t} are not positive definite (pivot ${status})`);
  return { t, lo, hi, W: Array.from({ length: G }, (_, g) => Array.from(A.rhs.subarray(g * n, (g + 1) * n))) };
}
