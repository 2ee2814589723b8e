/** Noise levels uniform in log-SNR λ = log(a²/σ²) between tMin and T, ascending in t. */
export function noiseLadder(levels: number, tMin: number, T: number): number[] {
  const lam = (t: number) => -Math.log(Math.expm1(2 * t));
  const l0 = lam(tMin), l1 = lam(T);
  return Array.from({ length: levels }, (_, i) => {
    if (i === 0) return tMin;
    if (i === levels - 1) return T;
    const l = l0 + ((l1 - l0) * i) / (levels - 1);
    return 0.5 * Math.log1p(Math.exp(-l));
  });
}
