/**
 * fit(): regions once, then for each noise level the Stein-corrected normal equations,
 * accumulated over row blocks and solved jointly for all groups (algorithm.md).
 * Granularity (R) and degree are chosen by the held-out Stein loss unless given.
 */
import { createKernels, defaultBackend, type Backend } from "./kernels/index.ts";
import type { Kernels } from "./kernels/types.ts";
import { toRows } from "./dataset.ts";
import { OptionError, fn, int, num, oneOf, resolve } from "./options.ts";
import { LevelSums, type ChunkStats, type FitSpec, type LevelParams } from "./normal-stats.ts";
import { chunkCount, newJob, poolFor } from "./threads/pool.ts";
import { noiseLadder } from "./ladder.ts";
import { frameScale, packedLength, packLevel, shapeOf, type Level, type Regions, type Shape } from "./level.ts";
import { buildRegions, microClusters, sortByCluster } from "./regions.ts";
import { moments } from "./linalg.ts";
import { streamState, uniforms } from "./random.ts";
import { ScoreModel, type Candidate } from "./model.ts";
import { Evaluator } from "./evaluator.ts";

export interface Progress {
  phase: "select" | "fit";
  done: number;
  total: number;
  message: string;
}

export interface FitOptions {
  /** Total degree of the Hermite polynomials per region; "auto" picks from {0, 2, 6}. */
  degree?: number | "auto";
  /** Number of noise levels fitted between tMin and T. */
  levels?: number;
  tMin?: number;
  T?: number;
  /** Merge micro-clusters closer than R (separation estimate); 0 keeps them all; "auto" picks from {2, 0}. */
  R?: number | "auto";
  microClusters?: number;
  rMax?: number;
  /** Relative ridge ρ_k = ridge · G_kk on the normal equations. */
  ridge?: number;
  seed?: number;
  backend?: Backend;
  /** "single": one region (the paper's literal setting). */
  regions?: "merged" | "single";
  /** "hard": Voronoi cells instead of soft gates (the paper's; kept for studies). */
  gates?: "soft" | "hard";
  /** "full": polynomials in all n coordinates (the paper's), instead of local frames. */
  basis?: "projected" | "full";
  /** Share of rows held out to choose degree/R when either is "auto". */
  holdout?: number;
  /** Refuse configurations whose normal equations have more unknowns than this per level. */
  maxUnknowns?: number;
  /** Row length when `data` is a flat Float64Array. */
  dim?: number;
  /**
   * Worker threads (Node) or module Web Workers (browsers); default: the machine's cores under
   * Node, 1 in a browser. Rows are split into fixed chunks whose statistics are added in
   * order, so the model is the same for any thread count.
   */
  threads?: number;
  onProgress?: (p: Progress) => void;
}

type Resolved = Required<Omit<FitOptions, "dim" | "onProgress" | "threads">> & Pick<FitOptions, "dim" | "onProgress" | "threads">;

const TABLE = {
  degree: int(0, 12), levels: int(2, 1000), tMin: num(0, 10, true), T: num(0, 20, true), R: num(0, 100),
  microClusters: int(1, 1000), rMax: int(0, 8), ridge: num(0, 1), seed: int(0, 2 ** 31 - 1),
  backend: oneOf("wasm", "reference"), regions: oneOf("merged", "single"), gates: oneOf("soft", "hard"),
  basis: oneOf("projected", "full"), holdout: num(0, 0.5, true), maxUnknowns: int(1, 100000),
  dim: int(1, 100000), threads: int(1, 256), onProgress: fn,
};

const DEFAULTS: Resolved = {
  degree: "auto", levels: 40, tMin: 0.01, T: 4, R: "auto", microClusters: 30, rMax: 4, ridge: 1e-3, seed: 0,
  backend: "wasm", regions: "merged", gates: "soft", basis: "projected", holdout: 0.1, maxUnknowns: 2500,
};

export const AUTO_DEGREES = [0, 2, 6];
export const AUTO_R = [2, 0];
export const MIN_ROWS = 50;
const PILOT = 4096;
const SELECT_TRAIN_ROWS = 20000;
const SELECT_HOLDOUT_ROWS = 5000;

export function resolveFitOptions(options?: FitOptions): Resolved {
  const o = resolve(options, TABLE, { ...DEFAULTS, backend: defaultBackend() }, ["degree", "R"]);
  if (!(o.tMin < o.T)) throw new OptionError(`invalid option "tMin": must be below "T" (${o.T}), got ${o.tMin}`);
  return o;
}

export async function fit(data: number[][] | Float64Array, options?: FitOptions): Promise<ScoreModel> {
  const o = resolveFitOptions(options);
  const rows = toRows(data, o.dim), { m, n } = rows;
  if (m < MIN_ROWS) throw new OptionError(`data: need at least ${MIN_ROWS} rows to fit, got ${m}`);
  // Threads take ~0.6 s to start (Node + tsx in each): start them now, behind the k-means.
  void poolFor(o.threads, chunkCount(m)).catch(() => undefined);
  const kernels = createKernels(o.backend);
  const K = Math.max(1, Math.min(o.microClusters, Math.floor(m / 20)));
  const micro = microClusters(rows.x, m, n, K, streamState(o.seed, "kmeans"));
  // From here on, the one working copy of the data: ordered so that row blocks touch few groups.
  const { x, starts } = sortByCluster(rows.x, m, n, micro);
  const degrees = o.degree === "auto" ? AUTO_DEGREES : [o.degree];
  const Rs = o.regions === "single" ? [0] : o.R === "auto" ? AUTO_R : [o.R];
  const selection: Candidate[] = [];
  let best = { R: Rs[0], degree: degrees[0] };
  // Regions from all rows, once per R, shared by the candidates and the final fit: built on
  // the training split alone, a region's rank could differ from the final one's (the frame
  // threshold depends on its row count) and the choice of degree would not carry over.
  const built = new Map<number, Regions>();
  const regionsFor = async (R: number) => {
    if (!built.has(R)) built.set(R, await buildRegions(x, m, n, starts, { R, mode: o.regions, basis: o.basis, rMax: o.rMax, emIterations: 50, threads: o.threads, backend: o.backend }));
    return built.get(R)!;
  };

  if (degrees.length * Rs.length > 1) {
    const { train, hold } = split(x, m, n, o.holdout, o.seed);
    const ts = noiseLadder(Math.min(o.levels, 12), o.tMin, o.T);
    const total = degrees.length * Rs.length;
    let bestLoss = Infinity;
    for (const R of Rs) {
      const regions = await regionsFor(R);
      const flat = regions.ranks.every((r) => r === 0);
      for (const degree of degrees) {
        const q = unknowns(regions, degree);
        const c: Candidate = { R, degree, loss: null };
        if (q > o.maxUnknowns) c.note = `skipped: ${q} unknowns per level exceed maxUnknowns ${o.maxUnknowns}`;
        else if (flat && degree !== degrees[0]) c.note = `same model as degree ${degrees[0]}: every region has rank 0`;
        else {
          const levels = await fitLevels(kernels, train.x, train.m, regions, degree, ts, o);
          const model = assemble(regions, levels, degree, o, x, m, n, [], {});
          c.loss = steinLoss(kernels, model, hold.x, hold.m, o.seed);
          if (c.loss < bestLoss) {
            bestLoss = c.loss;
            best = { R, degree };
          }
        }
        selection.push(c);
        o.onProgress?.({ phase: "select", done: selection.length, total, message: `R=${R} degree=${degree}: ${c.loss ?? c.note}` });
      }
    }
    if (bestLoss === Infinity) {
      throw new OptionError(`fit: every configuration exceeds maxUnknowns ${o.maxUnknowns}; lower "rMax" or raise "maxUnknowns"`);
    }
  }
  const regions = await regionsFor(best.R);
  const q = unknowns(regions, best.degree);
  if (q > o.maxUnknowns) {
    throw new OptionError(`fit: ${q} unknowns per level exceed maxUnknowns (${o.maxUnknowns}); lower "degree" or "rMax", or raise "maxUnknowns"`);
  }
  const levels = await fitLevels(kernels, x, m, regions, best.degree, noiseLadder(o.levels, o.tMin, o.T), o);
  const { onProgress: _, threads: __, ...config } = { ...o, R: best.R, degree: best.degree };
  return assemble(regions, levels, best.degree, o, x, m, n, selection, config);
}

function assemble(regions: Regions, levels: Level[], degree: number, o: Resolved, x: Float64Array, m: number, n: number,
  selection: Candidate[], config: Record<string, unknown>): ScoreModel {
  const mo = moments(x, m, n);
  const model = new ScoreModel({
    dim: n, degree, gates: o.gates, tMin: o.tMin, T: o.T, regions, levels,
    moments: { mean: Array.from(mo.mean), cov: Array.from(mo.cov) }, config, selection,
  });
  model.backend = o.backend;
  return model;
}

/** Unknowns per level: a polynomial per frame direction and a constant per other direction. */
export function unknowns(regions: Regions, degree: number): number {
  const s = shapeOf(regions, degree);
  return regions.ranks.reduce((q, r, g) => q + r * s.p[g] + s.n - r, 0);
}

function split(x: Float64Array, m: number, n: number, share: number, seed: number) {
  const u = uniforms(m, streamState(seed, "holdout-split"));
  const holdRows: number[] = [], trainRows: number[] = [];
  for (let t = 0; t < m; t++) (u[t] < share ? holdRows : trainRows).push(t);
  // Choosing among configurations needs their ranking, not the final accuracy: cap the rows.
  const take = (rows: number[], cap: number) => {
    const k = Math.min(rows.length, cap);
    const out = new Float64Array(k * n);
    for (let i = 0; i < k; i++) {
      const row = rows[Math.floor((i * rows.length) / k)];
      out.set(x.subarray(row * n, row * n + n), i * n);
    }
    return { x: out, m: k };
  };
  return { train: take(trainRows, SELECT_TRAIN_ROWS), hold: take(holdRows, SELECT_HOLDOUT_ROWS) };
}

/**
 * Held-out Stein loss Σ_levels Δt·E[|r̂|² − 2a r̂·x₀ + 2a² ∇·r̂] = ∫E|r̂ − r|²dt − const,
 * evaluated at the model's own levels with fresh noise.
 */
export function steinLoss(kernels: Kernels, model: ScoreModel, x0: Float64Array, m: number, seed: number): number {
  const n = model.dim, cap = Math.min(m, 4096);
  const ev = new Evaluator(kernels, model, cap, { x0: ["f64", cap * n] });
  const ts = model.levels.map((lv) => lv.t);
  let total = 0;
  ts.forEach((t, l) => {
    const a = Math.exp(-t), sigma = Math.sqrt(-Math.expm1(-2 * t));
    let sum = 0;
    for (let s = 0; s < m; s += cap) {
      const b = Math.min(cap, m - s);
      ev.extra.x0.set(x0.subarray(s * n, (s + b) * n));
      ev.state.set(streamState(seed, "stein", l, s / cap));
      kernels.ouNoise(b * n, ev.extra.x0, a, sigma, ev.state, ev.x);
      ev.residual(b, t, true);
      for (let k = 0; k < b * n; k++) sum += ev.r[k] * ev.r[k] - 2 * a * ev.r[k] * ev.extra.x0[k];
      for (let k = 0; k < b; k++) sum += 2 * a * a * ev.div[k];
    }
    const dt = 0.5 * ((ts[Math.min(l + 1, ts.length - 1)] - ts[l]) + (ts[l] - ts[Math.max(l - 1, 0)]));
    total += (dt * sum) / m;
  });
  return total;
}

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

export async function fitLevels(kernels: Kernels, x: Float64Array, m: number, regions: Regions, D: number, ts: number[], o: Resolved): Promise<Level[]> {
  const shape = shapeOf(regions, D);
  const { G, n, rmax } = shape;
  const pilot = Math.min(m, PILOT);
  const U = layout(regions, shape);
  const A = kernels.arena({
    level: ["f64", packedLength(shape)], sys: ["f64", U.Q * U.Q], rhs: ["f64", U.Q], state: ["u32", 4],
    px0: ["f64", pilot * n], pxt: ["f64", pilot * n], pgamma: ["f64", pilot * G], pcbar: ["f64", pilot * n],
  });
  const chunks = chunkCount(m);
  const pool = await poolFor(o.threads, chunks);
  for (let k = 0; k < pilot; k++) {
    const row = Math.floor((k * m) / pilot);
    A.px0.set(x.subarray(row * n, row * n + n), k * n);
  }
  const job = newJob("fit-level", { x0: x, m, regions, degree: D, seed: o.seed, backend: o.backend } satisfies FitSpec);
  // E_gᵀE_h: how group g's directions project on group h's.
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
  const sums = new LevelSums(shape);
  const { S, Rx, Rc, csum, dsum } = sums, P = shape.features;
  const levels: Level[] = [];
  const zeroW = () => shape.p.map((p) => new Array<number>(n * p).fill(0));

  for (const [l, t] of ts.entries()) {
    const a = Math.exp(-t), sigma = Math.sqrt(-Math.expm1(-2 * t));
    const box = clipBox(kernels, A, shape, regions, t, o, l, pilot);
    packLevel(A.level, shape, regions, t, o.gates === "hard", { t, ...box, W: zeroW() });
    const stats = await pool.map<ChunkStats>(job, chunks, { level: A.level.slice(), l, a, sigma } satisfies LevelParams);
    sums.clear();
    for (const st of stats) sums.add(st);
    sums.symmetrise();

    // Assemble G θ = b over (group, direction, feature) from the scalar-feature statistics.
    const { Q } = U, sys = A.sys, rhs = A.rhs, soft = o.gates === "soft";
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
    const status = kernels.choleskySolve(Q, 1, sys, Q, rhs, 1, o.ridge, 1e-9 * maxDiag + 1e-300);
    if (status !== 0) throw new Error(`fit: the normal equations at t=${t} are not positive definite (pivot ${status})`);
    const W = zeroW();
    for (let q = 0; q < Q; q++) {
      const g = U.g[q], j = U.j[q], f = U.f[q], E = regions.frames[g], p = shape.p[g];
      for (let i = 0; i < n; i++) W[g][i * p + f] += E[i * n + j] * rhs[q];
    }
    levels.push({ t, lo: box.lo, hi: box.hi, W });
    o.onProgress?.({ phase: "fit", done: l + 1, total: ts.length, message: `level ${l + 1}/${ts.length} (t=${t.toPrecision(3)})` });
  }
  return levels;
}

/**
 * The box of local coordinates seen at this level: gate-weighted 0.5%–99.5% quantiles on
 * a strided pilot of noised rows. Outside it the polynomials are held constant.
 */
function clipBox(kernels: Kernels, A: { px0: Float64Array; pxt: Float64Array; pgamma: Float64Array; pcbar: Float64Array; level: Float64Array; state: Uint32Array },
  shape: Shape, regions: Regions, t: number, o: Resolved, l: number, pilot: number) {
  const { n, G } = shape;
  const a = Math.exp(-t), sigma = Math.sqrt(-Math.expm1(-2 * t));
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
  return { lo, hi };
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
