/**
 * Choosing what a fit leaves "auto" — the map, σ₀, the granularity, R, the degree — by the
 * held-out log-likelihood in DATA units (algorithm.md, "Data in any units": Stein losses at
 * different σ₀ score different targets, so they cannot compare σ₀). Candidates are fitted on a
 * training split at fewer levels and scored by the exact log-density of the held-out rows;
 * with few rows, by K-fold cross-validation instead of one split.
 *
 * The search is coordinate-wise from a starting configuration (many regions, degree 0): the map
 * first (each kind at its own start), then σ₀ on the grid 2^(k/4) — starting from a multiple
 * of the leave-one-out kernel-density bandwidth h of the mapped rows, by the duality of such a
 * model with a kernel density of bandwidth σ₀ — then the granularity, R and the degree at that
 * σ₀, then σ₀ again if they changed. Each configuration is fitted once; all are recorded.
 */
import { OptionError } from "./options.ts";
import type { Candidate, ScoreModel } from "./model.ts";
import type { MapKind } from "./map.ts";
import { makeMap, mapMatrices, toModel } from "./map.ts";
import type { Resolved } from "./fit.ts";
import type { Prepared } from "./prepare.ts";
import { streamState, uniforms } from "./random.ts";
import { SystemError } from "./system.ts";

/** Rows with their ids (their places in the data as given: they name the rows' noise). */
export interface IdRows {
  x: Float64Array;
  ids: Float64Array;
  m: number;
}

export interface Config {
  map: MapKind;
  scale: number;
  granularity: number;
  R: number;
  degree: number;
}

type FitOn = (rows: IdRows, c: Config) => Promise<ScoreModel>;

const SELECT_LOGPDF_STEPS = 20;
/** Candidates are fitted on at most TRAIN_CAP rows and scored on at most HOLD_CAP. */
const TRAIN_CAP = 4000;
const HOLD_CAP = 2000;
/** σ₀ starts at this many leave-one-out kernel bandwidths (a compressed model needs more smoothing than a KDE). */
const START_BANDWIDTHS = 2;
const START_GRANULARITY = 100;
const GRANULARITIES = [30, 300];
/** Below this many rows, K-fold cross-validation (FOLDS folds) instead of one split. */
const KFOLD_BELOW = 2000;
const FOLDS = 5;
const BANDWIDTH_ROWS = 2000;
const AUTO_DEGREES = [0, 2];
const AUTO_R = [0, 2];

/** The configuration to fit, and the scores of every candidate tried. */
export async function choose(rows: IdRows, n: number, prep: Prepared, o: Resolved, fitOn: FitOn): Promise<{ config: Config; selection: Candidate[] }> {
  const kinds: MapKind[] = o.map === "auto" ? (n === 1 ? ["isotropic"] : ["isotropic", "whiten"]) : [o.map];
  const fixed = (v: number | "auto") => (v === "auto" ? undefined : v);
  const auto = { scale: o.scale === "auto", granularity: o.granularity === "auto", R: o.R === "auto" && o.regions !== "single", degree: o.degree === "auto" };
  const folds = kinds.length > 1 || Object.values(auto).some(Boolean) ? splits(rows, o.holdout, o.seed) : [];
  const most = Math.max(1, Math.floor(Math.min(rows.m, ...folds.map((f) => f.train.m)) / 20)); // the fit's cap on micro-clusters
  const start = (kind: MapKind): Config => ({
    map: kind,
    scale: fixed(o.scale) ?? snap(START_BANDWIDTHS * bandwidth(kind, prep, rows, n)),
    granularity: fixed(o.granularity) ?? Math.min(START_GRANULARITY, most),
    R: fixed(o.R) ?? 0,
    degree: fixed(o.degree) ?? 0,
  });
  if (folds.length === 0) return { config: start(kinds[0]), selection: [] };

  const tried = new Map<string, { loss: number | null; flat: boolean }>();
  let firstError: Error | undefined;
  const selection: Candidate[] = [];
  let best: Config | undefined, bestLoss = Infinity;
  /** Fit and score c (once); true if it is the best so far. */
  const consider = async (c: Config): Promise<boolean> => {
    const key = JSON.stringify(c);
    if (tried.has(key)) return false;
    const cand: Candidate = { ...c, loss: null };
    let flat = false;
    try {
      let total = 0, count = 0;
      for (const { train, hold } of folds) {
        const model = await fitOn(train, c);
        flat ||= model.regions.ranks.every((r) => r === 0);
        const lp = model.logpdf(hold.x, { steps: SELECT_LOGPDF_STEPS });
        for (const v of lp) total += v;
        count += lp.length;
      }
      cand.loss = -total / count; // held-out negative log-likelihood per row, nats (lower is better)
      if (!Number.isFinite(cand.loss)) throw new SystemError("its held-out log-likelihood is not finite");
    } catch (e) {
      if (!(e instanceof OptionError || e instanceof SystemError)) throw e;
      firstError ??= e;
      cand.loss = null;
      cand.note = `skipped: ${(e as Error).message}`;
    }
    tried.set(key, { loss: cand.loss, flat });
    selection.push(cand);
    o.onProgress?.({ phase: "select", done: selection.length, total: selection.length + 1, message: describe(cand) });
    if (cand.loss === null || !(cand.loss < bestLoss)) return false;
    [best, bestLoss] = [c, cand.loss];
    return true;
  };

  // 1. Per map kind, σ₀ on the grid from its start: steps of √2 while they improve, then 2^(1/4)
  //    either side; the best kind and σ₀ win.
  const refine = async (c: Config): Promise<Config> => {
    let here = c;
    for (const f of [2 ** 0.25, 2 ** -0.25]) if (await consider({ ...c, scale: snap(c.scale * f) })) here = best!;
    return here;
  };
  for (const kind of kinds) {
    let here = start(kind);
    const ok = await consider(here);
    if (!auto.scale) continue;
    if (!ok && tried.get(JSON.stringify(here))?.loss === null) continue; // this kind cannot be fitted here
    if (ok) here = best!;
    const walk = async (factor: number) => {
      let moved = false;
      for (;;) {
        const next = { ...here, scale: snap(here.scale * factor) };
        const before = tried.get(JSON.stringify(here))?.loss ?? Infinity;
        await consider(next);
        const after = tried.get(JSON.stringify(next))?.loss ?? Infinity;
        if (!(after < before)) return moved;
        here = next;
        moved = true;
      }
    };
    if (!(await walk(Math.SQRT2))) await walk(Math.SQRT1_2);
    await refine(here);
  }
  if (!best) throw firstError ?? new OptionError("fit: no configuration could be fitted");
  // 3. Granularity, R, degree at that σ₀, one at a time; the degree only where some region has a frame.
  const before = best!;
  if (auto.granularity) for (const k of GRANULARITIES) await consider({ ...best!, granularity: Math.min(k, most) });
  if (auto.R) for (const R of AUTO_R) await consider({ ...best!, R });
  if (auto.degree) {
    const base = best!;
    if (!tried.get(JSON.stringify(base))?.flat) for (const degree of AUTO_DEGREES) await consider({ ...base, degree });
  }
  // 4. σ₀ once more if the structure changed.
  if (auto.scale && JSON.stringify(best) !== JSON.stringify(before)) await refine(best!);
  return { config: best!, selection };
}

function describe(c: Candidate): string {
  const what = `${c.map} σ₀=${c.scale} K=${c.granularity} R=${c.R} degree=${c.degree}`;
  return c.loss === null ? `${what}: ${c.note}` : `${what}: held-out −log p ${c.loss.toFixed(4)}`;
}

/** σ₀ on the grid 2^(k/4): a scale-free grid (data in the paper's units lands on σ₀ = 1 exactly). */
export function snap(s: number): number {
  return 2 ** (Math.round(4 * Math.log2(s)) / 4);
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
  const d2 = new Float64Array((k * (k - 1)) / 2);
  let p = 0, mean = 0;
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += (y[i * n + c] - y[j * n + c]) ** 2;
      mean += d2[p++] = s;
    }
  }
  mean /= d2.length;
  const loo = (logh: number): number => {
    const h2 = Math.exp(2 * logh), acc = new Float64Array(k).fill(0), top = new Float64Array(k).fill(-Infinity);
    // log Σ_j exp(−d²/2h²) per row, with a running maximum (the smallest distance) for stability.
    let q = 0;
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++, q++) {
      const l = -d2[q] / (2 * h2);
      for (const r of [i, j]) {
        if (l > top[r]) {
          acc[r] = acc[r] * Math.exp(top[r] - l) + 1;
          top[r] = l;
        } else acc[r] += Math.exp(l - top[r]);
      }
    }
    let total = 0;
    for (let r = 0; r < k; r++) total += top[r] + Math.log(acc[r]) - n * logh;
    return total;
  };
  let lo = Math.log(Math.sqrt(mean / n)) - 8, hi = Math.log(Math.sqrt(mean / n)) + 1;
  const g = (Math.sqrt(5) - 1) / 2;
  let a = hi - g * (hi - lo), b = lo + g * (hi - lo), fa = loo(a), fb = loo(b);
  for (let it = 0; it < 40 && hi - lo > 1e-3; it++) {
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

/** One hold-out split (capped), or K folds for few rows. */
function splits(rows: IdRows, share: number, seed: number): { train: IdRows; hold: IdRows }[] {
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
    return { train: take(train, TRAIN_CAP), hold: take(hold, HOLD_CAP) };
  });
}
