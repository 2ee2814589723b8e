/**
 * The components of a discrete mixture read off a learned score, k not given.
 *
 * For p = Σ wᵢ N(μᵢ, I) the posterior mean m(x) = E[μ | x_t = x] = r_t(x)/a is a softmax
 * average of the means; at small t its fixed points x = m(x) are the modes, one per
 * separated component, and the Hessian of log p_0 there, −I + Cov[μ | x], is ≈ −I. Along a
 * continuum of means (a circle, segments) the fixed points form a ridge instead: the
 * posterior spreads along it, Cov[μ|x] has an eigenvalue ≈ 1, and the log-density is flat.
 *
 *   1. Draws: `draws` (20 000) points from the model at t = tMin by the probability-flow ODE
 *      (src/flow.ts, 30 steps) from the sampler's seeded start; the first `starts` (1000)
 *      of them start the mean shift.
 *   2. Mean shift x ← m̂_t(x) at t = tMin until a point moves less than 1e−6 (at most
 *      `maxIter` = 300 times); converged points within `tol` = 0.5 are one mode.
 *   3. Checks that a finite mixture fits (otherwise k is null and `reason` says which failed):
 *      - converged: at least 95% of the starts reach a fixed point (on a ridge they creep);
 *      - few: at most `maxK` = 50 modes; modes that catch less than `minWeight` = 0.5% of
 *        the starts are dropped (the refinement's posterior hands their points to the rest);
 *      - isolated: at every mode the largest eigenvalue of the symmetric part of ∇m̂
 *        (central differences) is below `flat` = 0.7, i.e. log p̂ curves down in every
 *        direction (for two equal unit components Δ apart it reaches 0.7 at Δ ≈ 2.2, where
 *        their modes are about to merge; on a circle of means it is ≈ 1);
 *      - explained: after the refinement, the root-mean-square distance between m̂_t(x) and
 *        the fitted mixture's own posterior mean Σⱼ πⱼ(x) μⱼ over the draws is below
 *        `misfit` = 0.25 (a continuous mixing measure, e.g. uniform on balls, keeps m̂
 *        varying inside a basin: 0.6 on the `balls` instance, ≤ 0.02 on discrete ones).
 *   4. Refinement (20 rounds, from the modes and their basins' shares of the starts): with
 *      the posterior πⱼ(x) ∝ wⱼ exp(a⟨x, μⱼ⟩ − a²|μⱼ|²/2) of the current estimate, the means
 *      solve the least squares Σₓ |m̂_t(x) − Σⱼ πⱼ(x) μⱼ|² over the draws (a k×k system; for
 *      an exact score the true means satisfy it at every point, so the draws' sampling noise
 *      does not enter; the modes themselves are biased where components overlap) and the
 *      weights are the mean posterior over the draws.
 *
 * `predict` and `predictProba` use the estimate like scikit-learn's GaussianMixture with
 * identity covariances: πⱼ(x) ∝ wⱼ N(x; μⱼ, I).
 */
import { cholesky, choleskySolve, symmetricEigen } from "./linalg.ts";
import { posterior, softmax } from "./posterior.ts";
import { OptionError, SEED, int, num, resolve, type Decl } from "./options.ts";
import { streamState } from "./random.ts";
import { Flow } from "./flow.ts";
import type { EvaluableModel } from "./evaluator.ts";
import { reverseGrid } from "./ladder.ts";
import { startOf } from "./start.ts";
import { BATCH } from "./pool.ts";

export interface ComponentsOptions {
  /** Mean-shift starts: the first of the draws. */
  starts?: number;
  /** Points drawn from the model for the refinement, the weights and the misfit. */
  draws?: number;
  seed?: number;
  /** Converged points closer than tol are one mode. */
  tol?: number;
  maxIter?: number;
  /** Modes with a smaller share of the starts are dropped. */
  minWeight?: number;
  /** Largest eigenvalue of sym ∇m̂ at a mode above which the mode is a flat ridge. */
  flat?: number;
  /** RMS of m̂ − (the fitted mixture's posterior mean) above which no finite mixture fits. */
  misfit?: number;
  maxK?: number;
}

export interface ComponentDiagnostics {
  /** The time of the posterior mean used (the model's tMin). */
  t: number;
  starts: number;
  draws: number;
  /** Share of the starts whose mean shift reached a fixed point. */
  converged: number;
  /** Fixed points found (after merging, before dropping light ones). */
  modesFound: number;
  /** Largest eigenvalue of sym ∇m̂ over the modes (≈ 0 isolated, ≈ 1 flat). */
  flatness: number;
  /** RMS over the starts of |m̂_t(x) − Σⱼ πⱼ(x) μⱼ| for the fitted mixture (NaN if not fitted). */
  misfit: number;
}

/**
 * `from`: "score" (the mean shift above: components N(μ, I) in model units) or "regions" (a
 * model with covariance gates: its regions are the components, N(c_g, S_g) with
 * S_g = I + Σ_j (λ_j − 1) v_j v_jᵀ, the mixture its gates describe and its fit refined by EM;
 * no mean shift, so no diagnostics). Covariances are n×n row-major.
 */
export type Components =
  | { k: number; from: "score" | "regions"; weights: number[]; means: number[][]; covariances?: number[][]; modes: number[][]; diagnostics?: ComponentDiagnostics }
  | { k: null; from: "score"; reason: string; modes: number[][]; diagnostics: ComponentDiagnostics };

/** The components of a model with covariance gates, in model units: its regions (see Components). */
export function regionComponents(model: EvaluableModel): Components & { k: number } {
  const { regions } = model, n = model.dim;
  const covariances = regions.centres.map((_, g) => {
    const S = new Array<number>(n * n).fill(0), r = regions.ranks[g], V = regions.frames[g];
    for (let i = 0; i < n; i++) S[i * n + i] = 1;
    for (let j = 0; j < r; j++) {
      const e = regions.spreads[g][j] - 1;
      for (let i = 0; i < n; i++) for (let c = 0; c < n; c++) S[i * n + c] += e * V[i * r + j] * V[c * r + j];
    }
    return S;
  });
  const means = regions.centres.map((c) => c.slice());
  return { k: means.length, from: "regions", weights: regions.weights.slice(), means, covariances, modes: means.map((m) => m.slice()) };
}

export const COMPONENTS_OPTIONS = {
  starts: { check: int(10, 1000000), default: 1000, doc: "mean-shift starts (the first of the draws)", cli: { value: "N" } },
  draws: { check: int(10, 10000000), default: 20000, doc: "points drawn from the model for the refinement, the weights and the misfit" },
  seed: { ...SEED, doc: "random seed for the points drawn from the model" },
  tol: { check: num(0, Infinity, true), default: 0.5, doc: "converged points closer than this are one mode" },
  maxIter: { check: int(1, 100000), default: 300, doc: "mean-shift iterations at most" },
  minWeight: { check: num(0, 1), default: 0.005, doc: "modes with a smaller share of the starts are dropped" },
  flat: { check: num(0, Infinity, true), default: 0.7, doc: "largest eigenvalue of sym ∇m̂ at a mode above which it is a flat ridge" },
  misfit: { check: num(0, Infinity, true), default: 0.25, doc: "RMS of m̂ minus the fitted mixture's posterior mean above which no finite mixture fits" },
  maxK: { check: int(1, 100000), default: 50, doc: "most components reported" },
} satisfies Record<keyof ComponentsOptions, Decl>;
const FLOW_STEPS = 30;
const REFINE_ROUNDS = 20;

export function findComponents(model: EvaluableModel, options?: ComponentsOptions): Components {
  const o = resolve<Required<ComponentsOptions>>(options, COMPONENTS_OPTIONS);
  if (o.draws < o.starts) throw new OptionError(`invalid option "draws": must be at least "starts" (${o.starts}), got ${o.draws}`);
  const n = model.dim, t = model.tMin, a = Math.exp(-t);
  const ev = model.evaluator(Math.min(o.draws, BATCH));
  const kernels = ev.kernels;
  const flow = new Flow(ev, n), start = startOf(model);
  const grid = reverseGrid(FLOW_STEPS, t, model.T).slice(0, -1);
  /** m̂_t at rows of x into m, batch by batch. */
  const posteriorMean = (x: Float64Array, m: Float64Array, rows: number) => {
    for (let s = 0; s < rows; s += ev.capacity) {
      const b = Math.min(ev.capacity, rows - s);
      ev.x.set(x.subarray(s * n, (s + b) * n));
      ev.residual(b, t);
      for (let i = 0; i < b * n; i++) m[s * n + i] = ev.r[i] / a;
    }
  };

  // 1. Draws from p̂_tMin: the sampler's start, then the flow down to tMin; the first
  //    `starts` of them start the mean shift.
  const D = o.draws, N = o.starts;
  const draws = new Float64Array(D * n);
  for (let s = 0, bi = 0; s < D; s += ev.capacity, bi++) {
    const b = Math.min(ev.capacity, D - s);
    ev.state.set(streamState(o.seed, "components", bi));
    kernels.normal(b * n, ev.x, ev.state);
    start.draw(ev.x, b);
    flow.integrate(b, grid);
    draws.set(ev.x.subarray(0, b * n), s * n);
  }
  const starts = draws.subarray(0, N * n);

  // 2. Mean shift, on the points still moving.
  const y = starts.slice(), moving = new Uint8Array(N).fill(1);
  let active = Array.from({ length: N }, (_, r) => r);
  const buf = new Float64Array(N * n), m = new Float64Array(N * n);
  for (let it = 0; it < o.maxIter && active.length > 0; it++) {
    active.forEach((r, q) => buf.set(y.subarray(r * n, r * n + n), q * n));
    posteriorMean(buf, m, active.length);
    active = active.filter((r, q) => {
      let d = 0;
      for (let i = 0; i < n; i++) d = Math.max(d, Math.abs(m[q * n + i] - y[r * n + i]));
      y.set(m.subarray(q * n, q * n + n), r * n);
      return (moving[r] = d > 1e-6 ? 1 : 0);
    });
  }
  const converged = 1 - moving.reduce((s, v) => s + v, 0) / N;
  const modes: number[][] = [], counts: number[] = [];
  const basin = new Int32Array(N).fill(-1);
  for (let r = 0; r < N; r++) {
    if (moving[r]) continue;
    const p = Array.from(y.subarray(r * n, r * n + n));
    let j = modes.findIndex((q) => dist2(p, q) < o.tol * o.tol);
    if (j < 0) (j = modes.length), modes.push(p), counts.push(0);
    basin[r] = j;
    counts[j]++;
  }
  const diagnostics: ComponentDiagnostics = { t, starts: N, draws: D, converged, modesFound: modes.length, flatness: NaN, misfit: NaN };
  const none = (reason: string): Components => ({ k: null, from: "score", reason, modes, diagnostics });
  if (converged < 0.95) {
    return none(`no finite mixture fits: the mean shift of the learned posterior mean did not settle from ${fmt(100 * (1 - converged))}% of the starts in ${o.maxIter} iterations (a ridge of fixed points, not isolated modes)`);
  }
  if (modes.length > o.maxK) return none(`no finite mixture fits: ${modes.length} separate fixed points of the learned posterior mean (more than maxK = ${o.maxK})`);

  // Light modes are dropped (their starts go to the others through the refinement's posterior).
  const keep = modes.map((_, j) => j).filter((j) => counts[j] >= o.minWeight * N);
  const kept = keep.map((j) => modes[j]);
  diagnostics.flatness = flatness(model, kept, t);
  if (!(diagnostics.flatness < o.flat)) {
    return none(`no finite mixture fits: the learned log-density is flat along a ridge (sym ∇E[μ|x] has eigenvalue ${fmt(diagnostics.flatness)} ≥ ${o.flat} at a fixed point; isolated modes have ≈ 0)`);
  }

  // 4. Refinement from the modes and basin masses.
  const k = kept.length;
  const total = keep.reduce((s, j) => s + counts[j], 0);
  let weights = keep.map((j) => counts[j] / total);
  let means = kept.map((p) => p.slice());
  const mD = new Float64Array(D * n);
  posteriorMean(draws, mD, D);
  const pi = new Float64Array(D * k);
  for (let round = 0; round <= REFINE_ROUNDS; round++) {
    posteriorOf(draws, D, n, weights, means, a, pi);
    if (round === REFINE_ROUNDS) break;
    const G = new Float64Array(k * k), B = new Float64Array(k * n), w = new Array<number>(k).fill(0);
    for (let r = 0; r < D; r++) {
      for (let i = 0; i < k; i++) {
        const pri = pi[r * k + i];
        if (pri === 0) continue;
        w[i] += pri;
        for (let j = 0; j < k; j++) G[i * k + j] += pri * pi[r * k + j];
        for (let c = 0; c < n; c++) B[i * n + c] += pri * mD[r * n + c];
      }
    }
    for (let i = 0; i < k; i++) G[i * k + i] += 1e-9 * D;
    choleskySolve(G, B, k, n);
    means = Array.from({ length: k }, (_, i) => Array.from(B.subarray(i * n, i * n + n)));
    weights = w.map((v) => v / D);
  }
  let ss = 0;
  for (let r = 0; r < D; r++) {
    for (let c = 0; c < n; c++) {
      let v = mD[r * n + c];
      for (let j = 0; j < k; j++) v -= pi[r * k + j] * means[j][c];
      ss += v * v;
    }
  }
  diagnostics.misfit = Math.sqrt(ss / D);
  if (!(diagnostics.misfit < o.misfit)) {
    return none(`no finite mixture fits: the learned posterior mean varies inside the basins of the ${k} modes (RMS ${fmt(diagnostics.misfit)} from the best ${k}-component mixture's, limit ${o.misfit}): a continuous mixing measure or unresolved components`);
  }
  return { k, from: "score", weights, means, modes: kept, diagnostics };
}

/** πⱼ(x) ∝ wⱼ exp(a⟨x, μⱼ⟩ − a²|μⱼ|²/2) for the estimate (weights, means). */
function posteriorOf(x: Float64Array, rows: number, n: number, weights: number[], means: number[][], a: number, out: Float64Array): void {
  posterior(x, rows, n, weights.map((w) => Math.log(Math.max(w, 1e-300))), means.flat(), a, out);
}

/** Largest eigenvalue of the symmetric part of ∇m̂_t over the points (central differences). */
function flatness(model: EvaluableModel, points: number[][], t: number): number {
  const n = model.dim, h = 1e-4, a = Math.exp(-t), P = points.length;
  const pts = new Float64Array(P * 2 * n * n);
  points.forEach((p, k) => {
    for (let i = 0; i < n; i++) {
      const plus = (k * 2 * n + 2 * i) * n, minus = plus + n;
      for (let c = 0; c < n; c++) pts[plus + c] = pts[minus + c] = p[c];
      pts[plus + i] += h;
      pts[minus + i] -= h;
    }
  });
  const r = model.residual(pts, t);
  let top = -Infinity;
  const S = new Float64Array(n * n);
  for (let k = 0; k < P; k++) {
    // ∂m_c/∂x_i = (r(x + h e_i)_c − r(x − h e_i)_c) / (2ha); S = sym part.
    const d = (i: number, c: number) => (r[(k * 2 * n + 2 * i) * n + c] - r[(k * 2 * n + 2 * i + 1) * n + c]) / (2 * h * a);
    for (let i = 0; i < n; i++) for (let c = 0; c < n; c++) S[i * n + c] = 0.5 * (d(i, c) + d(c, i));
    top = Math.max(top, symmetricEigen(S, n).values[0]);
  }
  return top;
}

/** Posterior over the components, rows × k: πⱼ(x) ∝ wⱼ N(x; μⱼ, Sⱼ), Sⱼ = I unless the components carry covariances. */
export function predictProba(c: Components, x: Float64Array, n: number): Float64Array {
  if (c.k === null) throw new Error(`predict: ${c.reason}`);
  const rows = x.length / n, out = new Float64Array(rows * c.k);
  if (!c.covariances) {
    posteriorOf(x, rows, n, c.weights, c.means, 1, out);
    return out;
  }
  // log wⱼ − ½ log det Sⱼ − ½ (x − μⱼ)ᵀSⱼ⁻¹(x − μⱼ) by each Sⱼ's Cholesky factor, then a softmax per row.
  const L = c.covariances.map(() => new Float64Array(n * n));
  const logdet = c.covariances.map((S, j) => cholesky(S, 0, n, L[j], 1e-300));
  const y = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    let top = -Infinity;
    for (let j = 0; j < c.k; j++) {
      const f = L[j], mu = c.means[j];
      let q = 0;
      for (let i = 0; i < n; i++) {
        let s = x[r * n + i] - mu[i];
        for (let k = 0; k < i; k++) s -= f[i * n + k] * y[k];
        y[i] = s / f[i * n + i];
        q += y[i] * y[i];
      }
      const l = (out[r * c.k + j] = Math.log(Math.max(c.weights[j], 1e-300)) - 0.5 * logdet[j] - 0.5 * q);
      if (l > top) top = l;
    }
    softmax(out, r * c.k, c.k, top);
  }
  return out;
}

/** The most probable component of each row. */
export function predict(c: Components, x: Float64Array, n: number): Int32Array {
  const p = predictProba(c, x, n), k = c.k!, rows = x.length / n, out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (p[r * k + j] > p[r * k + best]) best = j;
    out[r] = best;
  }
  return out;
}

const dist2 = (p: number[], q: number[]) => p.reduce((s, v, i) => s + (v - q[i]) ** 2, 0);
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));
