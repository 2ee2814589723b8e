/**
 * Bounds that keep a loaded model's arithmetic finite (src/model-file.ts enforces them on every
 * model it loads), derived here in model units (noise scale 1), for
 * n ≤ 1e5 columns and degree ≤ DEGREE_MAX:
 *
 *   COORD_MAX   every location the model holds: region centres, the moments' mean, the square
 *               roots of the covariance's eigenvalues and of the spreads, and E[μ | x] = r̂/a
 *               anywhere in a clip box (bounded from W below)
 *   EVAL_MAX    the points it evaluates (ScoreModel refuses points beyond it)
 *   gate logits log π − a²|c|²/2 + a⟨x, c⟩          ≤ n·EVAL_MAX·COORD_MAX ≈ 1e195
 *   local coordinates Pᵀ(x − a·c)/s (P orthonormal, s ≥ 1)   ≤ n·2·EVAL_MAX, then clipped to the box
 *   Hermite products of total degree ≤ 12 at |u| ≤ CLIP_MAX   ≤ (CLIP_MAX + 4)^12 ≈ 1e300
 *   E[μ|x] and its divergence: Σ_f |W_if|·φ̄_f / a ≤ COORD_MAX, with φ̄_f the bound of |φ_f| on
 *               the box (the Hermite recurrence in absolute values), so W·φ cannot overflow
 *   the start's quadratic form |x − a·x̄|²/v (v ≥ 1e−6)   ≤ n²·(2·EVAL_MAX)²·1e6 ≈ 1e216
 *   T ≤ T_MAX   e^T (the flow's m̂ = e^t·r̂) and e^−T (a > 0) stay in range
 *
 * and in data units DATA_MAX bounds the map's centre b and the entries of σ₀M, so that
 * x = b + σ₀M·z stays finite for every z the model can produce (n·DATA_MAX·COORD_MAX ≪ 1e308);
 * the fit refuses data values beyond it (src/prepare.ts).
 */
export const COORD_MAX = 1e90;
export const EVAL_MAX = 1e100;
export const CLIP_MAX = 1e25;
export const T_MAX = 700;
export const DATA_MAX = 1e200;
/** The kernels' Hermite recurrence tables stop at degree 12 (src/kernels/reference.ts, assembly/). */
export const DEGREE_MAX = 12;
