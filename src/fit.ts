/**
 * fit(): rows → checks and dequantisation (src/prepare.ts) → a data map z = (σ₀M)⁻¹(x − b)
 * (src/map.ts) → regions once → the level system (src/system.ts) for each noise level,
 * solved jointly for all groups. Whatever the options leave "auto" (the map, σ₀, the
 * granularity, R, the degree) is chosen on held-out data by src/select.ts.
 */
import type { Backend, Kernels } from "./kernels/index.ts";
import { DataError, toRows } from "./dataset.ts";
import { BACKEND, DIM, OptionError, PROGRESS, SEED, THREADS, int, num, oneOf, resolve, type Decl } from "./options.ts";
import { chunkCount, withJob, type Env, type EnvSource, type Job } from "./pool.ts";
import { addChunk, emptySums, makePlan, mergeSums, packPlanLevel, planBytes, solveLevel, unknowns, type ChunkSpec, type ChunkStats, type LevelPlan, type LevelSums } from "./system.ts";
import { noiseLadder } from "./ladder.ts";
import { GATINGS, shapeOf, type Gating, type Level, type Regions } from "./level.ts";
import { buildLadder, buildRegions, COVARIANCE_STARTS, microClusters, needsFrames, ROWS_PER_REGION, sortByCluster } from "./regions.ts";
import { leadingEigen, moments } from "./linalg.ts";
import { streamState } from "./random.ts";
import { ScoreModel, type Candidate } from "./model.ts";
import { MAP_KINDS, compressRows, makeMap, mapMatrices, mapShape, toModel, type Compression, type DataMap, type MapKind } from "./map.ts";
import { dequantise, prepare, type Prepared } from "./prepare.ts";
import { beyond, KFOLD_BELOW, SELECT_LOGPDF_STEPS, SELECT_TOLERANCE, choose, fitWork, WorkError, type Config, type Fold, type FoldScore, type IdRows } from "./select.ts";
import { SystemError } from "./system.ts";

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
  /** "fixed": one region set for all levels (micro-clusters merged below R); "single": one region (the paper's literal setting); "ladder": per level the merge tree cut at R/a, warm-started from the level above (the paper's induction). */
  regions?: "fixed" | "single" | "ladder";
  /** "soft" (unit-covariance posteriors), "covariance" (each region's own covariance), "hard" (Voronoi cells, the paper's; for studies), or "auto". */
  gates?: Gating | "auto";
  /** "full": polynomials in all n coordinates (the paper's), instead of local frames. */
  basis?: "projected" | "full";
  /** Share of rows held out to choose what is "auto". */
  holdout?: number;
  /** Refuse configurations whose normal equations have more unknowns than this per level. */
  maxUnknowns?: number;
  /** The fit's memory budget in MiB, or "auto": half the machine's memory under Node, 1024 in a browser. */
  memory?: number | "auto";
  /** The columns' names (e.g. a CSV header), kept in the model. */
  columns?: string[];
  /** Row length when `data` is a flat Float64Array. */
  dim?: number;
  /**
   * Worker threads (Node) or module Web Workers (browsers); default: the machine's cores under
   * Node, 1 in a browser. Rows are split into fixed chunks whose statistics are added in
   * order, so the model is the same for any thread count; with K-fold selection (few rows) a
   * candidate's folds are fitted a thread each.
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
  // 32, not 16: under covariance gates the frame is also the region's Gaussian, and breast cancer
  // (30 columns) had every region capped at 16 wide directions; uncapped its regions used 16–26 and
  // the five-split held-out mean rose 31.37 → 32.57 nats per row (bench/RESULTS.md, real data).
  rMax: { check: int(0, 64), default: 32, doc: "largest local frame (directions with polynomial dependence) per region", cli: { value: "R" } },
  ridge: { check: num(0, 1), default: 1e-3, doc: "relative ridge on the normal equations" },
  seed: SEED,
  backend: BACKEND,
  regions: { check: oneOf("fixed", "single", "ladder"), default: "fixed", doc: 'fixed (one region set for all levels: micro-clusters merged below R), single (one region: the paper\'s literal setting), or ladder (per level the merge tree cut at R/a, each level warm-started from the one above: the paper\'s induction; in-memory fits only)', cli: { value: "MODE" } },
  gates: { check: oneOf(...GATINGS), default: "auto", auto: true, doc: 'how rows are shared among regions: soft (unit-covariance posteriors), covariance (each region\'s own covariance, from its frame), hard (Voronoi cells, the paper\'s), or auto (chosen with the configuration: covariance for the few-region candidates, soft otherwise and when nothing is chosen)', cli: { value: "KIND" } },
  basis: { check: oneOf("projected", "full"), default: "projected", doc: '"full": polynomials in all n coordinates (the paper\'s)' },
  holdout: { check: num(0, 0.5, true), default: 0.2, doc: 'share of rows held out to choose what is "auto" (small data: K-fold instead)' },
  maxUnknowns: { check: int(1, 100000), default: 2500, doc: "refuse configurations whose per-level solve factors a larger matrix (its order)", cli: { value: "Q" } },
  memory: { check: num(1, 2 ** 40), default: "auto", auto: true, doc: "the fit's memory budget in MiB (auto: half the machine's under Node, 1024 in a browser); a configuration that needs more is skipped by the selection, or refused", cli: { value: "MB" } },
  columns: { check: { kind: "function" }, doc: "the columns' names (a CSV header), kept in the model" },
  dim: DIM,
  threads: THREADS,
  onProgress: PROGRESS,
} satisfies Record<keyof FitOptions, Decl>;

export function resolveFitOptions(options?: FitOptions): Resolved {
  const { columns, ...rest } = options ?? {};
  const o = resolve<Resolved>(rest, FIT_OPTIONS);
  if (o.T !== "auto" && !(o.tMin < o.T)) throw new OptionError(`invalid option "tMin": must be below "T" (${o.T}), got ${o.tMin}`);
  // Hard gates' residual jumps at the cells' borders, where the flow's divergence has a part the
  // kernels cannot see: their logpdf is no density, so nothing can be chosen by its held-out value
  // (a selection with them chose a "density" 3 nats per row above the truth's).
  const chosen = (["map", "scale", "granularity", "R", "degree"] as const).filter((k) => o[k] === "auto" && !(k === "R" && o.regions === "single"));
  if (o.gates === "hard" && chosen.length > 0) {
    throw new OptionError(`invalid option "gates": "hard" gives no held-out log-density to choose ${chosen.join(", ")} by (its residual jumps at the cells' borders); give ${chosen.length > 1 ? "them" : "it"} too`);
  }
  if (columns !== undefined && !(Array.isArray(columns) && columns.every((c) => typeof c === "string"))) {
    throw new OptionError(`invalid option "columns": expected an array of names (strings)`);
  }
  return { ...o, columns };
}

export async function fit(data: number[][] | Float64Array, options: FitOptions | undefined, source: EnvSource): Promise<ScoreModel> {
  const { plan, env, sorted, o } = await planWith(data, options, source);
  return solveWith(env, plan, await accumulateWith(env, plan, sorted.x, sorted.ids, sorted.m, o.onProgress));
}

/**
 * Everything a fit fixes before its level statistics: the checks and dequantisation steps, the
 * map, the horizon, the regions (from these rows) and each level's clip box, with what the
 * selection chose and tried. A plan is plain JSON: any engine can send it to shards.
 */
export interface FitPlan extends LevelPlan {
  format: typeof PLAN_FORMAT;
  version: 1;
  dim: number;
  columns: string[] | null;
  map: DataMap;
  dequantised: { column: number; step: number }[];
  /** Heavy-tailed columns compressed after dequantising (absent for none: src/map.ts, Compression). */
  compressed?: Compression[];
  tMin: number;
  T: number;
  config: Record<string, unknown>;
  selection: Candidate[];
}
export const PLAN_FORMAT = "diffmix-plan";

/** A plan's sums over some rows: their count, Σz and Σzzᵀ (the start's moments) and each level's normal equations. */
export interface FitStats {
  rows: number;
  sum: Float64Array;
  outer: Float64Array;
  levels: LevelSums[];
}

/** The plan of a fit on these rows (the in-memory fit's first step; for shards, the plan of a sample). */
export async function plan(data: number[][] | Float64Array, options: FitOptions | undefined, source: EnvSource): Promise<FitPlan> {
  // The stats files and the shards' block order assume one region set for all levels.
  if (options?.regions === "ladder") throw new OptionError(`invalid option "regions": "ladder" fits in memory only (plans, shards and streamed fits use "fixed" or "single")`);
  return (await planWith(data, options, source)).plan;
}

/** Values beyond this in model units are refused (as prepare() refuses them in a fit): their squares must stay finite. */
const FAR_Z = 1e12;

/**
 * A plan's sums over rows in DATA units (dequantised and mapped as the plan says); row k's id,
 * which names its noise, is firstRow + k — or ids[k] when `first` is an array of ids (rows in
 * any order, e.g. a block sorted by region). Sums over any partition of a table's rows, merged,
 * equal the sums over the whole table up to rounding.
 */
export async function accumulate(p: FitPlan, data: number[][] | Float64Array, first: number | ArrayLike<number>, source: EnvSource,
  options: { threads?: number; backend?: Backend } = {}): Promise<FitStats> {
  const isId = (v: number) => Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER;
  if (typeof first === "number" && !isId(first)) throw new OptionError(`invalid firstRow: expected an integer ≥ 0, got ${first}`);
  const rows = toRows(data, p.dim, "rows", "the plan's dimension"), { m, n } = rows;
  let ids: Float64Array;
  if (typeof first === "number") ids = Float64Array.from({ length: m }, (_, k) => first + k);
  else {
    if (first.length !== m) throw new OptionError(`invalid ids: ${first.length} ids for ${m} rows`);
    ids = Float64Array.from(first);
    const bad = ids.findIndex((v) => !isId(v));
    if (bad >= 0) throw new OptionError(`invalid ids: ids[${bad}] is ${ids[bad]} (expected an integer ≥ 0)`);
  }
  dequantise(rows.x, m, n, p.dequantised, p.seed, ids);
  compressRows(p.compressed ?? [], rows.x, m, n);
  const z = toModel(p.map, mapMatrices(p.map).inv, rows.x, m);
  const far = z.findIndex((v) => !(Math.abs(v) <= FAR_Z));
  if (far >= 0) throw new DataError(`rows: row ${ids[Math.floor(far / n)] + 1}, column ${(far % n) + 1}: ${rows.x[far]} is ${Math.abs(z[far]).toExponential(1)} noise scales from the plan's centre (at most ${FAR_Z.toExponential(0)})`);
  const env = source.env(options.threads, options.backend);
  return accumulateWith(env, p, z, ids, m);
}

/** a + b: the sums of the union of their rows. */
export function merge(a: FitStats, b: FitStats): FitStats {
  if (a.levels.length !== b.levels.length || a.sum.length !== b.sum.length) throw new OptionError("merge: the stats come from different plans (their levels or dimensions differ)");
  const add = (x: Float64Array, y: Float64Array) => x.map((v, k) => v + y[k]);
  return { rows: a.rows + b.rows, sum: add(a.sum, b.sum), outer: add(a.outer, b.outer), levels: a.levels.map((s, l) => mergeSums(s, b.levels[l])) };
}

/** The model of a plan from the sums of its rows. */
export function solve(p: FitPlan, stats: FitStats, source: EnvSource, options: { backend?: Backend } = {}): ScoreModel {
  if (stats.levels.length !== p.levels.length || stats.sum.length !== p.dim) throw new OptionError("solve: the stats do not come from this plan (their levels or dimension differ)");
  if (!(stats.rows > 0)) throw new OptionError("solve: the stats hold no rows");
  return solveWith(source.env(1, options.backend), p, stats);
}

async function planWith(data: number[][] | Float64Array, options: FitOptions | undefined, source: EnvSource) {
  const o = resolveFitOptions(options);
  const rows = toRows(data, o.dim), { m, n } = rows;
  if (m < MIN_ROWS) throw new DataError(`data: need at least ${MIN_ROWS} rows to fit, got ${m}`);
  const columns = o.columns ?? null;
  if (columns && columns.length !== n) throw new OptionError(`invalid option "columns": ${columns.length} names for ${n} columns`);
  const ids = Float64Array.from({ length: m }, (_, t) => t);
  const prep = prepare(rows.x, m, n, o.seed, columns, ids);
  const env = source.env(o.threads, o.backend);
  env.pool.prepare(chunkCount(m)); // worker threads start behind the selection's first steps
  // The candidates' folds as one job on the pool: with K folds, a candidate's folds are fitted a thread each.
  const resolved = { ...o, onProgress: undefined, memory: o.memory === "auto" ? env.memory / 2 ** 20 : o.memory };
  const jobs: Job[] = [];
  const { config, selection } = await choose({ x: prep.x, ids, m }, n, prep, o, (folds) => {
    // The folds carry their rows: the prepared table itself does not go to the workers.
    const job = env.pool.open("candidate", { folds, n, prep: { ...prep, x: new Float64Array(0) }, options: resolved, columns } satisfies CandidateSpec);
    jobs.push(job);
    // Item k: case ⌊k / folds⌋ on fold k mod folds.
    return async (cases) => {
      const scores = await job.map<FoldScore>(cases.length * folds.length, cases satisfies CandidateParams);
      return cases.map((_, i) => scores.slice(i * folds.length, (i + 1) * folds.length));
    };
  }).finally(() => jobs.forEach((job) => job.close()));
  const { plan, sorted } = await planConfig(env, { x: prep.x, ids, m }, n, prep, config, o, columns, finalEffort(m));
  const { onProgress: _, threads: __, columns: ___, memory: ____, ...record } = { ...o, ...config, backend: env.kernels.backend };
  return { plan: { ...plan, config: record, selection }, env, sorted, o };
}

/** What a candidate's fits on the selection's folds share (the candidate task's spec, src/tasks.ts). */
export interface CandidateSpec {
  folds: Fold[];
  n: number;
  prep: Prepared;
  /** The fit's options, the memory budget resolved (in MiB), without the progress callback. */
  options: Omit<Resolved, "onProgress">;
  columns: string[] | null;
}
/** The candidates of one batch, each with the work its fits may take (see choose's budget). */
export type CandidateParams = { config: Config; allow: number }[];

/**
 * A thread's candidate fits: its one-thread Env on the job's backend (the caller's, whatever the
 * options said) and the micro-clusters its folds share across candidates.
 */
export function candidateContext(spec: CandidateSpec, kernels: Kernels, local: EnvSource) {
  return { spec, env: local.env(1, kernels.name), micro: new WeakMap() as MicroCache };
}

/**
 * A batch's candidate fitted on one fold's training rows at the selection's effort, and its held-out
 * log-densities; the errors the selection skips a candidate for come back as values (their
 * classes do not cross a thread boundary).
 */
export async function candidateFold(ctx: ReturnType<typeof candidateContext>, cases: CandidateParams, item: number): Promise<FoldScore> {
  const { folds, n, prep, options, columns } = ctx.spec, { train, hold } = folds[item % folds.length];
  const { config, allow } = cases[Math.floor(item / folds.length)];
  try {
    const { plan, sorted } = await planConfig(ctx.env, train, n, prep, config, options, columns, SELECTION, ctx.micro, allow);
    const model = solveWith(ctx.env, plan, await accumulateWith(ctx.env, plan, sorted.x, sorted.ids, sorted.m));
    return {
      lp: model.logpdf(hold.x, { steps: SELECT_LOGPDF_STEPS, tolerance: SELECT_TOLERANCE }),
      flat: model.regions.ranks.every((r) => r === 0),
      work: fitWork(model.regions, model.degree, model.levels.length, train.m),
    };
  } catch (e) {
    const kind = e instanceof WorkError ? "work" : e instanceof OptionError ? "option" : e instanceof SystemError ? "system" : undefined;
    if (!kind) throw e;
    return { error: { kind, message: (e as Error).message } };
  }
}

/** The largest variance of rows z (the top eigenvalue of their covariance). */
function spread(z: Float64Array, m: number, n: number): number {
  return leadingEigen(moments(z, m, n).cov, n, 1, -Infinity, 1e-9).values[0];
}

/** The horizon for rows whose largest variance is `top`: T = max(4, log S + margin), S the largest standard deviation. */
function horizonOf(top: number): number {
  return Math.max(4, 0.5 * Math.log(Math.max(top, 1e-300)) + HORIZON_MARGIN);
}

/** How much work a fit does: the final one, or a candidate's during the selection. */
interface Effort {
  levels: number;
  emIterations: number;
  /** k-means starts of the covariance gates' EM (the regions of the highest training likelihood kept). */
  starts: number;
}
/** EM iterations refining the regions' centres (algorithm.md: ~50; 5 under-fitted a close pair 40×). */
const EM_ITERATIONS = 50;
/**
 * The final fit's covariance-gate starts, from KFOLD_BELOW rows on (one configuration, so more
 * than a candidate's). With COVARIANCE_STARTS (3) all three starts of mix8d's final fit (five unit
 * Gaussians in 8-D, 20 000 rows, fit seed 4) merged two components and split a third: 0.70 nats
 * per row below the exact density held out, where the selection's candidate had found them.
 * k-means with K = 5 misses one of that mixture's components from 38% of its seeds (76 of 200 on
 * 4000 rows), so three starts all miss about once in 20 fits, ten about once in 16 000. With
 * fewer rows the final fit keeps the candidates' three, which the K-fold selection scored: ten
 * starts on iris split 0 (120 rows) kept a higher training likelihood that held out −2.12
 * against −1.79. Greedy k-means++ seeding (28 misses of 200) was tried and not kept: it moved
 * the selection's choices on iris and breast cancer, held out −1.735 against −1.660 and, on
 * three splits, 27.9 against 31.9 nats per row.
 */
const FINAL_STARTS = 10;
/** The final fit's effort on m rows: every level, and FINAL_STARTS from KFOLD_BELOW rows on. */
const finalEffort = (m: number): Effort => ({ levels: Infinity, emIterations: EM_ITERATIONS, starts: m < KFOLD_BELOW ? COVARIANCE_STARTS : FINAL_STARTS });
/** A candidate's fit: fewer levels (its ranking, not its accuracy, matters); EM converged as in the final fit (10 iterations left the atoms spread, which moved the best σ₀ by a grid step). */
const SELECTION: Effort = { levels: 12, emIterations: EM_ITERATIONS, starts: COVARIANCE_STARTS };

/**
 * Per set of rows: the map's shape per kind, the mapped rows' largest variance and the
 * micro-clusters per (map kind, K), both in units of σ₀ = 1 (the variance scales as σ₀⁻², and
 * k-means is equivariant under scaling), so the candidates that differ only in σ₀ share them.
 */
type MicroCache = WeakMap<IdRows, Map<string, Float64Array>>;

/** Refuses (an OptionError: the selection skips the candidate) what would need more than the budget. */
function withinBudget(bytes: number, budget: number, what: string): void {
  if (!(bytes <= budget)) {
    const mib = (b: number) => `${Math.ceil(b / 2 ** 20)} MiB`;
    throw new OptionError(`fit: ${what} need about ${mib(bytes)}, beyond the memory budget of ${mib(budget)}; lower the degree, rMax (--r-max) or the granularity, or raise the budget (--memory MB)`);
  }
}

/** The plan of one configuration on `rows` (data units), and the rows in model units sorted by micro-cluster (with their ids). */
async function planConfig(env: Env, rows: IdRows, n: number, prep: Prepared, c: Config, o: Omit<Resolved, "onProgress">,
  columns: string[] | null, effort: Effort, cache?: MicroCache, allow = Infinity): Promise<{ plan: FitPlan; sorted: IdRows }> {
  const { m } = rows;
  const known = cache?.get(rows) ?? new Map<string, Float64Array>();
  cache?.set(rows, known);
  // The map's shape depends on the rows and the kind, not on σ₀: one per kind (an n×n eigendecomposition when whitening).
  const shapeKey = `shape|${c.map}`;
  const shape = known.get(shapeKey) ?? Float64Array.from(c.map === "none" ? [] : mapShape(c.map, rows.x, m, n, prep.centre, prep.scales));
  known.set(shapeKey, shape);
  const map = makeMap(c.map, c.scale, rows.x, m, n, prep.centre, prep.scales, shape);
  const z = toModel(map, mapMatrices(map).inv, rows.x, m);
  // What candidates that differ only in σ₀ share is computed from the rows mapped at σ₀ = 1, not
  // rescaled from the first candidate's: the same numbers whichever σ₀ a thread meets first.
  let unitZ: Float64Array | undefined;
  const unit = () => {
    if (unitZ) return unitZ;
    const one = c.scale === 1 ? map : makeMap(c.map, 1, rows.x, m, n, prep.centre, prep.scales, shape);
    return (unitZ = c.scale === 1 ? z : toModel(one, mapMatrices(one).inv, rows.x, m));
  };
  // The horizon: z's largest variance scales as σ₀⁻², so candidates that differ in σ₀ share it (kept at σ₀ = 1).
  const topKey = `top|${c.map}`;
  if (o.T === "auto" && !known.has(topKey)) known.set(topKey, Float64Array.of(spread(unit(), m, n)));
  const T = o.T === "auto" ? horizonOf(known.get(topKey)![0] / c.scale ** 2) : o.T;
  if (!(o.tMin < T)) throw new OptionError(`invalid option "tMin": must be below the horizon T (${T}), got ${o.tMin}`);
  const K = Math.max(1, Math.min(c.granularity, Math.floor(m / ROWS_PER_REGION)));
  const budget = o.memory === "auto" ? env.memory : o.memory * 2 ** 20;
  // The regions' responsibility-weighted n×n second moments come first; the level sums and the solve once the regions are known.
  withinBudget(8 * (2 * m * n + K * n * n), budget, `${K} regions' ${n}×${n} second moments`);
  const ts = noiseLadder(Math.min(o.levels, effort.levels), o.tMin, T);
  const withinUnknowns = (r: Regions) => {
    const q = unknowns(r, c.degree);
    if (q > o.maxUnknowns) throw new OptionError(`fit: a ${q}×${q} system per level exceeds maxUnknowns (${o.maxUnknowns}); lower the degree or rMax (--r-max), or raise maxUnknowns (--max-unknowns)`);
  };
  const ro = { R: o.regions === "single" ? 0 : c.R, mode: o.regions, basis: o.basis, rMax: o.rMax, emIterations: effort.emIterations, gating: c.gates, frames: needsFrames(c.degree, c.gates), check: withinUnknowns };
  // Covariance gates make the regions a Gaussian mixture fitted by EM, whose optimum depends on
  // its start: as for any such mixture, several k-means starts, the one of the highest training
  // likelihood kept (diabetes, K = 3, five fit seeds: training log-likelihoods −25.54 … −25.96,
  // held-out −27.07 … −27.93, and −36.6 where a region collapsed, which src/regions.ts now
  // prevents). Other gates have no likelihood of their own to compare.
  const starts = c.gates === "covariance" && o.regions !== "ladder" ? effort.starts : 1;
  let best: { sorted: ReturnType<typeof sortByCluster>; sets: Regions[]; setOf: number[] | null; fit: number } | undefined;
  for (let s = 0; s < starts; s++) {
    const key = `${c.map}|${K}|${s}`;
    const centres = known.get(key) ?? microClusters(unit(), m, n, K, streamState(o.seed, "kmeans", ...(s > 0 ? [s] : [])));
    known.set(key, centres);
    const micro = c.scale === 1 ? centres : centres.map((v) => v / c.scale);
    // The one working copy of the data: ordered so that row blocks touch few groups, with each row's id.
    const sorted = sortByCluster(z, m, n, micro);
    // Under covariance gates the starts are compared by their regions' training log-likelihood over all rows (the EM's last pass).
    const built = o.regions === "ladder" ? { ...(await buildLadder(sorted.x, m, n, sorted.starts, ro, ts, env.pool)), fit: NaN }
      : await buildRegions(sorted.x, m, n, sorted.starts, ro, env.pool).then(({ regions, fit }) => ({ sets: [regions], setOf: null, fit }));
    if (!best || built.fit > best.fit) best = { sorted, ...built };
  }
  const { sorted, sets, setOf } = best!;
  for (let k = 0; k < m; k++) sorted.ids[k] = rows.ids[sorted.ids[k]];
  sets.forEach(withinUnknowns);
  const levelsOf = (k: number) => (setOf ? setOf.filter((v) => v === k).length : ts.length); // set k's levels
  const work = sets.reduce((w, r, k) => w + fitWork(r, c.degree, levelsOf(k), m), 0); // the selection's budget (src/select.ts)
  if (!(work <= allow)) throw new WorkError(beyond(`${ts.length} levels of ${sets[0].weights.length} regions (ranks up to ${Math.max(0, ...sets.flatMap((r) => r.ranks))}) at degree ${c.degree} need`, work, allow));
  const bytes = sets.reduce((b, r, k) => b + planBytes(r, c.degree, levelsOf(k), k === 0 ? m : 0), 0);
  withinBudget(bytes, budget, `${ts.length} levels of ${sets[0].weights.length} regions at degree ${c.degree}`);
  const level = makePlan(env.kernels.create(), sets, setOf, c.degree, ts, sorted.x, m, { gates: c.gates, seed: o.seed, ridge: o.ridge });
  const plan: FitPlan = {
    format: PLAN_FORMAT, version: 1, dim: n, columns, map, dequantised: prep.dequantised, ...(prep.compressed.length ? { compressed: prep.compressed } : {}), tMin: o.tMin, T, ...level, config: {}, selection: [],
  };
  return { plan, sorted: { x: sorted.x, ids: sorted.ids, m } };
}

/**
 * The sums of rows z (model units, m×n) with their ids: per level, the chunks' sums computed on
 * the pool and added in chunk order; Σz and Σzzᵀ.
 */
async function accumulateWith(env: Env, plan: FitPlan, z: Float64Array, ids: Float64Array, m: number,
  onProgress?: (p: Progress) => void): Promise<FitStats> {
  const n = plan.dim, shape = shapeOf(plan.regions, plan.degree), L = plan.levels.length;
  const sum = new Float64Array(n), outer = new Float64Array(n * n);
  // The upper triangle, then its mirror: z_i·z_j and z_j·z_i are the same product, so the sums are too.
  for (let t = 0; t < m; t++) {
    for (let i = 0; i < n; i++) {
      const zi = z[t * n + i];
      sum[i] += zi;
      for (let j = i; j < n; j++) outer[i * n + j] += zi * z[t * n + j];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) outer[i * n + j] = outer[j * n + i];
  // One job per region set (a ladder's levels use several), each level's chunks added in chunk order.
  const levels: LevelSums[] = new Array(L);
  const sets = [plan.regions, ...(plan.ladder ?? [])];
  let done = 0;
  for (let k = 0; k < sets.length; k++) {
    const regions = sets[k], shape = shapeOf(regions, plan.degree);
    const spec: ChunkSpec = { x0: z, ids, firstRow: 0, m, regions, degree: plan.degree, seed: plan.seed };
    await withJob(env.pool, "level-stats", spec, async (job) => {
      for (let l = 0; l < L; l++) {
        if ((plan.levels[l].set ?? 0) !== k) continue;
        const parts = await job.map<ChunkStats>(chunkCount(m), packPlanLevel(plan, l));
        const sums = emptySums({ regions, degree: plan.degree });
        for (const part of parts) addChunk(sums, shape, part);
        levels[l] = sums;
        done++;
        onProgress?.({ phase: "fit", done, total: L, message: `level ${done}/${L} (t=${plan.levels[l].t.toPrecision(3)})` });
      }
    });
  }
  return { rows: m, sum, outer, levels };
}

/** The model of a plan from its sums: each level's solve, the start's moments. */
function solveWith(env: Env, plan: FitPlan, stats: FitStats): ScoreModel {
  const kernels = env.kernels.create(), n = plan.dim, m = stats.rows;
  // A ladder solves from the top level down, each warm-started from the level above when it has the same regions.
  const levels: Level[] = new Array(plan.levels.length);
  for (let l = plan.levels.length - 1; l >= 0; l--) {
    const above = plan.ladder && l + 1 < levels.length && levels[l + 1].set === plan.levels[l].set ? levels[l + 1] : undefined;
    levels[l] = solveLevel(kernels, plan, l, stats.levels[l], above);
  }
  const mean = Array.from(stats.sum, (v) => v / m);
  const cov = Array.from(stats.outer, (v, k) => v / m - mean[Math.floor(k / n)] * mean[k % n]);
  return new ScoreModel({
    dim: n, columns: plan.columns, map: plan.map, dequantised: plan.dequantised, compressed: plan.compressed ?? [], rows: m, degree: plan.degree, gating: plan.gates,
    tMin: plan.tMin, T: plan.T, regions: plan.regions, ladder: plan.ladder, levels, moments: { mean, cov }, config: plan.config, selection: plan.selection,
  }, env.kernels);
}

export type { Candidate };
