/**
 * Sliced total variation in any dimension: the mean, over a fixed set of unit directions, of
 * the 1-D histogram TV between the projected samples and the projected truth (or a projected
 * reference sample). The directions are the truth's principal directions (eigenvectors of its
 * covariance, at most `principal`) plus `random` directions uniform on the sphere drawn from
 * a fixed stream, so every call in a given dimension slices the same way.
 *
 * Against a known mixture, the projected density is exact: ⟨v, x⟩ ~ ∫ N(⟨v, μ⟩, 1) dν(μ),
 * a finite 1-D mixture for discrete ν and, for the continuous kinds, a composite
 * Gauss–Legendre quadrature over the projected mixing measure (see projection.ts); bins of
 * width 0.25 (the components have unit variance) on a grid through 0 covering the truth's
 * mass to 8 sd, plus one cell for everything outside. Against a reference sample, both
 * histograms share bins over the reference's range (Freedman–Diaconis width 2·IQR·M^{−1/3}
 * of the projected reference) with one outside cell on each side.
 */
import type { Mixture } from "../mixture.ts";
import { moments, symmetricEigen } from "../linalg.ts";
import { mixtureCdf, projectMixture } from "./projection.ts";
import { project, randomDirections, rowCount } from "./rows.ts";

export interface SlicedOptions {
  /** Random directions (default 16). */
  random?: number;
  /** At most this many principal directions (default 8). */
  principal?: number;
  /** Bin width along each direction (default: 0.25 against a truth, Freedman–Diaconis against a reference). */
  width?: number;
}

export interface SlicedResult {
  /** Mean 1-D TV over the directions. */
  value: number;
  /** The 1-D TV along each direction. */
  perDirection: Float64Array;
  /** The directions, row-major (count × n). */
  directions: Float64Array;
}

export const TRUTH_WIDTH = 0.25;
const TAIL = 8;
const COVARIANCE_ROWS = 20000;

/** The covariance of a known mixture: exact for discrete ones (Cov ν + I), else from 20 000 rows drawn with seed 0. */
export function truthCovariance(truth: Mixture): Float64Array {
  const spec = truth.toSpec(), n = truth.dim;
  if (spec.kind !== "discrete") return moments(truth.sample(COVARIANCE_ROWS, 0), COVARIANCE_ROWS, n).cov;
  const mean = new Float64Array(n), cov = new Float64Array(n * n);
  spec.means.forEach((mu, j) => mu.forEach((v, i) => (mean[i] += spec.weights[j] * v)));
  spec.means.forEach((mu, j) => {
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) cov[a * n + b] += spec.weights[j] * (mu[a] - mean[a]) * (mu[b] - mean[b]);
  });
  for (let a = 0; a < n; a++) cov[a * n + a] += 1;
  return cov;
}

/** The principal directions of `cov` (at most `principal`) followed by `random` fixed random ones; in 1-D just [1]. */
export function slicingDirections(n: number, cov: ArrayLike<number>, options: SlicedOptions = {}): Float64Array {
  if (n === 1) return Float64Array.of(1);
  const P = Math.min(n, options.principal ?? 8), R = options.random ?? 16;
  const out = new Float64Array((P + R) * n);
  const { vectors } = symmetricEigen(cov, n);
  for (let d = 0; d < P; d++) for (let i = 0; i < n; i++) out[d * n + i] = vectors[i * n + d];
  out.set(randomDirections(n, R, 0, "sliced"), P * n);
  return out;
}

/** Histogram TV between projected samples and Σ w_j N(loc_j, 1), bins of `width` through 0. */
export function tvAgainstAtoms(proj: Float64Array, atoms: { loc: Float64Array; w: Float64Array }, width = TRUTH_WIDTH): number {
  let lo = Infinity, hi = -Infinity;
  for (const v of atoms.loc) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  lo = Math.floor((lo - TAIL) / width) * width;
  const bins = Math.ceil((hi + TAIL - lo) / width);
  const edges = new Float64Array(bins + 1);
  for (let b = 0; b <= bins; b++) edges[b] = lo + b * width;
  const F = mixtureCdf(atoms, edges);
  const counts = new Float64Array(bins);
  let outside = 0;
  for (const v of proj) {
    const b = Math.floor((v - lo) / width);
    if (b >= 0 && b < bins) counts[b]++;
    else outside++;
  }
  const N = proj.length;
  let tv = 0;
  for (let b = 0; b < bins; b++) tv += Math.abs(F[b + 1] - F[b] - counts[b] / N);
  tv += Math.abs(F[0] + (1 - F[bins]) - outside / N);
  return 0.5 * tv;
}

/** Freedman–Diaconis width 2·IQR·M^{−1/3} of a sorted sample (a positive fallback if the IQR is 0). */
function fdWidth(sorted: Float64Array): number {
  const M = sorted.length, q = (p: number) => sorted[Math.min(M - 1, Math.floor(p * M))];
  const iqr = q(0.75) - q(0.25);
  const w = (2 * iqr) / Math.cbrt(M);
  return w > 0 ? w : Math.max(1e-12, (sorted[M - 1] - sorted[0]) / 100) || 1;
}

/** Histogram TV between two 1-D samples on bins over the reference's range (one outside cell per side). */
export function tvBetweenSamples(proj: Float64Array, reference: Float64Array, width?: number): number {
  const sorted = Float64Array.from(reference).sort();
  const h = width ?? fdWidth(sorted);
  const lo = sorted[0], bins = Math.max(1, Math.ceil((sorted[sorted.length - 1] - lo) / h) + 1);
  const histogram = (x: Float64Array) => {
    const c = new Float64Array(bins + 2); // [below, bins…, above]
    for (const v of x) {
      const b = Math.floor((v - lo) / h);
      c[b < 0 ? 0 : b >= bins ? bins + 1 : b + 1]++;
    }
    for (let i = 0; i < c.length; i++) c[i] /= x.length;
    return c;
  };
  const p = histogram(proj), q = histogram(reference);
  let tv = 0;
  for (let i = 0; i < p.length; i++) tv += Math.abs(p[i] - q[i]);
  return 0.5 * tv;
}

/** Sliced TV of samples (row-major, the truth's dimension) against a known mixture. */
export function slicedTV(samples: Float64Array, truth: Mixture, options: SlicedOptions = {}): SlicedResult {
  const n = truth.dim;
  rowCount(samples, n);
  const directions = slicingDirections(n, truthCovariance(truth), options);
  const D = directions.length / n, perDirection = new Float64Array(D);
  for (let d = 0; d < D; d++) {
    const v = directions.subarray(d * n, d * n + n);
    perDirection[d] = tvAgainstAtoms(project(samples, n, v), projectMixture(truth, v), options.width ?? TRUTH_WIDTH);
  }
  return { value: mean(perDirection), perDirection, directions };
}

/** Sliced TV of samples against a reference sample; the principal directions are the reference's. */
export function slicedTVSamples(samples: Float64Array, reference: Float64Array, n: number, options: SlicedOptions = {}): SlicedResult {
  rowCount(samples, n);
  const M = rowCount(reference, n, "reference");
  const directions = slicingDirections(n, moments(reference, M, n).cov, options);
  const D = directions.length / n, perDirection = new Float64Array(D);
  for (let d = 0; d < D; d++) {
    const v = directions.subarray(d * n, d * n + n);
    perDirection[d] = tvBetweenSamples(project(samples, n, v), project(reference, n, v), options.width);
  }
  return { value: mean(perDirection), perDirection, directions };
}

function mean(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v;
  return s / x.length;
}
