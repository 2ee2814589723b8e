/**
 * The probability-flow ODE of the learned score (algorithm.md, "Sampling: reverse time"):
 *
 *   dx/dt = −x − ŝ_t(x) = −r̂_t(x) = −a·m̂_t(x),   m̂ = E[μ | x_t = x] = r̂/a,  a = e^{−t},
 *
 * and along it d/dt log p_t(x(t)) = ∇·r̂_t(x(t)) = a·∇·m̂_t(x(t)) (the exact divergence of the
 * piecewise polynomial, from the `residual` kernel).
 *
 * One integrator serves both directions (a descending grid samples, an ascending one gives
 * the log-density). Over a step from s₀ to s₁, x(s₁) = x(s₀) − ∫ e^{−s} m̂ ds with m̂ replaced
 * by its Lagrange interpolant in the log-SNR λ through nodes where it was evaluated; the
 * weights ∫ e^{−s} L_j(λ(s)) ds are scalars per step (8-point Gauss–Legendre). A step with
 * m̂ constant (one Gaussian component) is exact. Where an end or a node is t = 0 (λ = ∞) the
 * interpolation is in t; below the lowest level the evaluator holds that level's m̂, as the
 * SDE sampler's last step does, so [0, t_min] is one ordinary step of the flow.
 *
 * Solvers (bench/ode.ts measures them per residual evaluation):
 * - "pc2" (the default): a predictor–corrector in the manner of UniPC: predict with m̂ linear
 *   through the last two nodes, evaluate m̂ at the predicted point, correct with m̂ linear
 *   between the step's two ends, and keep that evaluation as the next step's. One evaluation
 *   per step: steps + 1 for the sampler's grid, as many as the SDE samplers.
 * - "heun": predict with m̂ held, evaluate at the predicted point, correct (two per step).
 * - "ms2", "ms3": Adams–Bashforth through the last two or three nodes (one per step).
 * - "exp": m̂ held over the step (first order; the deterministic twin of the "exp" SDE step).
 *
 * Log-density: with acc, ∫ ∇·r̂ dt = ∫ e^{−s}·∇·m̂ ds is accumulated with the same weights
 * and nodes as x; then log p̂₀(x) = log p_T(x_T) − ∫₀ᵀ ∇·r̂_t(x(t)) dt with p_T the sampler's
 * moment-matched start N(a_T x̄, a_T²(Σ̂ − I) + I). [0, t_min] is the first step of the
 * grid: the flow below the lowest level with that level's m̂ (the same treatment as sampling).
 * Each row is checked against half the steps and integrated again with doubled steps while its
 * value moves more than the tolerance (logpdfRows): rows far from the data need many more.
 */
import { Evaluator, type EvaluableModel } from "./evaluator.ts";
import type { Kernels } from "./kernels/types.ts";
import { startOf } from "./start.ts";
import { logSnr, noiseLadder } from "./ladder.ts";
import { gaussLegendre } from "./quadrature.ts";
import { int, num, oneOf, resolve, type Decl } from "./options.ts";
import { BATCH } from "./pool.ts";

export type OdeSolver = "heun" | "ms2" | "ms3" | "pc2" | "exp";

/** The solver of `sample(…, { method: "ode" })` and `logpdf`, chosen in bench/ode.ts. */
export const ODE_SOLVER: OdeSolver = "pc2";

/** Residual evaluations for one particle of a reverse flow of `steps` steps. */
export function flowEvaluations(steps: number, solver: OdeSolver): number {
  return solver === "heun" ? 2 * steps + 2 : steps + 1;
}

// 8-point Gauss–Legendre on [0, 1].
const GL = gaussLegendre(8);

/**
 * Oriented ∫_{s0}^{s1} e^{−s}·L_j(u(s)) ds for the Lagrange basis L_j through the nodes
 * (times), with u = λ, or u = t when an end or a node is t = 0 (λ(0) = ∞).
 */
export function stepWeights(s0: number, s1: number, nodes: number[]): number[] {
  const u = s0 === 0 || s1 === 0 || nodes.includes(0) ? (t: number) => t : logSnr;
  const un = nodes.map(u), k = nodes.length;
  const len = s1 - s0;
  const w = new Array<number>(k).fill(0);
  for (let q = 0; q < GL.x.length; q++) {
    const s = s0 + len * GL.x[q], e = Math.exp(-s) * GL.w[q] * len, us = u(s);
    for (let j = 0; j < k; j++) {
      let l = 1;
      for (let i = 0; i < k; i++) if (i !== j) l *= (us - un[i]) / (un[j] - un[i]);
      w[j] += e * l;
    }
  }
  return w;
}

/** m̂ (rows × n) and e^{t}·∇·r̂ = ∇·m̂ (rows) at one time. */
interface Slot { m: Float64Array; q: Float64Array }

/**
 * Integrates the flow for the first rows of an evaluator's x, in place, along a monotone
 * grid of times (descending to sample, ascending for the log-density).
 */
export class Flow {
  private readonly x0: Float64Array;
  private readonly ring: Slot[];

  constructor(private readonly ev: Evaluator, private readonly n: number) {
    this.x0 = new Float64Array(ev.capacity * n);
    this.ring = [0, 1, 2, 3].map(() => ({ m: new Float64Array(ev.capacity * n), q: new Float64Array(ev.capacity) }));
  }

  /** Evaluate m̂_t (and ∇·m̂_t when withDiv) at the first b rows of ev.x into a fresh slot. */
  private push(b: number, t: number, withDiv: boolean): void {
    const { ev, ring } = this, len = b * this.n, ia = Math.exp(t);
    ring.unshift(ring.pop()!);
    const { m, q } = ring[0];
    ev.residual(b, t, withDiv);
    for (let i = 0; i < len; i++) m[i] = ev.r[i] * ia;
    if (withDiv) for (let r = 0; r < b; r++) q[r] = ev.div[r] * ia;
  }

  /**
   * x ← base − Σ_j w_j·m̂_j (x(s1) = x(s0) − ∫_{s0}^{s1} e^{−s} m̂ ds) and, when acc is given,
   * acc += Σ_j w_j·∇·m̂_j (= ∫_{s0}^{s1} ∇·r̂ dt), over slots ring[first …].
   */
  private step(b: number, base: Float64Array, w: number[], first: number, acc?: Float64Array): void {
    const x = this.ev.x, len = b * this.n;
    if (base !== x) x.set(base.subarray(0, len));
    for (let j = 0; j < w.length; j++) {
      const { m, q } = this.ring[first + j], wj = w[j];
      for (let i = 0; i < len; i++) x[i] -= wj * m[i];
      if (acc) for (let r = 0; r < b; r++) acc[r] += wj * q[r];
    }
  }

  /**
   * Integrate from ts[0] through ts (monotone; 0 may only be an end) with the solver; with acc,
   * also ∫ ∇·r̂ dt along the path into acc (first b entries, added to).
   */
  integrate(b: number, ts: number[], solver: OdeSolver = ODE_SOLVER, acc?: Float64Array): void {
    const { ev, x0 } = this, len = b * this.n, div = acc !== undefined;
    const order = solver === "ms3" ? 3 : solver === "ms2" || solver === "pc2" ? 2 : 1;
    let have = 0; // slots holding m̂ at the latest grid times: ring[j] at ts[s − j]
    for (let s = 0; s + 1 < ts.length; s++) {
      const t0 = ts[s], t1 = ts[s + 1];
      // pc2 already holds m̂ at t0 (evaluated at the predicted point) after its first step.
      if (solver !== "pc2" || have === 0) this.push(b, t0, div), have++;
      const k = t0 === 0 || t1 === 0 ? 1 : Math.min(order, have);
      const predictor = stepWeights(t0, t1, ts.slice(s - k + 1, s + 1).reverse());
      if (solver === "heun" || (solver === "pc2" && t1 !== 0)) {
        // Predict, evaluate m̂ at the predicted point, correct with m̂ linear between t0 and t1.
        // pc2 keeps that evaluation as the next step's m̂ (one evaluation per step, like UniPC).
        x0.set(ev.x.subarray(0, len));
        this.step(b, x0, predictor, 0);
        this.push(b, t1, div);
        have = solver === "heun" ? 0 : have + 1;
        this.step(b, x0, stepWeights(t0, t1, [t1, t0]), 0, acc);
      } else {
        this.step(b, ev.x, predictor, 0, acc);
      }
    }
  }
}

export interface LogpdfOptions {
  /** Steps from tMin to T, uniform in log-SNR (plus one from 0 to tMin). */
  steps?: number;
  /** Each row's log-density to about this many nats: rows whose value moves more from steps/2 to steps are integrated again with twice the steps, until it moves less (0: no check, `steps` only). */
  tolerance?: number;
  solver?: OdeSolver;
}

/** Default steps of `logpdf` (bench/ode.ts: discretisation error ~1e−3 nats, below the model's). */
export const LOGPDF_STEPS = 50;
/**
 * Default tolerance (nats per row). A fixed grid is accurate for the rows near the data but not for
 * the few far from it: on a breast-cancer model (30-D, σ₀ 0.033, 114 held-out rows) the median row
 * moved 0.004 nats from 50 steps to 1600 while the worst moved 58 (−95.5 converged, −36.8 at 50),
 * and the mean was 33.66 at 50 steps against 32.63 converged: 1 nat per row too high. With 0.05 the
 * mean is 32.62 (mean error 0.009, worst 0.08) in 5.5× the time; on the paper's instances, where
 * no row is far, the check costs 1.5–1.6× (the steps/2 pass) and the error stays ~1e−3.
 */
export const LOGPDF_TOLERANCE = 0.05;
/** The refinement stops at this many times `steps` (the row keeps its finest value). */
const REFINE_MAX = 64;
export const LOGPDF_OPTIONS = {
  steps: { check: int(1, 100000), default: LOGPDF_STEPS, doc: "ODE steps from tMin to T (more where a row needs them, see --tolerance)", cli: { value: "K" } },
  tolerance: { check: num(0, 1e6), default: LOGPDF_TOLERANCE, doc: "each row's log-density to about this many nats: steps double for rows that move more (0: steps only)", cli: { value: "NATS" } },
  solver: { check: oneOf("pc2", "heun", "ms2", "ms3", "exp"), default: ODE_SOLVER, doc: "the ODE solver (pc2: a second-order predictor–corrector)" },
} satisfies Record<keyof LogpdfOptions, Decl>;

/** The log-density's time grid for `steps` steps: 0, then tMin to T uniform in log-SNR. */
const logpdfGrid = (model: EvaluableModel, steps: number) => [0, ...noiseLadder(steps + 1, model.tMin, model.T)];

/** What every batch of one log-density computation shares: an evaluator, the flow, the start, the time grids. */
export function logpdfContext(model: EvaluableModel, capacity: number, options?: LogpdfOptions, kernels: Kernels = model.kernels.create()) {
  const o = resolve<Required<LogpdfOptions>>(options, LOGPDF_OPTIONS);
  const ev = new Evaluator(kernels, model, capacity), n = model.dim;
  const grids = new Map<number, number[]>();
  return {
    n, ev, solver: o.solver, flow: new Flow(ev, n), start: startOf(model), steps: o.steps, tolerance: o.tolerance,
    grid: (steps: number) => grids.get(steps) ?? grids.set(steps, logpdfGrid(model, steps)).get(steps)!,
    acc: new Float64Array(capacity), lp: new Float64Array(capacity),
  };
}
export type LogpdfContext = ReturnType<typeof logpdfContext>;

/** log p̂₀ (model units) of the rows `rows` of z (at most the context's capacity) on a grid of `steps` steps into out[0 …]. */
function flowRows(ctx: LogpdfContext, z: Float64Array, rows: number[], steps: number, out: Float64Array): void {
  const { n, ev, flow, acc, lp } = ctx, b = rows.length;
  rows.forEach((row, k) => ev.x.set(z.subarray(row * n, row * n + n), k * n));
  acc.fill(0);
  flow.integrate(b, ctx.grid(steps), ctx.solver, acc);
  ctx.start.logDensity(ev.x, b, lp);
  for (let r = 0; r < b; r++) out[r] = lp[r] - acc[r];
}

/**
 * log p̂₀ (model units) of rows first … first + b − 1 of z (b ≤ the context's capacity) into
 * out[at …]: each row on `steps` steps, checked against steps/2 and refined by doubling while
 * it moves more than the tolerance. Each row's flow is its own, so the values do not depend on
 * which rows share a batch.
 */
export function logpdfRows(ctx: LogpdfContext, z: Float64Array, first: number, b: number, out: Float64Array, at = first): void {
  const rows = Array.from({ length: b }, (_, k) => first + k), value = new Float64Array(b);
  flowRows(ctx, z, rows, ctx.steps, value);
  if (ctx.tolerance > 0 && ctx.steps >= 2) {
    const coarse = new Float64Array(b);
    flowRows(ctx, z, rows, Math.floor(ctx.steps / 2), coarse);
    // Not "> tolerance": a NaN difference is refined too.
    let open = rows.map((_, k) => k).filter((k) => !(Math.abs(value[k] - coarse[k]) <= ctx.tolerance));
    for (let steps = 2 * ctx.steps; open.length > 0 && steps <= REFINE_MAX * ctx.steps; steps *= 2) {
      const finer = new Float64Array(open.length);
      flowRows(ctx, z, open.map((k) => rows[k]), steps, finer);
      open = open.filter((k, i) => {
        const moved = Math.abs(finer[i] - value[k]);
        value[k] = finer[i];
        return !(moved <= ctx.tolerance);
      });
    }
  }
  out.set(value, at);
}

/** log p̂₀ at each row of points (row-major, model units), on this thread. */
export function flowLogpdf(model: EvaluableModel, points: Float64Array, options?: LogpdfOptions): Float64Array {
  const rows = points.length / model.dim, out = new Float64Array(rows);
  if (rows === 0) return out;
  const ctx = logpdfContext(model, Math.min(rows, BATCH), options);
  for (let s = 0; s < rows; s += BATCH) logpdfRows(ctx, points, s, Math.min(BATCH, rows - s), out);
  return out;
}
