/**
 * Principal directions of a table, for pictures of data in more than two dimensions: the
 * eigenvectors of the covariance of the standardised columns (each centred on its mean and
 * divided by its standard deviation: the correlation matrix), largest variance first. Columns
 * in different units (grams and percent) then count alike. Each direction's sign is fixed so
 * that its largest loading is positive, so the same table always gives the same directions.
 */
import { moments, symmetricEigen } from "./linalg.ts";

export interface Principal {
  dim: number;
  /** The columns' means (data units). */
  mean: number[];
  /** The columns' standard deviations (1 where a column is constant, or when not standardised). */
  scale: number[];
  /** count × dim: unit vectors in standardised units, largest variance first. */
  directions: number[][];
  /** The variance along each direction (standardised units). */
  variances: number[];
  /** Each direction's share of the total variance. */
  share: number[];
}

export interface PrincipalOptions {
  /** How many directions (default: all). */
  count?: number;
  /** Divide each column by its standard deviation first (default true). */
  standardise?: boolean;
}

/** The principal directions of rows × dim numbers (row-major). */
export function principalDirections(x: Float64Array, dim: number, options: PrincipalOptions = {}): Principal {
  const m = x.length / dim, n = dim;
  const count = Math.max(1, Math.min(n, options.count ?? n));
  const { mean, cov } = moments(x, m, n);
  const scale = Array.from({ length: n }, (_, i) => (options.standardise === false || !(cov[i * n + i] > 0) ? 1 : Math.sqrt(cov[i * n + i])));
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[i * n + j] = cov[i * n + j] / (scale[i] * scale[j]);
  const { values, vectors } = symmetricEigen(c, n);
  let total = 0;
  for (let i = 0; i < n; i++) total += c[i * n + i];
  const directions: number[][] = [], variances: number[] = [], share: number[] = [];
  for (let j = 0; j < count; j++) {
    const d = Array.from({ length: n }, (_, k) => vectors[k * n + j]);
    let big = 0;
    for (let k = 1; k < n; k++) if (Math.abs(d[k]) > Math.abs(d[big]) + 1e-12) big = k;
    const sign = d[big] < 0 ? -1 : 1;
    directions.push(d.map((v) => sign * v + 0)); // + 0: no −0
    variances.push(Math.max(0, values[j]));
    share.push(total > 0 ? Math.max(0, values[j]) / total : 0);
  }
  return { dim: n, mean: Array.from(mean), scale, directions, variances, share };
}

/** Rows (data units) → their coordinates along the directions: rows × count. */
export function project(p: Principal, x: Float64Array): Float64Array {
  const n = p.dim, k = p.directions.length, m = x.length / n;
  const out = new Float64Array(m * k), u = new Float64Array(n);
  for (let t = 0; t < m; t++) {
    for (let i = 0; i < n; i++) u[i] = (x[t * n + i] - p.mean[i]) / p.scale[i];
    for (let j = 0; j < k; j++) {
      const d = p.directions[j];
      let s = 0;
      for (let i = 0; i < n; i++) s += d[i] * u[i];
      out[t * k + j] = s;
    }
  }
  return out;
}

/** Columns `cols` (0-based) of rows × dim numbers: rows × cols.length. */
export function selectColumns(x: Float64Array, dim: number, cols: number[]): Float64Array {
  const m = x.length / dim, k = cols.length, out = new Float64Array(m * k);
  for (let t = 0; t < m; t++) for (let j = 0; j < k; j++) out[t * k + j] = x[t * dim + cols[j]];
  return out;
}
