/**
 * The posterior over the components of an identity-covariance mixture Σ wⱼ N(μⱼ, I) noised to
 * x_t = a x₀ + σξ: πⱼ(x) ∝ wⱼ exp(a⟨x, μⱼ⟩ − a²|μⱼ|²/2) (the |x|²/2 and normalising terms are
 * common to all j). One routine for the exact mixtures, the EM baseline and the components
 * read off a model.
 */

/** Per row of x (rows × n): π into out (rows × k); returns Σ_rows log Σⱼ wⱼ exp(…), and each row's into lse when given. */
export function posterior(x: Float64Array, rows: number, n: number, logw: ArrayLike<number>, means: ArrayLike<number>, a: number,
  out: Float64Array, lse?: Float64Array): number {
  const k = logw.length, half = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let sq = 0;
    for (let i = 0; i < n; i++) sq += means[j * n + i] * means[j * n + i];
    half[j] = 0.5 * a * a * sq;
  }
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const xo = r * n, ro = r * k;
    let top = -Infinity;
    for (let j = 0; j < k; j++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += x[xo + i] * means[j * n + i];
      top = Math.max(top, (out[ro + j] = logw[j] + a * d - half[j]));
    }
    const l = softmax(out, ro, k, top);
    if (lse) lse[r] = l;
    total += l;
  }
  return total;
}

/** Logits l[o … o+k) (their maximum: top) into probabilities in place; returns log Σ e^{l}. */
export function softmax(l: Float64Array, o: number, k: number, top: number): number {
  let s = 0;
  for (let j = 0; j < k; j++) {
    // e^{−40} ≈ 4e−18 is below double precision next to the top term: skip the exp
    const d = l[o + j] - top;
    s += l[o + j] = d < -40 ? 0 : Math.exp(d);
  }
  const inv = 1 / s;
  for (let j = 0; j < k; j++) l[o + j] *= inv;
  return top + Math.log(s);
}
