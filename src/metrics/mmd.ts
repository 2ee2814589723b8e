/**
 * Maximum mean discrepancy with the Gaussian kernel k(x, y) = exp(−|x − y|²/(2h²)), the
 * unbiased estimator (Gretton et al. 2012, eq. 3):
 *
 *   MMD²_u = 1/(N(N−1)) Σ_{i≠j} k(xᵢ, xⱼ) + 1/(M(M−1)) Σ_{i≠j} k(yᵢ, yⱼ) − 2/(NM) Σ_{i,j} k(xᵢ, yⱼ)
 *
 * The value is the squared MMD; it is unbiased, so for equal distributions it scatters around
 * 0 and can be slightly negative. Both samples are first reduced to a seeded random subset
 * of at most `cap` rows (default 2000), so the cost is O(cap²·n) whatever the sample sizes.
 * The bandwidth h is the median heuristic: the median pairwise distance within (a subset of
 * at most 1000 rows of) the sample given to `medianBandwidth`, usually the reference, so
 * that a value and its floor use the same kernel.
 */
import { rowCount, subsetRows } from "./rows.ts";

export const MMD_CAP = 2000;
const MEDIAN_ROWS = 1000;

export interface MMDOptions {
  /** Kernel bandwidth h (default: the median heuristic on y). */
  bandwidth?: number;
  /** Rows kept from each sample (default 2000). */
  cap?: number;
  /** Seed of the subsets (default 0). */
  seed?: number;
}

/**
 * Median pairwise Euclidean distance within a seeded subset of at most 1000 rows. Distances
 * are taken in units of the largest coordinate, so that their squares cannot overflow (data
 * at 1e200).
 */
export function medianBandwidth(x: Float64Array, n: number, seed = 0): number {
  const s = subsetRows(x, n, MEDIAN_ROWS, seed, "mmd-median");
  const m = s.length / n, d = new Float64Array((m * (m - 1)) / 2);
  const unit = s.reduce((u, v) => Math.max(u, Math.abs(v)), 0) || 1;
  let k = 0;
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      let q = 0;
      for (let c = 0; c < n; c++) {
        const e = (s[i * n + c] - s[j * n + c]) / unit;
        q += e * e;
      }
      d[k++] = q;
    }
  }
  d.sort();
  const med = unit * Math.sqrt(d[Math.floor(d.length / 2)] ?? 0);
  return med > 0 ? med : 1;
}

/** Mean of k over pairs (i in a, j in b), excluding i = j when a and b are the same sample; differences in units of h√2 (no overflow). */
function kernelMean(a: Float64Array, b: Float64Array, n: number, h: number, same: boolean): number {
  const A = a.length / n, B = b.length / n, unit = h * Math.SQRT2;
  let s = 0;
  for (let i = 0; i < A; i++) {
    for (let j = same ? i + 1 : 0; j < B; j++) {
      let q = 0;
      for (let c = 0; c < n; c++) {
        const e = (a[i * n + c] - b[j * n + c]) / unit;
        q += e * e;
      }
      s += Math.exp(-q);
    }
  }
  return same ? (2 * s) / (A * (A - 1)) : s / (A * B);
}

/** Unbiased MMD² between samples x and y (row-major, dimension n); each needs at least 2 rows. */
export function mmd2(x: Float64Array, y: Float64Array, n: number, options: MMDOptions = {}): number {
  const cap = options.cap ?? MMD_CAP, seed = options.seed ?? 0;
  if (rowCount(x, n) < 2 || rowCount(y, n, "reference") < 2) throw new Error("mmd: each sample needs at least 2 rows");
  const h = options.bandwidth ?? medianBandwidth(y, n, seed);
  const xs = subsetRows(x, n, cap, seed, "mmd-x"), ys = subsetRows(y, n, cap, seed, "mmd-y");
  return kernelMean(xs, xs, n, h, true) + kernelMean(ys, ys, n, h, true) - 2 * kernelMean(xs, ys, n, h, false);
}
