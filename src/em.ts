/**
 * The EM baseline: Gaussian mixtures fitted by expectation–maximisation, with identity
 * covariances (the paper's model class: weights and means only) or full covariances (with
 * a ridge `REG_COVAR` = 1e−6 on the diagonal, like scikit-learn's reg_covar).
 *
 * Each run starts from k-means (src/kmeans.ts: k-means++ seeding and at most 30 Lloyd
 * iterations, on a strided subsample of at most 4096 rows); `nInit`
 * runs from different seeds are made and the one with the highest log-likelihood is kept.
 * A run has converged when the mean log-likelihood per row changes by less than `tol`
 * between iterations. With `k: "bic"` or `"aic"`, every k in `kRange` is fitted and the one
 * with the smallest criterion is returned, with all the criteria in `criteria`.
 *
 *   parameters  identity: (k − 1) + k·n       full: (k − 1) + k·n + k·n(n + 1)/2
 *   BIC = −2 log L + p log m,   AIC = −2 log L + 2p   (m rows, log L the total log-likelihood)
 */
import { toRows } from "./dataset.ts";
import { DIM, OptionError, SEED, int, num, oneOf, resolve, show, type Decl } from "./options.ts";
import { normals, streamState, uniforms } from "./random.ts";
import { kmeans, nearest } from "./kmeans.ts";
import { cholesky } from "./linalg.ts";
import { posterior, softmax } from "./posterior.ts";

export interface EMOptions {
  /** Number of components, or "bic"/"aic" to choose it over `kRange`. */
  k?: number | "bic" | "aic";
  /** Inclusive range of k tried when k is "bic" or "aic" (default [1, 10]). */
  kRange?: [number, number];
  covariance?: "identity" | "full";
  /** Runs from different k-means++ seeds; the best log-likelihood is kept. */
  nInit?: number;
  maxIter?: number;
  /** Convergence: change of the mean log-likelihood per row below tol. */
  tol?: number;
  seed?: number;
  /** Row length when data is a flat Float64Array. */
  dim?: number;
}

export interface EMResult {
  covariance: "identity" | "full";
  k: number;
  weights: number[];
  means: number[][];
  /** Each n×n, row-major; the identity for "identity". */
  covariances: number[][];
  converged: boolean;
  iterations: number;
  /** Total log-likelihood of the data. */
  logLikelihood: number;
  bic: number;
  aic: number;
  /** When k was chosen: the criteria of every k tried. */
  criteria?: { k: number; bic: number; aic: number }[];
}

export const REG_COVAR = 1e-6;
// The ridge keeps pivots positive unless the data are degenerate beyond it: clamp rather than fail.
const CHOL_FLOOR = REG_COVAR * 1e-3;
const K_MAX = 1000;
const INIT_ROWS = 4096;
const LOG_2PI = Math.log(2 * Math.PI);

const EM_OPTIONS = {
  covariance: { check: oneOf("identity", "full"), default: "identity", doc: "identity covariances (the paper's model class) or full ones" },
  nInit: { check: int(1, 1000), default: 3, doc: "runs from different k-means starts; the best log-likelihood is kept" },
  maxIter: { check: int(1, 100000), default: 200, doc: "EM iterations at most" },
  tol: { check: num(0, 1), default: 1e-4, doc: "convergence: change of the mean log-likelihood per row below tol" },
  seed: SEED,
  dim: DIM,
} satisfies Record<Exclude<keyof EMOptions, "k" | "kRange">, Decl>;

interface Resolved {
  covariance: "identity" | "full";
  nInit: number;
  maxIter: number;
  tol: number;
  seed: number;
  dim?: number;
}


/** Options checked at the top; `k` and `kRange` have shapes the shared table cannot describe. */
function resolveEMOptions(options?: EMOptions) {
  const { k, kRange, ...rest } = options ?? {};
  const o = resolve<Resolved>(rest, EM_OPTIONS);
  const kOk = k === undefined || k === "bic" || k === "aic" || (Number.isInteger(k) && (k as number) >= 1 && (k as number) <= K_MAX);
  if (!kOk) throw new OptionError(`invalid option "k": expected an integer in [1, ${K_MAX}] or "bic" or "aic", got ${show(k)}`);
  const range = kRange ?? [1, 10];
  const rangeOk =
    Array.isArray(range) && range.length === 2 && range.every((v) => Number.isInteger(v) && v >= 1 && v <= K_MAX) && range[0] <= range[1];
  if (!rangeOk) {
    throw new OptionError(`invalid option "kRange": expected [kMin, kMax] with integers 1 ≤ kMin ≤ kMax ≤ ${K_MAX}, got ${show(kRange)}`);
  }
  if (kRange !== undefined && typeof k === "number") {
    throw new OptionError(`invalid option "kRange": only used when "k" is "bic" or "aic", but "k" is ${k}`);
  }
  return { ...o, k: k ?? ("bic" as const), kRange: range as [number, number] };
}

/** Free parameters of a k-component model in n dimensions. */
export function parameterCount(k: number, n: number, covariance: "identity" | "full"): number {
  return k - 1 + k * n + (covariance === "full" ? (k * n * (n + 1)) / 2 : 0);
}

export function fitEM(data: number[][] | Float64Array, options?: EMOptions): EMResult {
  const o = resolveEMOptions(options);
  const { x, m, n } = toRows(data, o.dim);
  if (typeof o.k === "number") {
    if (o.k > m) throw new OptionError(`invalid option "k": ${o.k} components need at least ${o.k} rows, got ${m}`);
    return best(x, m, n, o.k, o);
  }
  const [k0, k1] = o.kRange;
  if (k0 > m) throw new OptionError(`invalid option "kRange": kMin ${k0} exceeds the number of rows ${m}`);
  const criteria: { k: number; bic: number; aic: number }[] = [];
  let chosen: EMResult | undefined;
  for (let k = k0; k <= Math.min(k1, m); k++) {
    const r = best(x, m, n, k, o);
    criteria.push({ k, bic: r.bic, aic: r.aic });
    if (!chosen || r[o.k] < chosen[o.k]) chosen = r;
  }
  return { ...chosen!, criteria };
}

/** The best of nInit runs (highest log-likelihood). */
function best(x: Float64Array, m: number, n: number, k: number, o: Resolved): EMResult {
  let top: EMResult | undefined;
  for (let run = 0; run < o.nInit; run++) {
    const r = runEM(x, m, n, k, o, streamState(o.seed, "em", k, run));
    if (!top || r.logLikelihood > top.logLikelihood) top = r;
  }
  return top!;
}

/** Parameters during the iterations: flat arrays, covariances as Cholesky factors. */
interface Params {
  logw: Float64Array; // k
  means: Float64Array; // k×n
  chol: Float64Array; // k×n×n lower factors (full only)
  logdet: Float64Array; // k: log det Σ_j (full only)
}

function runEM(x: Float64Array, m: number, n: number, k: number, o: Resolved, state: Uint32Array): EMResult {
  const full = o.covariance === "full";
  const resp = new Float64Array(m * k);
  kmeansInit(x, m, n, k, state, resp);
  const p: Params = { logw: new Float64Array(k), means: new Float64Array(k * n), chol: new Float64Array(full ? k * n * n : 0), logdet: new Float64Array(k) };
  const cov = new Float64Array(full ? k * n * n : 0);
  mStep(x, m, n, k, resp, full, p, cov);
  let prev = -Infinity, ll = -Infinity, iterations = 0, converged = false;
  const diff = new Float64Array(n);
  for (;;) {
    ll = eStep(x, m, n, k, full, p, resp, diff);
    if (Math.abs(ll - prev) / m < o.tol) {
      converged = true;
      break;
    }
    if (iterations >= o.maxIter) break;
    mStep(x, m, n, k, resp, full, p, cov);
    iterations++;
    prev = ll;
  }
  const means: number[][] = [], covariances: number[][] = [];
  for (let j = 0; j < k; j++) {
    means.push(Array.from(p.means.subarray(j * n, (j + 1) * n)));
    if (full) covariances.push(Array.from(cov.subarray(j * n * n, (j + 1) * n * n)));
    else covariances.push(identity(n));
  }
  const q = parameterCount(k, n, o.covariance);
  return {
    covariance: o.covariance,
    k,
    weights: Array.from(p.logw, Math.exp),
    means,
    covariances,
    converged,
    iterations,
    logLikelihood: ll,
    bic: -2 * ll + q * Math.log(m),
    aic: -2 * ll + 2 * q,
  };
}

function identity(n: number): number[] {
  const out = new Array(n * n).fill(0);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/** k-means (src/kmeans.ts) on at most INIT_ROWS rows, then every row's nearest centre as hard responsibilities. */
function kmeansInit(x: Float64Array, m: number, n: number, k: number, state: Uint32Array, resp: Float64Array): void {
  const centres = kmeans(x, m, n, k, state, INIT_ROWS);
  resp.fill(0);
  for (let t = 0; t < m; t++) resp[t * k + nearest(x, t, n, centres, k)] = 1;
}

/** Weights, means and (full) covariances from the responsibilities; a component no row reaches keeps a tiny weight. */
function mStep(x: Float64Array, m: number, n: number, k: number, resp: Float64Array, full: boolean, p: Params, cov: Float64Array): void {
  const nk = new Float64Array(k).fill(10 * Number.EPSILON);
  const sums = new Float64Array(k * n);
  for (let t = 0; t < m; t++) {
    for (let j = 0; j < k; j++) {
      const r = resp[t * k + j];
      if (r === 0) continue;
      nk[j] += r;
      for (let i = 0; i < n; i++) sums[j * n + i] += r * x[t * n + i];
    }
  }
  let total = 0;
  for (let j = 0; j < k; j++) total += nk[j];
  for (let j = 0; j < k; j++) {
    p.logw[j] = Math.log(nk[j] / total);
    for (let i = 0; i < n; i++) p.means[j * n + i] = sums[j * n + i] / nk[j];
  }
  if (!full) return;
  cov.fill(0);
  const d = new Float64Array(n);
  for (let t = 0; t < m; t++) {
    for (let j = 0; j < k; j++) {
      const r = resp[t * k + j];
      if (r === 0) continue;
      for (let i = 0; i < n; i++) d[i] = x[t * n + i] - p.means[j * n + i];
      const C = j * n * n;
      for (let a = 0; a < n; a++) {
        const ra = r * d[a];
        for (let b = 0; b <= a; b++) cov[C + a * n + b] += ra * d[b];
      }
    }
  }
  for (let j = 0; j < k; j++) {
    const C = j * n * n;
    for (let a = 0; a < n; a++) {
      for (let b = 0; b <= a; b++) cov[C + a * n + b] = cov[C + b * n + a] = cov[C + a * n + b] / nk[j];
      cov[C + a * n + a] += REG_COVAR;
    }
    p.logdet[j] = cholesky(cov, C, n, p.chol, CHOL_FLOOR);
  }
}

/** Log-density of row x[xo…] under component j (before its weight). */
function componentLog(x: Float64Array, xo: number, n: number, j: number, full: boolean, p: Params, diff: Float64Array): number {
  let q = 0;
  if (!full) {
    for (let i = 0; i < n; i++) {
      const d = x[xo + i] - p.means[j * n + i];
      q += d * d;
    }
    return -0.5 * (n * LOG_2PI + q);
  }
  const L = p.chol, C = j * n * n;
  for (let i = 0; i < n; i++) {
    let s = x[xo + i] - p.means[j * n + i];
    for (let c = 0; c < i; c++) s -= L[C + i * n + c] * diff[c];
    diff[i] = s / L[C + i * n + i];
    q += diff[i] * diff[i];
  }
  return -0.5 * (n * LOG_2PI + p.logdet[j] + q);
}

/** Responsibilities into resp; returns the total log-likelihood. */
function eStep(x: Float64Array, m: number, n: number, k: number, full: boolean, p: Params, resp: Float64Array, diff: Float64Array): number {
  if (!full) {
    // log w_j + log N(x; μ_j, I) = (log w_j + ⟨x, μ_j⟩ − |μ_j|²/2) − |x|²/2 − n/2·log 2π
    let ll = posterior(x, m, n, p.logw, p.means, 1, resp) - 0.5 * m * n * LOG_2PI;
    for (let i = 0; i < m * n; i++) ll -= 0.5 * x[i] * x[i];
    return ll;
  }
  let ll = 0;
  for (let t = 0; t < m; t++) {
    let top = -Infinity;
    for (let j = 0; j < k; j++) top = Math.max(top, (resp[t * k + j] = p.logw[j] + componentLog(x, t * n, n, j, full, p, diff)));
    ll += softmax(resp, t * k, k, top);
  }
  return ll;
}

/** The model's flat parameters, re-factorised from its covariances. */
function paramsOf(model: EMResult): { p: Params; n: number; full: boolean } {
  const n = model.means[0].length, k = model.k, full = model.covariance === "full";
  const p: Params = { logw: Float64Array.from(model.weights, Math.log), means: Float64Array.from(model.means.flat()), chol: new Float64Array(full ? k * n * n : 0), logdet: new Float64Array(k) };
  if (full) {
    const cov = Float64Array.from(model.covariances.flat());
    for (let j = 0; j < k; j++) p.logdet[j] = cholesky(cov, j * n * n, n, p.chol, CHOL_FLOOR);
  }
  return { p, n, full };
}

/** count rows from the fitted mixture, row-major. */
export function sampleEM(model: EMResult, count: number, seed: number): Float64Array {
  if (!(Number.isInteger(count) && count >= 0)) throw new OptionError(`invalid count: expected an integer ≥ 0, got ${count}`);
  const { p, n, full } = paramsOf(model);
  const k = model.k;
  const u = uniforms(count, streamState(seed, "em-sample", "pick"));
  const z = normals(count * n, streamState(seed, "em-sample", "noise"));
  const cum = new Float64Array(k);
  let s = 0;
  for (let j = 0; j < k; j++) cum[j] = s += model.weights[j];
  const out = new Float64Array(count * n);
  for (let r = 0; r < count; r++) {
    const target = u[r] * s;
    let j = 0;
    while (j < k - 1 && target >= cum[j]) j++;
    for (let i = 0; i < n; i++) {
      let v = p.means[j * n + i];
      if (full) for (let c = 0; c <= i; c++) v += p.chol[j * n * n + i * n + c] * z[r * n + c];
      else v += z[r * n + i];
      out[r * n + i] = v;
    }
  }
  return out;
}

/** log p(x) under the fitted mixture for each row of x (row-major, the model's dimension). */
export function logpdfEM(model: EMResult, x: Float64Array): Float64Array {
  const { p, n, full } = paramsOf(model);
  if (x.length % n !== 0) throw new OptionError(`logpdfEM: x has ${x.length} entries, not a multiple of the model's dimension ${n}`);
  const rows = x.length / n, k = model.k;
  const out = new Float64Array(rows), l = new Float64Array(k), diff = new Float64Array(n);
  for (let t = 0; t < rows; t++) {
    let top = -Infinity;
    for (let j = 0; j < k; j++) top = Math.max(top, (l[j] = p.logw[j] + componentLog(x, t * n, n, j, full, p, diff)));
    out[t] = softmax(l, 0, k, top);
  }
  return out;
}
