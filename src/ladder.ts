/**
 * Times of the noise schedule, uniform in the log-SNR λ(t) = log(a²/σ²), a = e^{−t}: the fit's
 * levels ascending, the sampler's grid descending.
 */

/** λ(t) = log(a²/σ²) = −log(e^{2t} − 1). */
export function logSnr(t: number): number {
  // e^{2t} overflows beyond t ≈ 355 (models go to T = 700): there λ = −2t − log(1 − e^{−2t}).
  return t > 300 ? -2 * t - Math.log1p(-Math.exp(-2 * t)) : -Math.log(Math.expm1(2 * t));
}

/** The time of log-SNR l: t = ½ log(1 + e^{−l}). */
export function timeOfLogSnr(l: number): number {
  // Likewise e^{−l} overflows below l ≈ −709: there t = ½(−l + log(1 + e^{l})).
  return l < -600 ? 0.5 * (-l + Math.log1p(Math.exp(l))) : 0.5 * Math.log1p(Math.exp(-l));
}

/** Noise levels uniform in log-SNR between tMin and T, ascending in t. */
export function noiseLadder(levels: number, tMin: number, T: number): number[] {
  const l0 = logSnr(tMin), l1 = logSnr(T);
  return Array.from({ length: levels }, (_, i) => {
    if (i === 0) return tMin;
    if (i === levels - 1) return T;
    return timeOfLogSnr(l0 + ((l1 - l0) * i) / (levels - 1));
  });
}

/** The sampler's grid: T down to tMin in `steps` steps uniform in log-SNR, then 0. */
export function reverseGrid(steps: number, tMin: number, T: number): number[] {
  return [...noiseLadder(steps + 1, tMin, T).reverse(), 0];
}
