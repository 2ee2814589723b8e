/**
 * fit(): regions once, then the level system (src/system.ts) for each noise level, solved
 * jointly for all groups; granularity (R) and degree chosen on held-out data unless given
 * (src/select.ts).
 */
import type { Backend } from "./kernels/index.ts";
import { toRows } from "./dataset.ts";
import { BACKEND, DIM, OptionError, PROGRESS, SEED, THREADS, int, num, oneOf, resolve, type Decl } from "./options.ts";
import { chunkCount, withJob, type Env, type EnvSource } from "./pool.ts";
import { addChunk, emptySums, makePlan, packPlanLevel, solve, unknowns, type ChunkSpec, type ChunkStats } from "./system.ts";
import { noiseLadder } from "./ladder.ts";
import { shapeOf, type Level, type Regions } from "./level.ts";
import { buildRegions, microClusters, sortByCluster } from "./regions.ts";
import { moments } from "./linalg.ts";
import { streamState } from "./random.ts";
import { ScoreModel } from "./model.ts";
import { select, type IdRows } from "./select.ts";

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

type Resolved = Required<Omit<FitOptions, "dim" | "onProgress" | "threads" | "backend">> & Pick<FitOptions, "dim" | "onProgress" | "threads" | "backend">;

export const AUTO_DEGREES = [0, 2, 6];
export const AUTO_R = [2, 0];

export const FIT_OPTIONS = {
  degree: { check: int(0, 12), default: "auto", auto: true, doc: `polynomial degree per region, or "auto" (picks from ${AUTO_DEGREES.join(", ")} on held-out data)`, cli: { value: "D" } },
  levels: { check: int(2, 1000), default: 40, doc: "noise levels, uniform in log-SNR between tMin and T", cli: { value: "L" } },
  tMin: { check: num(0, 10, true), default: 0.01, doc: "the smallest noise level" },
  T: { check: num(0, 20, true), default: 4, doc: "the largest noise level (where the sampler starts)" },
  R: { check: num(0, 100), default: "auto", auto: true, doc: `merge micro-clusters while their separation estimate is below R; 0 keeps them all; "auto" picks from ${AUTO_R.join(", ")}` },
  microClusters: { check: int(1, 1000), default: 30, doc: "k-means clusters before merging (at most rows/20)" },
  rMax: { check: int(0, 8), default: 4, doc: "largest local frame (directions with polynomial dependence) per region", cli: { value: "R" } },
  ridge: { check: num(0, 1), default: 1e-3, doc: "relative ridge on the normal equations" },
  seed: SEED,
  backend: BACKEND,
  regions: { check: oneOf("merged", "single"), default: "merged", doc: '"single": one region (the paper\'s literal setting)' },
  gates: { check: oneOf("soft", "hard"), default: "soft", doc: '"hard": Voronoi cells (the paper\'s) instead of the soft partition of unity' },
  basis: { check: oneOf("projected", "full"), default: "projected", doc: '"full": polynomials in all n coordinates (the paper\'s)' },
  holdout: { check: num(0, 0.5, true), default: 0.1, doc: 'share of rows held out to choose degree and R when either is "auto"' },
  maxUnknowns: { check: int(1, 100000), default: 2500, doc: "refuse configurations whose per-level system has more unknowns", cli: { value: "Q" } },
  dim: DIM,
  threads: THREADS,
  onProgress: PROGRESS,
} satisfies Record<keyof FitOptions, Decl>;
export const MIN_ROWS = 50;
const SELECT_LEVELS = 12;

export function resolveFitOptions(options?: FitOptions): Resolved {
  const o = resolve<Resolved>(options, FIT_OPTIONS);
  if (!(o.tMin < o.T)) throw new OptionError(`invalid option "tMin": must be below "T" (${o.T}), got ${o.tMin}`);
  return o;
}

export async function fit(data: number[][] | Float64Array, options: FitOptions | undefined, source: EnvSource): Promise<ScoreModel> {
  const o = resolveFitOptions(options);
  const rows = toRows(data, o.dim), { m, n } = rows;
  if (m < MIN_ROWS) throw new OptionError(`data: need at least ${MIN_ROWS} rows to fit, got ${m}`);
  const env = source.env(o.threads, o.backend);
  env.pool.prepare(chunkCount(m)); // worker threads start behind the k-means
  const K = Math.max(1, Math.min(o.microClusters, Math.floor(m / 20)));
  const micro = microClusters(rows.x, m, n, K, streamState(o.seed, "kmeans"));
  // From here on, the one working copy of the data: ordered so that row blocks touch few groups.
  const { x, ids, starts } = sortByCluster(rows.x, m, n, micro);
  // Regions from all rows, once per R, shared by the candidates and the final fit: built on
  // the training split alone, a region's rank could differ from the final one's (the frame
  // threshold depends on its row count) and the choice of degree would not carry over.
  const built = new Map<number, Promise<Regions>>();
  const regionsFor = (R: number) => {
    if (!built.has(R)) built.set(R, buildRegions(x, m, n, starts, { R, mode: o.regions, basis: o.basis, rMax: o.rMax, emIterations: 50 }, env.pool));
    return built.get(R)!;
  };
  const { best, selection } = await select({
    x, ids, m, n, seed: o.seed, holdout: o.holdout, maxUnknowns: o.maxUnknowns, kernels: env.kernels.create(),
    degrees: o.degree === "auto" ? AUTO_DEGREES : [o.degree],
    Rs: o.regions === "single" ? [0] : o.R === "auto" ? AUTO_R : [o.R],
    regionsFor,
    fitOn: async (train, regions, degree) => {
      const ts = noiseLadder(Math.min(o.levels, SELECT_LEVELS), o.tMin, o.T);
      return assemble(env, regions, await fitLevels(env, train, regions, degree, ts, o), degree, o, x, m, n, [], {});
    },
    onCandidate: (c, done, total) => o.onProgress?.({ phase: "select", done, total, message: `R=${c.R} degree=${c.degree}: ${c.loss ?? c.note}` }),
  });
  const regions = await regionsFor(best.R);
  const q = unknowns(regions, best.degree);
  if (q > o.maxUnknowns) {
    throw new OptionError(`fit: ${q} unknowns per level exceed maxUnknowns (${o.maxUnknowns}); lower "degree" or "rMax", or raise "maxUnknowns"`);
  }
  const levels = await fitLevels(env, { x, ids, m }, regions, best.degree, noiseLadder(o.levels, o.tMin, o.T), o);
  const { onProgress: _, threads: __, ...config } = { ...o, backend: env.kernels.backend, R: best.R, degree: best.degree };
  return assemble(env, regions, levels, best.degree, o, x, m, n, selection, config);
}

function assemble(env: Env, regions: Regions, levels: Level[], degree: number, o: Resolved, x: Float64Array, m: number, n: number,
  selection: ScoreModel["selection"], config: Record<string, unknown>): ScoreModel {
  const mo = moments(x, m, n);
  return new ScoreModel({
    dim: n, degree, gates: o.gates, tMin: o.tMin, T: o.T, regions, levels,
    moments: { mean: Array.from(mo.mean), cov: Array.from(mo.cov) }, config, selection,
  }, env.kernels);
}

/** The levels at times ts: the plan, then per level the chunks' sums (on the pool, added in order) and the solve. */
export async function fitLevels(env: Env, rows: IdRows, regions: Regions, degree: number, ts: number[], o: Resolved): Promise<Level[]> {
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
      o.onProgress?.({ phase: "fit", done: l + 1, total: ts.length, message: `level ${l + 1}/${ts.length} (t=${ts[l].toPrecision(3)})` });
    }
    return levels;
  });
}
