/**
 * Choosing what a fit leaves "auto" — the map, σ₀, the granularity, R, the degree — by the
 * held-out log-likelihood in DATA units (algorithm.md, "Data in any units": Stein losses at
 * different σ₀ score different targets, so they cannot compare σ₀). Candidates are fitted on a
 * training split at fewer levels and scored by the exact log-density of the held-out rows;
 * with few rows, by K-fold cross-validation instead of one split.
 *
 * The search is coordinate-wise from a starting configuration (many regions, degree 0): the map
 * first (each kind at its own start), then σ₀ on the grid 2^(k/4) in the data's decimal unit (see
 * decimalUnit) — starting from a multiple
 * of the leave-one-out kernel-density bandwidth h of the mapped rows, by the duality of such a
 * model with a kernel density of bandwidth σ₀ — then the granularity, R and the degree at that
 * σ₀, then the other map kinds there (each with σ₀ walked), then σ₀ again if they changed;
 * with more rows than the search fits on, the best three again on more and σ₀ walked there.
 * Each configuration is fitted once; all are recorded.
 */
import { OptionError } from "./options.ts";
import { DataError } from "./dataset.ts";
import type { Candidate } from "./model.ts";
import type { MapKind } from "./map.ts";
import { shapeOf, type Gating, type Regions } from "./level.ts";
import { makeMap, mapMatrices, toModel } from "./map.ts";
import type { Prepared } from "./prepare.ts";
import { streamState, uniforms } from "./random.ts";
import { SystemError, solveWork } from "./system.ts";
import { COVARIANCE_STARTS, needsFrames, ROWS_PER_REGION } from "./regions.ts";

/** Rows with their ids (their places in the data as given: they name the rows' noise). */
export interface IdRows {
  x: Float64Array;
  ids: Float64Array;
  m: number;
}

export interface Config {
  map: MapKind;
  gates: Gating;
  scale: number;
  granularity: number;
  R: number;
  degree: number;
}

/** What the search reads of the fit's resolved options (src/fit.ts passes them all). */
export interface SearchOptions {
  map: MapKind | "auto";
  scale: number | "auto";
  granularity: number | "auto";
  R: number | "auto";
  degree: number | "auto";
  gates: Gating | "auto";
  regions: "fixed" | "single" | "ladder";
  holdout: number;
  seed: number;
  onProgress?: (p: { phase: "select"; done: number; total: number; message: string }) => void;
}

/** A training split and the rows held out from it. */
export interface Fold {
  train: IdRows;
  hold: IdRows;
}

/**
 * A candidate's fit on one fold: the held-out rows' log-densities, whether all its regions are
 * frameless, and its fitWork; or why it was refused (OptionError, SystemError or WorkError, by kind).
 */
export type FoldScore = { lp: Float64Array; flat: boolean; work: number } | { error: { kind: "option" | "system" | "work"; message: string } };

/**
 * Fits on these folds (src/fit.ts: one job on the pool, a candidate's fold per item): the function
 * returned fits each case's config on every fold, its `allow` bounding each fit's work once its
 * regions are built (fitWork: a WorkError beyond it); the scores by case, then fold.
 */
type OpenFolds = (folds: Fold[]) => (cases: { config: Config; allow: number }[]) => Promise<FoldScore[][]>;

/**
 * The selection's work budget in estimated multiply-adds (regionWork + fitWork, every fold):
 * a candidate that would take more than what is left is skipped, with a note, unfitted; when
 * the first ones cannot be fitted within it the fit is refused. Measured on 2 shared cores
 * (issue 14, row 6): 1e10 of them take 5–20 s (the regions' moments run near 0.5e9 a second,
 * the solves near 2e9). Whole selections estimated 4e9–8e9 on blobs2d, mix8d and sphere3,
 * 8e10 on sub24 (45 s) and 1.9e11 on breast cancer (569 × 30, 120 s; a budget of 1e11 changed
 * its choice); 1000 rows × 300 columns ran for over 10 minutes without one.
 */
export const SELECT_WORK = 2e11;

/** A candidate beyond what is left of the selection's work budget. */
export class WorkError extends DataError {}

export const SELECT_LOGPDF_STEPS = 20;
/**
 * The candidates' held-out log-densities on the fixed grid (no refinement, src/flow.ts): on a
 * breast-cancer split (K-fold, 53 candidates) refining rows to 0.3 nats chose the same
 * configuration and took 90 s against 70.
 */
export const SELECT_TOLERANCE = 0;
/**
 * The search fits candidates on at most SEARCH_ROWS training rows and scores them on at most
 * HOLD_ROWS; then the SHORTLIST best are scored again on at most CONFIRM_ROWS training rows (when
 * there are more), since a small training set over-rated few-region models (blobs2d: a 5-region
 * degree-1 candidate ranked first on 4000 rows and 0.03 nats worse than the best on 20 000).
 */
const SEARCH_ROWS = 4000;
const CONFIRM_ROWS = 16000;
const HOLD_ROWS = 2000;
const SHORTLIST = 3;
/** Walk σ₀ from every start whose loss is within this of its regime's best start (nats per row). */
const CLOSE_START = 0.02;

/** Below this many rows, K-fold cross-validation (FOLDS folds) instead of one split. */
export const KFOLD_BELOW = 2000;
const FOLDS = 5;
/** The bandwidth's subsample and its precision in log h: it only starts σ₀, which then moves on a grid of steps 0.17 in log σ₀. */
const BANDWIDTH_ROWS = 1000;
const BANDWIDTH_TOL = 0.01;
const AUTO_DEGREES = [0, 1, 2];
/** The granularity walk's last brackets are split while their ends differ by more than this factor. */
const GRANULARITY_GAP = 1.25;
const AUTO_R = [0, 2];

/** Two shapes of model the search starts from (algorithm.md, "Data in any units"). */
interface Regime {
  /** σ₀ as a multiple of the leave-one-out kernel bandwidth h. */
  bandwidths: number;
  granularity: number;
  degree: number;
  gates: Gating;
}
/**
 * "kde": many regions, a constant each — a compressed kernel density, which needs more smoothing
 * than a KDE (σ₀ ≈ 2h). "gmm": a few regions whose degree-1 frames give each its own covariance —
 * a Gaussian mixture whose components are at least σ₀ wide, so σ₀ well below h — with the gates
 * that follow those covariances (src/level.ts), so that the regions are that mixture's components.
 */
const REGIMES: Regime[] = [
  { bandwidths: 2, granularity: 100, degree: 0, gates: "soft" },
  { bandwidths: 0.25, granularity: 5, degree: 1, gates: "covariance" },
];

/** The configuration to fit, and the scores of every candidate tried. */
export async function choose(rows: IdRows, n: number, prep: Prepared, o: SearchOptions, open: OpenFolds): Promise<{ config: Config; selection: Candidate[] }> {
  const kinds = mapKinds(o.map, prep, rows, n);
  const fixed = (v: number | "auto") => (v === "auto" ? undefined : v);
  // The gates follow the regime (or are fixed): not searched on their own.
  const auto = { scale: o.scale === "auto", granularity: o.granularity === "auto", R: o.R === "auto" && o.regions !== "single", degree: o.degree === "auto" };
  const folds = kinds.length > 1 || Object.values(auto).some(Boolean) ? splits(rows, o.holdout, o.seed, SEARCH_ROWS) : [];
  const most = Math.max(1, Math.floor(Math.min(rows.m, ...folds.map((f) => f.train.m)) / ROWS_PER_REGION)); // the fit's cap on micro-clusters
  const h = new Map<MapKind, number>();
  const hOf = (kind: MapKind) => h.get(kind) ?? h.set(kind, bandwidth(kind, prep, rows, n)).get(kind)!;
  let unit: number | undefined;
  const grid = (s: number) => snap(s, (unit ??= decimalUnit(hOf(kinds[0]))));
  const start = (kind: MapKind, r: Regime): Config => ({
    map: kind,
    gates: o.gates === "auto" ? r.gates : o.gates,
    scale: fixed(o.scale) ?? grid(r.bandwidths * hOf(kind)),
    granularity: Math.min(fixed(o.granularity) ?? r.granularity, most),
    R: fixed(o.R) ?? 0,
    degree: fixed(o.degree) ?? r.degree,
  });
  if (folds.length === 0) return { config: start(kinds[0], REGIMES[0]), selection: [] };

  const tried = new Map<string, { loss: number | null; flat: boolean }>();
  let firstError: Error | undefined;
  const selection: Candidate[] = [];
  let best: Config | undefined, bestLoss = Infinity;
  let spent = 0; // estimated multiply-adds of the candidates fitted so far
  const lossOf = (c: Config) => tried.get(JSON.stringify(c))?.loss ?? Infinity;
  const fitters = new Map<Fold[], ReturnType<OpenFolds>>();
  type Scored = { loss: number | null; flat: boolean; note?: string };
  /**
   * Held-out losses on these folds of candidates that do not depend on each other, fitted as one
   * job (with threads, side by side): each one's loss, whether all its regions are frameless, or the
   * error that refused it. What is left of the budget is shared among the batch (so that side by
   * side they cannot spend more than one after another could).
   */
  const scoreAll = async (cs: Config[], on: Fold[]): Promise<Scored[]> => {
    const left = SELECT_WORK - spent;
    const builds = cs.map((c) => on.reduce((w, f) => w + regionWork(f.train.m, n, c.granularity, c.gates, c.degree), 0));
    const runs = cs.filter((_, i) => builds[i] <= left), share = (left - builds.reduce((a, b) => a + b, 0)) / cs.length;
    const fitter = fitters.get(on) ?? fitters.set(on, open(on)).get(on)!;
    const scores = runs.length ? await fitter(runs.map((c) => ({ config: c, allow: (cs.length === 1 ? left - builds[0] : share) / on.length }))) : [];
    return cs.map((c, i) => {
      let total = 0, count = 0, flat = false;
      try {
        if (!(builds[i] <= left)) throw new WorkError(beyond(`its ${c.granularity} regions' ${n}×${n} moments need`, builds[i], left));
        // In fold order, to the first refusal: the budget counts what one fold after another would have spent.
        for (const [f, s] of scores[runs.indexOf(c)].entries()) {
          spent += regionWork(on[f].train.m, n, c.granularity, c.gates, c.degree);
          if ("error" in s) throw new (s.error.kind === "work" ? WorkError : s.error.kind === "option" ? OptionError : SystemError)(s.error.message);
          spent += s.work;
          flat ||= s.flat;
          for (const v of s.lp) total += v;
          count += s.lp.length;
        }
        const loss = -total / count; // held-out negative log-likelihood per row, nats (lower is better)
        if (!Number.isFinite(loss)) throw new SystemError("its held-out log-likelihood is not finite");
        return { loss, flat };
      } catch (e) {
        if (!(e instanceof OptionError || e instanceof SystemError || e instanceof WorkError)) throw e;
        firstError ??= e;
        return { loss: null, flat, note: `skipped: ${(e as Error).message}` };
      }
    });
  };
  const serially = async (cs: Config[], on: Fold[]): Promise<Scored[]> => {
    const out: Scored[] = [];
    for (const c of cs) out.push((await scoreAll([c], on))[0]);
    return out;
  };
  /**
   * Fit and score the candidates not tried yet, recording each in order: as one batch with K folds;
   * one by one on a single split, whose candidates run on the calling thread, where the micro-clusters
   * they share are cached (batched onto cold workers, blobs6's 20 000 rows took 13.7 s against 12.5).
   */
  const considerAll = async (cs: Config[]): Promise<void> => {
    const fresh = cs.filter((c, i) => !tried.has(JSON.stringify(c)) && cs.findIndex((d) => JSON.stringify(d) === JSON.stringify(c)) === i);
    const scored = folds.length > 1 ? await scoreAll(fresh, folds) : await serially(fresh, folds);
    fresh.forEach((c, i) => {
      const { loss, flat, note } = scored[i];
      const cand: Candidate = { ...c, loss, ...(note ? { note } : {}) };
      tried.set(JSON.stringify(c), { loss: cand.loss, flat });
      selection.push(cand);
      o.onProgress?.({ phase: "select", done: selection.length, total: selection.length + 1, message: describe(cand) });
      if (cand.loss !== null && cand.loss < bestLoss) [best, bestLoss] = [c, cand.loss];
    });
  };
  const consider = (c: Config) => considerAll([c]);
  /** From c by the first move while lossAt falls, else by the second; returns the best on that line. */
  const line = async (c: Config, moves: ((c: Config) => Config)[], lossAt: (c: Config) => Promise<number>): Promise<Config> => {
    let here = c, low = await lossAt(c);
    for (const move of moves) {
      let moved = false;
      for (;;) {
        const next = move(here);
        if (JSON.stringify(next) === JSON.stringify(here)) break;
        const loss = await lossAt(next);
        if (!(loss < low)) break;
        [here, low] = [next, loss];
        moved = true;
      }
      if (moved) break;
    }
    return here;
  };
  /** σ₀ on the grid by factors `step`, then 1/step. */
  const scales = (step: number) => [step, 1 / step].map((f) => (c: Config) => ({ ...c, scale: grid(c.scale * f) }));
  /** The σ₀ walk on the search's folds (c itself already scored). */
  const walk = (c: Config, step: number) => line(c, scales(step), async (next) => (await consider(next), lossOf(next)));
  /** The granularity from k by a factor of 1.5 (rounded, at least one step) up or down, within [1, cap]. */
  const granular = (k: number, up: boolean, cap: number) => Math.max(1, Math.min(cap, up ? Math.max(k + 1, Math.round(k * 1.5)) : Math.min(k - 1, Math.round(k / 1.5))));

  /**
   * The granularity from c by factors of 1.5 (rounded, at least one step): up while it improves,
   * else down; then between the best and each neighbour that lost, the geometric midpoint while the
   * two are more than GRANULARITY_GAP apart. Under covariance gates the granularity is the mixture's
   * number of components, and steps of 1.5 from 5 go to 8 and 3: sub24 (four Gaussians in 24-D)
   * kept five regions, 0.06 nats per row below the exact density held out.
   */
  const walkGranularity = async (c: Config): Promise<void> => {
    let here = c;
    const step = (k: number, up: boolean) => granular(k, up, most);
    for (const up of [true, false]) {
      let moved = false;
      for (;;) {
        const k = here.granularity, next = step(k, up);
        if (next === k) break;
        const cand = { ...here, granularity: next };
        await consider(cand);
        if (!(lossOf(cand) < lossOf(here))) break;
        here = cand;
        moved = true;
      }
      if (moved) break;
    }
    for (const up of [true, false]) {
      let far = step(here.granularity, up);
      for (;;) {
        const k = here.granularity, mid = Math.round(Math.sqrt(k * far));
        if (!(Math.max(k, far) / Math.min(k, far) > GRANULARITY_GAP) || mid === k || mid === far) break;
        const cand = { ...here, granularity: mid };
        await consider(cand);
        if (lossOf(cand) < lossOf(here)) here = cand;
        else far = mid;
      }
    }
  };

  // 1. Every map kind in both regimes at its start; 2. σ₀ walked (√2 steps, then 2^(1/4)) from
  //    the best start of each regime (from every start with few rows); 3. granularity, R, degree
  //    and map kind at the winner, one at a time (the degree only where some region has a frame);
  //    4. σ₀ again if they changed it.
  let starts = REGIMES.map((r) => kinds.map((kind) => start(kind, r)));
  await considerAll(starts.flat());
  // Every start beyond the budgets (memory, work): the starts again with half the regions, while
  // any has more than one; the search then goes on from those.
  while (!best && auto.granularity && starts.some((row) => row.some((c) => c.granularity > 1))) {
    starts = starts.map((row) => row.map((c) => ({ ...c, granularity: Math.max(1, Math.round(c.granularity / 2)) })));
    await considerAll(starts.flat());
  }
  if (!best) {
    if (firstError instanceof WorkError) throw new WorkError(`fit: the cheapest configuration is beyond the selection's work budget (${firstError.message}): choose it yourself (--map, --scale, --granularity, --degree: nothing left "auto" is not searched) or fit fewer columns`);
    throw firstError ?? new OptionError("fit: no configuration could be fitted");
  }
  if (auto.scale) {
    // With few rows a candidate is cheap: walk σ₀ from every start; else from those close to their regime's best.
    const leads = starts.flatMap((row) => {
      const top = Math.min(...row.map(lossOf));
      return row.filter((c) => lossOf(c) < Infinity && (folds.length > 1 || lossOf(c) <= top + CLOSE_START));
    });
    for (const lead of leads) await walk(await walk(lead, Math.SQRT2), 2 ** 0.25);
  }
  const before = best!;
  if (auto.granularity) await walkGranularity(best!);
  if (auto.R) await considerAll(AUTO_R.map((R) => ({ ...best!, R })));
  if (auto.degree) {
    // Degree 0 under soft gates fits no frames: the degree-1 candidate finds out whether any region
    // has one; if none has, higher degrees are the same model.
    const base = best!;
    for (const degree of AUTO_DEGREES) {
      const c = { ...base, degree };
      await consider(c);
      if (degree >= 1 && tried.get(JSON.stringify(c))?.flat) break;
    }
  }
  // The other map kinds at the winner, each with σ₀ walked from there: a kind whose start lost by a
  // margin may win at the winner's granularity (sub24, four unit Gaussians in 24-D: the isotropic
  // covariance start, 60.0 nats at σ₀ = 0.25 against the diagonal's 57.4, was never walked; at
  // σ₀ = 1, K = 4 it is 0.004 nats per row from the exact density held out, the diagonal winner 0.057).
  const winner = best!;
  for (const map of kinds.filter((k) => k !== winner.map)) {
    const c = { ...winner, map };
    await consider(c);
    if (auto.scale) await walk(c, 2 ** 0.25);
  }
  if (auto.scale && JSON.stringify(best) !== JSON.stringify(before)) await walk(best!, 2 ** 0.25);
  // The shortlist again on more training rows, where the data has them.
  if (folds.length === 1 && rows.m * (1 - o.holdout) > SEARCH_ROWS) {
    const confirm = splits(rows, o.holdout, o.seed, CONFIRM_ROWS);
    // A frameless candidate of degree ≥ 1 whose degree-0 twin was tried is that model again: it takes no place.
    const same = (c: Candidate) => c.degree > 0 && tried.get(JSON.stringify(configOf(c)))?.flat === true && tried.has(JSON.stringify({ ...configOf(c), degree: 0 }));
    const shortlist = selection.filter((c) => c.loss !== null && !same(c)).sort((p, q) => p.loss! - q.loss!).slice(0, SHORTLIST);
    const confirmed = new Map<string, number>();
    let winner: Config | undefined, top = Infinity;
    /** The candidates not confirmed yet scored on these rows (one by one: see considerAll), recorded in order. */
    const againAll = async (cs: Config[]): Promise<void> => {
      const fresh = cs.filter((c) => !confirmed.has(JSON.stringify(c)));
      const scored = await serially(fresh, confirm);
      fresh.forEach((c, i) => {
        const key = JSON.stringify(c), { loss } = scored[i];
        let cand = selection.find((s) => JSON.stringify(configOf(s)) === key);
        if (!cand) selection.push((cand = { ...c, loss: null, note: "tried on the larger training set only" }));
        cand.confirmed = loss;
        confirmed.set(key, loss ?? Infinity);
        o.onProgress?.({ phase: "select", done: selection.length, total: selection.length + 1, message: `${describe(cand)}; on ${confirm[0].train.m} rows ${loss?.toFixed(4) ?? "refused"}` });
        if (loss !== null && loss < top) [winner, top] = [c, loss];
      });
    };
    const again = async (c: Config): Promise<number> => (await againAll([c]), confirmed.get(JSON.stringify(c))!);
    await againAll(shortlist.map(configOf));
    // σ₀ walked again on these rows from their best, down first: with more training rows the best
    // σ₀ is smaller, as a kernel density's bandwidth (pinwheel, 8000 rows: σ₀ 0.168 on the search's
    // 4000 training rows, 0.141 on 6400; held out −2.345 against −2.338).
    if (winner) best = auto.scale ? await line(winner, scales(2 ** -0.25), again) : winner;
    // Then σ₀ and the granularity together, for soft gates (a compressed kernel density, whose
    // smaller σ₀ needs more regions to cover the same data): the walks one at a time miss that
    // ridge (checkerboard, 8000 rows: σ₀ 0.21, K = 122 from the search, neither moving alone on
    // these rows; σ₀ 0.177, K = 183 held out 0.0073 ± 0.0034 nats per row better, paired).
    if (winner && best!.gates === "soft" && auto.scale && auto.granularity) {
      const cap = Math.max(1, Math.floor(confirm[0].train.m / ROWS_PER_REGION));
      const together = (f: number, up: boolean) => (c: Config) => ({ ...c, scale: grid(c.scale * f), granularity: granular(c.granularity, up, cap) });
      best = await line(best!, [together(2 ** -0.25, true), together(2 ** 0.25, false)], again);
    }
  }
  return { config: best!, selection };
}

/** The configuration of a recorded candidate (its fields in Config's order, as `tried` keys them). */
function configOf(c: Candidate): Config {
  return { map: c.map as MapKind, gates: c.gates as Gating, scale: c.scale as number, granularity: c.granularity as number, R: c.R, degree: c.degree };
}

/**
 * The map kinds worth trying: "auto" tries isotropic, diagonal and whiten, but drops a kind whose
 * shape is within 5% of one already kept (equal column scales make diagonal isotropic; weak
 * correlations make whiten diagonal).
 */
function mapKinds(map: SearchOptions["map"], prep: Prepared, rows: IdRows, n: number): MapKind[] {
  if (map !== "auto") return [map];
  const kept: { kind: MapKind; shape: number[] }[] = [];
  for (const kind of ["isotropic", "diagonal", "whiten"] as MapKind[]) {
    const shape = makeMap(kind, 1, rows.x, rows.m, n, prep.centre, prep.scales).shape;
    if (!kept.some((k) => shape.every((v, i) => Math.abs(v - k.shape[i]) <= 0.05 * Math.max(1, Math.abs(k.shape[i]))))) kept.push({ kind, shape });
  }
  return kept.map((k) => k.kind);
}

function describe(c: Candidate): string {
  const what = `${c.map} ${c.gates} gates σ₀=${c.scale} K=${c.granularity} R=${c.R} degree=${c.degree}`;
  return c.loss === null ? `${what}: ${c.note}` : `${what}: held-out −log p ${c.loss.toFixed(4)}`;
}

/** A WorkError's message: what needs how much, against what is left of the budget. */
export function beyond(what: string, work: number, left: number): string {
  return `${what} about ${work.toExponential(1)} multiply-adds, more than the ${Math.max(0, left).toExponential(1)} left of the selection's ${SELECT_WORK.toExponential(0)}; lower the degree or --r-max, or fix what the selection chooses`;
}

/**
 * The covariance gates' EM rounds that the estimate counts: they stop by the likelihood's gain,
 * so their number is not known ahead; in one selection on diabetes (423 region fits) the mean was 27,
 * 81% stopped within 40 and 95% within 60 (none reached the cap, SHAPED_ROUNDS).
 */
const SHAPED_ROUNDS_SEEN = 30;

/** Multiply-adds of building K regions on m rows, roughly: their n×n second moments, once, or per round of the covariance gates' EM. */
export function regionWork(m: number, n: number, K: number, gates: Gating, degree: number): number {
  // Frameless regions (degree 0 under soft or hard gates, src/regions.ts) need first moments only.
  if (!needsFrames(degree, gates)) return m * K * n;
  return m * K * n * n * (gates === "covariance" ? COVARIANCE_STARTS * (1 + SHAPED_ROUNDS_SEEN) : 1);
}

/**
 * Multiply-adds of a fit of built regions: per level the sums over the rows (each row's
 * features against the features and the n coordinates) and the solve (solveWork: the path
 * solveLevel takes).
 */
export function fitWork(regions: Regions, degree: number, levels: number, m: number): number {
  const { n, features: P } = shapeOf(regions, degree);
  return levels * (m * P * (P + n) + solveWork(regions, degree));
}

/** σ₀ on the grid unit·2^(k/4): with unit 1, data in the paper's units lands on σ₀ = 1 exactly. */
export function snap(s: number, unit = 1): number {
  return unit * 2 ** (Math.round(4 * Math.log2(s / unit)) / 4);
}

/**
 * The power of ten nearest the kernel regime's start 2h (h the leave-one-out bandwidth): the
 * unit of σ₀'s grid. A grid in absolute units moves with the data only under rescaling by
 * 2^(k/4): data ×1e-8 had grid points at 0.93 and 1.10 of its spread where the same data in
 * its units had 0.88 and 1.04, chose 1.10, and sampled 8% too wide (issue 14, row 3). In the
 * data's decimal unit a change of units by 10^j (mm to m, ×1e-8) changes nothing but the unit,
 * and data whose noise is 1 keeps σ₀ = 1 on the grid: 2h is 0.7–2.1 on the paper's instances
 * (2 to 24 columns), well inside [0.32, 3.2], the decade that rounds to 1. Other rescalings
 * still see the grid offset (steps of 19%).
 */
export function decimalUnit(h: number): number {
  return 10 ** Math.round(Math.log10(2 * h));
}

/**
 * The leave-one-out maximum-likelihood bandwidth h (data units) of an isotropic Gaussian kernel
 * density of the rows mapped by the kind's shape (σ₀ = 1), on an evenly strided subsample: a
 * golden-section search over log h.
 */
export function bandwidth(kind: MapKind, prep: Prepared, rows: IdRows, n: number): number {
  const k = Math.min(rows.m, BANDWIDTH_ROWS);
  const sub = new Float64Array(k * n);
  for (let i = 0; i < k; i++) {
    const r = Math.floor((i * rows.m) / k);
    sub.set(rows.x.subarray(r * n, r * n + n), i * n);
  }
  const map = makeMap(kind, 1, rows.x, rows.m, n, prep.centre, prep.scales);
  const y = toModel(map, mapMatrices(map).inv, sub, k);
  const d2 = new Float64Array((k * (k - 1)) / 2), near = new Float64Array(k).fill(Infinity);
  let p = 0, mean = 0;
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += (y[i * n + c] - y[j * n + c]) ** 2;
      mean += d2[p++] = s;
      if (s < near[i]) near[i] = s;
      if (s < near[j]) near[j] = s;
    }
  }
  mean /= d2.length;
  // Σ_r log( Σ_{j≠r} exp(−d²/2h²) ) − n log h, each row's sum scaled by its nearest neighbour's term.
  const acc = new Float64Array(k);
  const loo = (logh: number): number => {
    const c = 1 / (2 * Math.exp(2 * logh));
    acc.fill(0);
    let q = 0;
    for (let i = 0; i < k; i++) {
      for (let j = i + 1; j < k; j++, q++) {
        const di = (d2[q] - near[i]) * c, dj = (d2[q] - near[j]) * c;
        if (di < 40) acc[i] += Math.exp(-di); // e^{−40}: below the rounding of the sum
        if (dj < 40) acc[j] += Math.exp(-dj);
      }
    }
    let total = 0;
    for (let r = 0; r < k; r++) total += Math.log(acc[r]) - near[r] * c - n * logh;
    return total;
  };
  let lo = Math.log(Math.sqrt(mean / n)) - 8, hi = Math.log(Math.sqrt(mean / n)) + 1;
  const g = (Math.sqrt(5) - 1) / 2;
  let a = hi - g * (hi - lo), b = lo + g * (hi - lo), fa = loo(a), fb = loo(b);
  for (let it = 0; it < 40 && hi - lo > BANDWIDTH_TOL; it++) {
    if (fa > fb) {
      hi = b;
      [b, fb] = [a, fa];
      a = hi - g * (hi - lo);
      fa = loo(a);
    } else {
      lo = a;
      [a, fa] = [b, fb];
      b = lo + g * (hi - lo);
      fb = loo(b);
    }
  }
  return Math.exp(0.5 * (lo + hi));
}

/** One hold-out split (its training part capped at trainCap rows), or K folds for few rows. */
function splits(rows: IdRows, share: number, seed: number, trainCap: number): { train: IdRows; hold: IdRows }[] {
  const { m } = rows, n = rows.x.length / m;
  const u = uniforms(m, streamState(seed, "holdout-split"));
  const take = (list: number[], cap: number): IdRows => {
    const k = Math.min(list.length, cap);
    const out = new Float64Array(k * n), ids = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      const row = list[Math.floor((i * list.length) / k)];
      out.set(rows.x.subarray(row * n, row * n + n), i * n);
      ids[i] = rows.ids[row];
    }
    return { x: out, ids, m: k };
  };
  const folds = m < KFOLD_BELOW ? FOLDS : 1;
  return Array.from({ length: folds }, (_, f) => {
    const hold: number[] = [], train: number[] = [];
    for (let t = 0; t < m; t++) {
      const inHold = folds === 1 ? u[t] < share : Math.floor(u[t] * folds) === f;
      (inHold ? hold : train).push(t);
    }
    return { train: take(train, trainCap), hold: take(hold, HOLD_ROWS) };
  });
}
