/**
 * Energy distance E(X, Y) = 2E|X − Y| − E|X − X'| − E|Y − Y'| (Székely–Rizzo), by slicing:
 * |z| = c_n · E_v|⟨v, z⟩| for v uniform on the unit sphere, c_n = √π Γ((n+1)/2)/Γ(n/2), so
 *
 *   E(X, Y) = c_n · E_v[ E₁(⟨v, X⟩, ⟨v, Y⟩) ],
 *
 * an identity, not an approximation; the only error is the average over finitely many
 * directions (`directions`: in 2-D 32 equally spaced on the half circle, else 64 uniform
 * random ones from a fixed stream, the same for every call in a dimension; in 1-D the one
 * direction is exact). Each 1-D term is the unbiased
 * U-statistic
 *
 *   E₁ = 2/(NM) Σ_{i,j}|xᵢ − yⱼ| − 1/(N(N−1)) Σ_{i≠j}|xᵢ − xⱼ| − 1/(M(M−1)) Σ_{i≠j}|yᵢ − yⱼ|
 *
 * computed from sorted projections in O((N + M) log(N + M)) (so it can be slightly negative
 * for equal distributions). Samples larger than `cap` rows (default 20 000) are reduced to a
 * seeded random subset.
 */
import { project, randomDirections, rowCount, subsetRows } from "./rows.ts";

export const ENERGY_CAP = 20000;
export const ENERGY_DIRECTIONS = 64;
/** In 2-D the directions are a midpoint rule in the angle, whose error is far below the sampling error at 32. */
export const ENERGY_DIRECTIONS_2D = 32;

export interface EnergyOptions {
  /** Directions averaged over (default 32 in 2-D, 64 above); in 1-D there is one. */
  directions?: number;
  /** Rows kept from each sample (default 20 000). */
  cap?: number;
  /** Seed of the subsets (default 0); the directions do not depend on it. */
  seed?: number;
}

/** log Γ(s) for s a positive multiple of ½. */
function lgammaHalf(s: number): number {
  const whole = Number.isInteger(s);
  let v = whole ? 0 : 0.5 * Math.log(Math.PI);
  for (let z = whole ? 1 : 0.5; z < s; z++) v += Math.log(z);
  return v;
}

/** c_n = √π Γ((n+1)/2) / Γ(n/2): |z| = c_n E_v|⟨v, z⟩|. */
export function slicingConstant(n: number): number {
  return Math.exp(0.5 * Math.log(Math.PI) + lgammaHalf((n + 1) / 2) - lgammaHalf(n / 2));
}

/** Σ_{i<j} (x_(j) − x_(i)) of a sorted sample. */
function pairSum(sorted: Float64Array): number {
  const N = sorted.length;
  let s = 0;
  for (let k = 0; k < N; k++) s += sorted[k] * (2 * k - N + 1);
  return s;
}

/** Σ_{i,j} |xᵢ − yⱼ| of two sorted samples, by merging. */
function crossSum(x: Float64Array, y: Float64Array): number {
  let total = 0;
  for (const v of y) total += v;
  const M = y.length;
  let j = 0, below = 0, s = 0;
  for (const v of x) {
    while (j < M && y[j] < v) below += y[j++];
    s += v * j - below + (total - below) - v * (M - j);
  }
  return s;
}

/** Unbiased 1-D energy distance of two samples (each at least 2 values). */
export function energy1d(x: Float64Array, y: Float64Array): number {
  const N = x.length, M = y.length;
  // centre on a common value so the sums do not carry a large offset
  let c = 0;
  for (const v of y) c += v;
  c /= M;
  const xs = Float64Array.from(x, (v) => v - c).sort(), ys = Float64Array.from(y, (v) => v - c).sort();
  return (2 * crossSum(xs, ys)) / (N * M) - (2 * pairSum(xs)) / (N * (N - 1)) - (2 * pairSum(ys)) / (M * (M - 1));
}

/** L equally spaced directions on the half circle (the midpoint rule for the average over v in 2-D). */
function circleDirections(L: number): Float64Array {
  const V = new Float64Array(2 * L);
  for (let d = 0; d < L; d++) {
    const th = (Math.PI * (d + 0.5)) / L;
    V[2 * d] = Math.cos(th);
    V[2 * d + 1] = Math.sin(th);
  }
  return V;
}

/** Energy distance between samples x and y (row-major, dimension n), sliced. */
export function energyDistance(x: Float64Array, y: Float64Array, n: number, options: EnergyOptions = {}): number {
  const cap = options.cap ?? ENERGY_CAP, seed = options.seed ?? 0;
  if (rowCount(x, n) < 2 || rowCount(y, n, "reference") < 2) throw new Error("energy: each sample needs at least 2 rows");
  const xs = subsetRows(x, n, cap, seed, "energy-x"), ys = subsetRows(y, n, cap, seed, "energy-y");
  if (n === 1) return energy1d(xs, ys);
  const L = options.directions ?? (n === 2 ? ENERGY_DIRECTIONS_2D : ENERGY_DIRECTIONS);
  const V = n === 2 ? circleDirections(L) : randomDirections(n, L, 0, "energy");
  let s = 0;
  for (let d = 0; d < L; d++) s += energy1d(project(xs, n, V, d * n), project(ys, n, V, d * n));
  return (slicingConstant(n) * s) / L;
}
