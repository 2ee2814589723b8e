/**
 * Score error along the noise ladder, against a known mixture: at each time t, with
 * x_t = a x₀ + σ ξ (x₀ from the truth, a = e^{−t}, σ² = 1 − a²),
 *
 *   mse(t)   = E|ŝ_t(x_t) − s_t(x_t)|² = E|r̂_t − r_t|²   (the scores differ only by their residuals)
 *   error(t) = mse(t) / E|s_t(x_t)|²                     (relative, as in algorithm.md)
 *
 * and the time integrals by the trapezoid rule over the times given (default: the model's
 * own levels, else 12 levels from 0.01 to 4):
 *
 *   total    = ∫ mse(t) dt                   the quantity that bounds the sampler's KL (Girsanov)
 *   relative = ∫ mse(t) dt / ∫ E|s_t|² dt
 *
 * Each level uses `points` fresh rows (default 10 000) from the streams (seed, level).
 */
import type { Mixture } from "../mixture.ts";
import type { DataMap } from "../map.ts";
import { translated } from "../mixture-spec.ts";
import { noiseLadder } from "../ladder.ts";
import { normals, streamState } from "../random.ts";

/** Anything with a residual a·E[μ | x_t = x]: a ScoreModel, or an adapter around another model. */
export interface ResidualModel {
  /** In the model's units (src/map.ts). */
  residual(x: Float64Array, t: number): Float64Array;
  readonly levels?: readonly { t: number }[];
  /** The model's data map; the truth is carried to the model's units when the map is a translation. */
  readonly map?: DataMap;
}

export interface ScoreErrorOptions {
  times?: number[];
  points?: number;
  seed?: number;
}

export interface ScoreErrorLevel {
  t: number;
  /** E|ŝ − s|² / E|s|². */
  error: number;
  /** E|ŝ − s|². */
  mse: number;
  /** E|s|². */
  norm: number;
}

export interface ScoreErrorResult {
  levels: ScoreErrorLevel[];
  /** ∫ E|ŝ_t − s_t|² dt over [min t, max t]. */
  total: number;
  /** ∫ E|ŝ_t − s_t|² dt / ∫ E|s_t|² dt. */
  relative: number;
}

export function scoreError(model: ResidualModel, given: Mixture, options: ScoreErrorOptions = {}): ScoreErrorResult {
  const truth = model.map ? inModelUnits(given, model.map) : given;
  const times = [...(options.times ?? model.levels?.map((lv) => lv.t) ?? noiseLadder(12, 0.01, 4))].sort((p, q) => p - q);
  const M = options.points ?? 10000, seed = options.seed ?? 0, n = truth.dim;
  if (!(Number.isInteger(M) && M >= 1)) throw new Error(`scoreError: points must be a positive integer, got ${M}`);
  const levels = times.map((t, l): ScoreErrorLevel => {
    const a = Math.exp(-t), sigma = Math.sqrt(-Math.expm1(-2 * t));
    const x = truth.sample(M, seed + 1000003 * (l + 1));
    const z = normals(M * n, streamState(seed, "score-error", l));
    for (let i = 0; i < x.length; i++) x[i] = a * x[i] + sigma * z[i];
    const r = truth.residual(x, t), rh = model.residual(x, t);
    let mse = 0, norm = 0;
    for (let i = 0; i < x.length; i++) {
      mse += (rh[i] - r[i]) ** 2;
      norm += (r[i] - x[i]) ** 2;
    }
    return { t, error: mse / norm, mse: mse / M, norm: norm / M };
  });
  let total = 0, den = 0;
  for (let l = 1; l < levels.length; l++) {
    const dt = levels[l].t - levels[l - 1].t;
    total += (0.5 * dt * (levels[l].mse + levels[l - 1].mse));
    den += (0.5 * dt * (levels[l].norm + levels[l - 1].norm));
  }
  return { levels, total, relative: den > 0 ? total / den : levels[0]?.error ?? 0 };
}

/**
 * The truth in the model's units: with σ₀ = 1 and M = I the map is the translation by −b, and
 * p_t of the translated mixture is comparable; a map that scales the data changes the noise,
 * so there is no truth in the same family to compare with.
 */
function inModelUnits(truth: Mixture, map: DataMap): Mixture {
  const n = map.centre.length;
  const isIdentityShape = map.shape.every((v, k) => v === (k % (n + 1) === 0 ? 1 : 0));
  if (map.scale !== 1 || !isIdentityShape) {
    throw new Error(`scoreError: the model's map scales the data (${map.kind}, σ₀ = ${map.scale}); the score error needs a model in the truth's units (map "none", or "isotropic" with scale 1)`);
  }
  return map.centre.every((v) => v === 0) ? truth : translated(truth, map.centre.map((v) => -v));
}
