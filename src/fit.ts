/**
 * fit(): rows → checks and dequantisation (src/prepare.ts) → a data map z = (σ₀M)⁻¹(x − b)
 * (src/map.ts) → regions once → the level system (src/system.ts) for each noise level,
 * solved jointly for all groups. Whatever the options leave "auto" (the map, σ₀, the
 * granularity, R, the degree) is chosen on held-out data by src/select.ts.
 */
import type { Backend } from "./kernels/index.ts";
import { DataError, toRows } from "./dataset.ts";
import { BACKEND, DIM, OptionError, PROGRESS, SEED, THREADS, int, num, oneOf, resolve, type Decl } from "./options.ts";
import { chunkCount, withJob, type Env, type EnvSource } from "./pool.ts";
import { addChunk, emptySums, makePlan, packPlanLevel, solve, unknowns, type ChunkSpec, type ChunkStats } from "./system.ts";
import { noiseLadder } from "./ladder.ts";
import { shapeOf, type Level, type Regions } from "./level.ts";
import { buildRegions, microClusters, sortByCluster } from "./regions.ts";
import { moments, symmetricEigen } from "./linalg.ts";
import { streamState } from "./random.ts";
import { ScoreModel, type Candidate } from "./model.ts";
import { MAP_KINDS, makeMap, mapMatrices, toModel, type MapKind } from "./map.ts";
import { prepare, type Prepared } from "./prepare.ts";
import { choose, type Config, type IdRows } from "./select.ts";

export interface Progress {
  phase: "select" | "fit";
  done: number;
  total: number;
  message: string;
}

export interface FitOptions {
  /** The data map: "none" (the data is in model units), "isotropic", "diagonal", "whiten", or "auto". */
  map?: MapKind | "auto";
  /** σ₀, the noise scale in data units (a length), or "auto". */
  scale?: number | "auto";
  /** Micro-clusters (k-means) before merging, or "auto". At most rows/20. */
  granularity?: number | "auto";
  /** Merge micro-clusters closer than R (separation estimate); 0 keeps them all; or "auto". */
  R?: number | "auto";
  /** Total degree of the Hermite polynomials per region, or "auto". */
  degree?: number | "auto";
  /** Number of noise levels fitted between tMin and T. */
  levels?: number;
  tMin?: number;
  /** The horizon in model units, or "auto": it grows with log(spread of z) so that the sampler's start fits. */
  T?: number | "auto";
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
  /** Share of rows held out to choose what is "auto". */
  holdout?: number;
  /** Refuse configurations whose normal equations have more unknowns than this per level. */
  maxUnknowns?: number;
  /** The columns' names (e.g. a CSV header), kept in the model. */
  columns?: string[];
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

export type Resolved = Required<Omit<FitOptions, "dim" | "onProgress" | "threads" | "backend" | "columns">> &
  Pick<FitOptions, "dim" | "onProgress" | "threads" | "backend" | "columns">;

export const MIN_ROWS = 50;
/** The horizon grows with the spread S of z: T = max(4, log S + HORIZON_MARGIN), so that a_T·S ≤ e^{−2.4} ≈ 0.09. */
const HORIZON_MARGIN = 2.4;

export const FIT_OPTIONS = {
  map: { check: oneOf(...MAP_KINDS), default: "auto", auto: true, doc: "the data map: none (data in model units), isotropic, diagonal (per-column scales), whiten, or auto", cli: { value: "KIND" } },
  scale: { check: num(0, Infinity, true), default: "auto", auto: true, doc: "σ₀, the noise scale in data units (like a kernel bandwidth), or auto", cli: { value: "S0" } },
  granularity: { check: int(1, 5000), default: "auto", auto: true, doc: "micro-clusters before merging (at most rows/20), or auto", cli: { value: "K" } },
  R: { check: num(0, 100), default: "auto", auto: true, doc: "merge micro-clusters while their separation estimate is below R; 0 keeps them all; or auto", cli: { value: "R", flag: "merge" } },
  degree: { check: int(0, 12), default: "auto", auto: true, doc: "polynomial degree per region, 0–12, or auto", cli: { value: "D" } },
  levels: { check: int(2, 1000), default: 40, doc: "noise levels, uniform in log-SNR between tMin and T", cli: { value: "L" } },
  tMin: { check: num(0, 10, true), default: 0.01, doc: "the smallest noise level (model units)" },
  T: { check: num(0, 1000, true), default: "auto", auto: true, doc: "the largest noise level, where the sampler starts (model units), or auto" },
  rMax: { check: int(0, 64), default: 4, doc: "largest local frame (directions with polynomial dependence) per region", cli: { value: "R" } },
  ridge: { check: num(0, 1), default: 1e-3, doc: "relative ridge on the normal equations" },
  seed: SEED,
  backend: BACKEND,
  regions: { check: oneOf("merged", "single"), default: "merged", doc: '"single": one region (the paper\'s literal setting)' },
  gates: { check: oneOf("soft", "hard"), default: "soft", doc: '"hard": Voronoi cells (the paper\'s) instead of the soft partition of unity' },
  basis: { check: oneOf("projected", "full"), default: "projected", doc: '"full": polynomials in all n coordinates (the paper\'s)' },
  holdout: { check: num(0, 0.5, true), default: 0.2, doc: 'share of rows held out to choose what is "auto" (small data: K-fold instead)' },
  maxUnknowns: { check: int(1, 100000), default: 2500, doc: "refuse configurations whose per-level system has more unknowns", cli: { value: "Q" } },
  columns: { check: { kind: "function" }, doc: "the columns' names (a CSV header), kept in the model" },
  dim: DIM,
  threads: THREADS,
  onProgress: PROGRESS,
} satisfies Record<keyof FitOptions, Decl>;

export function resolveFitOptions(options?: FitOptions): Resolved {
  const { columns, ...rest } = options ?? {};
  const o = resolve<Resolved>(rest, FIT_OPTIONS);
  if (o.T !== "auto" && !(o.tMin < o.T)) throw new OptionError(`invalid option "tMin": must be below "T" (${o.T}), got ${o.tMin}`);
  if (columns !== undefined && !(Array.isArray(columns) && columns.every((c) => typeof c === "string"))) {
    throw new OptionError(`invalid option "columns": expected an array of names (strings)`);
  }
  return { ...o, columns };
}

export async function fit(data: number[][] | Float64Array, options: FitOptions | undefined, source: EnvSource): Promise<ScoreModel> {
  const o = resolveFitOptions(options);
  const rows = toRows(data, o.dim), { m, n } = rows;
  if (m < MIN_ROWS) throw new DataError(`data: need at least ${MIN_ROWS} rows to fit, got ${m}`);
  const columns = o.columns ?? null;
  if (columns && columns.length !== n) throw new OptionError(`invalid option "columns": ${columns.length} names for ${n} columns`);
  const prep = prepare(rows.x, m, n, o.seed, columns);
  const env = source.env(o.threads, o.backend);
  env.pool.prepare(chunkCount(m)); // worker threads start behind the selection's first steps
  const ids = Float64Array.from({ length: m }, (_, t) => t);
  const { config, selection } = await choose({ x: prep.x, ids, m }, n, prep, o, (rows, c) => fitConfig(env, rows, n, prep, c, o, columns, SELECTION));
  const model = await fitConfig(env, { x: prep.x, ids, m }, n, prep, config, o, columns, { levels: o.levels, emIterations: EM_ITERATIONS, progress: true });
  const { onProgress: _, threads: __, columns: ___, ...record } = { ...o, ...config, backend: env.kernels.backend };
  return new ScoreModel({ ...model, config: record, selection }, env.kernels);
}

/** The horizon for rows z: T = max(4, log S + margin), S the largest standard deviation. */
export function horizon(z: Float64Array, m: number, n: number): number {
  const top = symmetricEigen(moments(z, m, n).cov, n).values[0];
  return Math.max(4, 0.5 * Math.log(Math.max(top, 1e-300)) + HORIZON_MARGIN);
}

/** How much work a fit does: the final one, or a candidate's during the selection. */
interface Effort {
  levels: number;
  emIterations: number;
  progress: boolean;
}
/** EM iterations refining the regions' centres (algorithm.md: ~50; 5 under-fitted a close pair 40×). */
const EM_ITERATIONS = 50;
/** A candidate's fit: fewer levels (its ranking, not its accuracy, matters); EM converged as in the final fit (10 iterations left the atoms spread, which moved the best σ₀ by a grid step). */
const SELECTION: Effort = { levels: 12, emIterations: EM_ITERATIONS, progress: false };

/** The model of one configuration fitted on `rows` (data units). */
export async function fitConfig(env: Env, rows: IdRows, n: number, prep: Prepared, c: Config, o: Resolved,
  columns: string[] | null, effort: Effort): Promise<ScoreModel> {
  const { m } = rows;
  const map = makeMap(c.map, c.scale, rows.x, m, n, prep.centre, prep.scales);
  const z = toModel(map, mapMatrices(map).inv, rows.x, m);
  const T = o.T === "auto" ? horizon(z, m, n) : o.T;
  if (!(o.tMin < T)) throw new OptionError(`invalid option "tMin": must be below the horizon T (${T}), got ${o.tMin}`);
  const K = Math.max(1, Math.min(c.granularity, Math.floor(m / 20)));
  const micro = microClusters(z, m, n, K, streamState(o.seed, "kmeans"));
  // The one working copy of the data: ordered so that row blocks touch few groups, with each row's id.
  const sorted = sortByCluster(z, m, n, micro);
  for (let k = 0; k < m; k++) sorted.ids[k] = rows.ids[sorted.ids[k]];
  const regions = await buildRegions(sorted.x, m, n, sorted.starts, { R: o.regions === "single" ? 0 : c.R, mode: o.regions, basis: o.basis, rMax: o.rMax, emIterations: effort.emIterations }, env.pool);
  const q = unknowns(regions, c.degree);
  if (q > o.maxUnknowns) {
    throw new OptionError(`fit: ${q} unknowns per level exceed maxUnknowns (${o.maxUnknowns}); lower "degree" or "rMax", or raise "maxUnknowns"`);
  }
  const ts = noiseLadder(Math.min(o.levels, effort.levels), o.tMin, T);
  const fitted = await fitLevels(env, { ...sorted, m }, regions, c.degree, ts, o, effort.progress);
  const mo = moments(sorted.x, m, n);
  return new ScoreModel({
    dim: n, columns, map, dequantised: prep.dequantised, rows: m, degree: c.degree, gating: o.gates, tMin: o.tMin, T, regions, levels: fitted,
    moments: { mean: Array.from(mo.mean), cov: Array.from(mo.cov) }, config: {}, selection: [],
  }, env.kernels);
}

/** The levels at times ts: the plan, then per level the chunks' sums (on the pool, added in order) and the solve. */
export async function fitLevels(env: Env, rows: IdRows, regions: Regions, degree: number, ts: number[], o: Resolved, progress = true): Promise<Level[]> {
  const { x, ids, m } = rows, kernels = env.kernels.create();
  const plan = makePlan(kernels, regions, degree, ts, x, m, o);
  const shape = shapeOf(regions, degree);
  const spec: ChunkSpec = { x0: x, ids, firstRow: 0, m, regions, degree, seed: o.seed };
  return withJob(env.pool, "level-stats", spec, async (job) => {
    const levels: Level[] = [];
    for (let l = 0; l < ts.length; l++) {
      const parts = await job.map<ChunkStats>(chunkCount(m), packPlanLevel(plan, l));
      const sums = emptySums(plan);
      for (const part of parts) addChunk(sums, shape, part);
      levels.push(solve(kernels, plan, l, sums));
      if (progress) o.onProgress?.({ phase: "fit", done: l + 1, total: ts.length, message: `level ${l + 1}/${ts.length} (t=${ts[l].toPrecision(3)})` });
    }
    return levels;
  });
}

export type { Candidate };
