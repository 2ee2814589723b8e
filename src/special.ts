/** Special functions for the exact continuous mixtures (src/mixture.ts): Γ at half-integers, the incomplete gamma, ball volumes, ∫ sinᵐ. */

/** log Γ(s) for s a positive multiple of ½ (exact products: Γ(1) = 1, Γ(½) = √π). */
export function lgammaHalf(s: number): number {
  const whole = Number.isInteger(s);
  let v = whole ? 0 : 0.5 * Math.log(Math.PI);
  for (let z = whole ? 1 : 0.5; z < s; z++) v += Math.log(z);
  return v;
}

/**
 * log P(s, x), the regularised lower incomplete gamma function (the χ² CDF is P(m/2, q/2)):
 * series below x = s + 1, continued fraction for the complement above (Numerical Recipes
 * §6.2), so neither branch subtracts nearly equal numbers.
 */
export function logGammaP(s: number, x: number, lgammaS = lgammaHalf(s)): number {
  if (x <= 0) return -Infinity;
  const lead = s * Math.log(x) - x - lgammaS;
  if (x < s + 1) {
    let ap = s;
    let del = 1 / s;
    let sum = del;
    for (let i = 0; i < 1000 && del > sum * 1e-17; i++) {
      ap += 1;
      del *= x / ap;
      sum += del;
    }
    return lead + Math.log(sum);
  }
  const tiny = 1e-300;
  let b = x + 1 - s;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 4e-16) break;
  }
  return Math.log1p(-Math.exp(lead) * h);
}

/** log of the volume of the n-ball of radius r. */
export function logBallVolume(n: number, r: number): number {
  return (n / 2) * Math.log(Math.PI) + n * Math.log(r) - lgammaHalf(n / 2 + 1);
}

/** log ∫_0^π sin^m θ dθ (C_0 = π, C_1 = 2, C_m = C_{m−2}(m − 1)/m). */
export function logSinIntegral(m: number): number {
  let c = m % 2 === 0 ? Math.PI : 2;
  for (let j = m % 2 === 0 ? 2 : 3; j <= m; j += 2) c *= (j - 1) / j;
  return Math.log(c);
}
