/**
 * The data map (algorithm.md, "Data in any units"): z = (σ₀M)⁻¹(x − b) is what the model
 * learns as ν ⊛ N(0, I). b is a robust centre (the coordinate-wise median), M a shape with
 * det M = 1, σ₀ the noise scale: a length in data units, like a kernel density's bandwidth.
 *
 *   none       b = 0, M = I: the data is in the model's units already (the paper's setting)
 *   isotropic  M = I: the noise stays round (the map for data whose columns share units)
 *   diagonal   M = diag(s)/geomean(s), s the columns' robust scales
 *   whiten     M = D·C^{1/2}/det(D·C^{1/2})^{1/n}, D = diag(s) the columns' robust scales and C
 *              the winsorised covariance of the standardised columns (x − b)/s with its
 *              eigenvalues floored at EIGEN_FLOOR of the largest (ZCA on the correlation,
 *              "ZCA-cor"): MMᵀ ∝ Σ, and standardising first makes the map exactly equivariant
 *              to the columns' units (a column in 1e-3 beside one in 1e4 is whitened like two
 *              in 1) and keeps the floor a bound on collinearity, not on the ratio of scales
 *
 * Everything here is robust to a few wild values: medians and winsorised moments only, so one
 * value of 1e160 cannot overflow the centre or the shape.
 */
import { symmetricEigen } from "./linalg.ts";
import { OptionError } from "./options.ts";
import { COORD_MAX, DATA_MAX } from "./bounds.ts";

export type MapKind = "none" | "isotropic" | "diagonal" | "whiten";
export const MAP_KINDS: readonly MapKind[] = ["none", "isotropic", "diagonal", "whiten"];

export interface DataMap {
  kind: MapKind;
  /** b: the centre, in data units. */
  centre: number[];
  /** M (n×n row-major, det 1). */
  shape: number[];
  /** σ₀: the noise scale in data units. */
  scale: number;
}

/** Robust scales are MAD·1.4826 (the sd of a normal); winsorising at WINSOR of them. */
const MAD_SD = 1.482602218505602;
const WINSOR = 5;
const EIGEN_FLOOR = 1e-6;

/** The identity map (version-1 models, and data in the paper's units). */
export function identityMap(n: number): DataMap {
  return { kind: "none", centre: new Array(n).fill(0), shape: identity(n), scale: 1 };
}

function identity(n: number): number[] {
  const I = new Array(n * n).fill(0);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}

function median(v: Float64Array): number {
  const s = Float64Array.from(v).sort();
  const k = s.length >> 1;
  return s.length % 2 ? s[k] : 0.5 * (s[k - 1] + s[k]);
}

/** Per column: the median and a robust scale (MAD·1.4826; the mean absolute deviation where half the values coincide; 0 if constant). */
export function columnStats(x: Float64Array, m: number, n: number): { centre: number[]; scales: number[] } {
  const centre: number[] = [], scales: number[] = [];
  const col = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < m; t++) col[t] = x[t * n + i];
    const med = median(col);
    for (let t = 0; t < m; t++) col[t] = Math.abs(col[t] - med);
    let s = MAD_SD * median(col);
    if (!(s > 0)) s = col.reduce((a, v) => a + v, 0) / m; // more than half the values at the median
    centre.push(med);
    scales.push(s);
  }
  return { centre, scales };
}

/**
 * The shape of the given kind for rows x (m×n) about `centre`, with det 1. Columns of zero
 * scale must have been removed before (the fit refuses constant columns).
 */
export function mapShape(kind: MapKind, x: Float64Array, m: number, n: number, centre: number[], scales: number[]): number[] {
  if (kind === "isotropic" || kind === "none") return identity(n);
  if (kind === "diagonal") {
    const g = Math.exp(scales.reduce((s, v) => s + Math.log(v), 0) / n);
    const M = identity(n);
    for (let i = 0; i < n; i++) M[i * n + i] = scales[i] / g;
    return M;
  }
  // Winsorised covariance of the standardised columns: each clipped to ±WINSOR robust scales.
  const cov = new Float64Array(n * n), d = new Float64Array(n);
  for (let t = 0; t < m; t++) {
    for (let i = 0; i < n; i++) d[i] = Math.min(WINSOR, Math.max(-WINSOR, (x[t * n + i] - centre[i]) / scales[i]));
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) cov[i * n + j] += d[i] * d[j];
  }
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) cov[j * n + i] = cov[i * n + j] /= m;
  const { values, vectors } = symmetricEigen(cov, n);
  const top = Math.max(values[0], 1e-300);
  const lam = Array.from(values, (v) => Math.max(v, EIGEN_FLOOR * top));
  // det(D·C^{1/2}) = Π s_i · Π √λ_k, normalised away in log space (scales may span 1e±200).
  const logdet = scales.reduce((s, v) => s + Math.log(v), 0) + 0.5 * lam.reduce((s, v) => s + Math.log(v), 0);
  const root = lam.map(Math.sqrt);
  const M = new Array(n * n).fill(0);
  for (let i = 0; i < n; i++) {
    const si = scales[i] * Math.exp(-logdet / n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k] * root[k] * vectors[j * n + k];
      M[i * n + j] = si * s;
    }
  }
  return M;
}

/**
 * The map of a kind about `centre` (the rows' medians, with their robust scales) and σ₀. A σ₀
 * that would put the rows beyond COORD_MAX noise scales, or σ₀M beyond DATA_MAX, makes a model
 * the loader refuses (src/model-file.ts): an OptionError naming "scale" instead.
 */
export function makeMap(kind: MapKind, scale: number, x: Float64Array, m: number, n: number, centre: number[], scales: number[],
  shape: ArrayLike<number> = kind === "none" ? [] : mapShape(kind, x, m, n, centre, scales)): DataMap {
  const map = kind === "none" ? { ...identityMap(n), scale } : { kind, centre, shape: Array.from(shape), scale };
  const { A, inv } = mapMatrices(map);
  const spread = new Array<number>(n).fill(0);
  for (let t = 0; t < m; t++) for (let j = 0; j < n; j++) spread[j] = Math.max(spread[j], Math.abs(x[t * n + j] - map.centre[j]));
  let far = 0;
  for (let i = 0; i < n; i++) far = Math.max(far, spread.reduce((s, d, j) => s + Math.abs(inv[i * n + j]) * d, 0));
  const wide = A.reduce((w, v) => Math.max(w, Math.abs(v)), 0);
  if (!(far <= COORD_MAX) || !(wide <= DATA_MAX)) {
    const why = !(far <= COORD_MAX) ? `puts the data up to ${far.toExponential(1)} noise scales from its centre (at most ${COORD_MAX.toExponential(0)})` : `makes σ₀M reach ${wide.toExponential(1)} (at most ${DATA_MAX.toExponential(0)})`;
    throw new OptionError(`invalid option "scale": σ₀ = ${scale} ${why}: choose a σ₀ nearer the data's spread`);
  }
  return map;
}

/** The map's linear part and its inverse: A = σ₀M and A⁻¹, row-major. */
export function mapMatrices(map: DataMap): { A: Float64Array; inv: Float64Array } {
  const n = map.centre.length;
  const A = Float64Array.from(map.shape, (v) => v * map.scale);
  return { A, inv: inverse(A, n) };
}

/** The inverse of an n×n matrix (Gauss–Jordan with partial pivoting); maps are well conditioned by construction. */
export function inverse(a: ArrayLike<number>, n: number): Float64Array {
  const w = Float64Array.from(a), inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(w[r * n + c]) > Math.abs(w[p * n + c])) p = r;
    if (p !== c) {
      for (let k = 0; k < n; k++) {
        [w[c * n + k], w[p * n + k]] = [w[p * n + k], w[c * n + k]];
        [inv[c * n + k], inv[p * n + k]] = [inv[p * n + k], inv[c * n + k]];
      }
    }
    const d = w[c * n + c];
    for (let k = 0; k < n; k++) {
      w[c * n + k] /= d;
      inv[c * n + k] /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = w[r * n + c];
      if (f === 0) continue;
      for (let k = 0; k < n; k++) {
        w[r * n + k] -= f * w[c * n + k];
        inv[r * n + k] -= f * inv[c * n + k];
      }
    }
  }
  return inv;
}

/** out = inv·(x − b) for each row (data → model units). */
export function toModel(map: DataMap, inv: Float64Array, x: Float64Array, rows: number, out = new Float64Array(rows * map.centre.length)): Float64Array {
  const n = map.centre.length, b = map.centre, d = new Float64Array(n);
  const diagonal = isDiagonal(inv, n);
  for (let t = 0; t < rows; t++) {
    for (let i = 0; i < n; i++) d[i] = x[t * n + i] - b[i];
    if (diagonal) for (let i = 0; i < n; i++) out[t * n + i] = 0 + inv[i * n + i] * d[i];
    else {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += inv[i * n + j] * d[j];
        out[t * n + i] = s;
      }
    }
  }
  return out;
}

/**
 * Whether the n×n matrix is diagonal (the isotropic and diagonal maps): then toModel and toData
 * take O(n) per row, not O(n²) — 300-D selections spent 13% on those products. `0 +` keeps
 * the dense sum's numbers bit for bit (it adds exact zeros to +0, which turns a −0 into +0;
 * toData's sum starts at b_i instead, so only the sign of an exact zero could differ).
 */
function isDiagonal(a: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && a[i * n + j] !== 0) return false;
  return true;
}

/** out = b + A·z for each row (model → data units). */
export function toData(map: DataMap, A: Float64Array, z: Float64Array, rows: number, out = new Float64Array(rows * map.centre.length)): Float64Array {
  const n = map.centre.length, b = map.centre, d = new Float64Array(n);
  const diagonal = isDiagonal(A, n);
  for (let t = 0; t < rows; t++) {
    for (let i = 0; i < n; i++) d[i] = z[t * n + i];
    for (let i = 0; i < n; i++) {
      if (diagonal) {
        out[t * n + i] = b[i] + (0 + A[i * n + i] * d[i]);
        continue;
      }
      let s = b[i];
      for (let j = 0; j < n; j++) s += A[i * n + j] * d[j];
      out[t * n + i] = s;
    }
  }
  return out;
}

/** log |det(σ₀M)| = n log σ₀ (det M = 1): log p(x) = log p̂_z(z) − this. */
export function logJacobian(map: DataMap): number {
  return map.centre.length * Math.log(map.scale);
}

/**
 * A heavy-tailed column compressed before the affine map (src/prepare.ts chooses which):
 * y = c + s·asinh((x − c)/s), c and s the median and robust scale of the values whose tail it
 * is (the column's, or past a spike the rest's: src/prepare.ts). Values within a few scales
 * of c barely move; far ones come in logarithmically, so a power-law tail becomes an
 * exponential one that the model's Gaussian noise can follow. log p(x) adds Σ log dy/dx.
 */
export interface Compression {
  column: number;
  centre: number;
  scale: number;
}

/** Rows x (m×n, data units) compressed in place. */
export function compressRows(cs: readonly Compression[], x: Float64Array, m: number, n: number): void {
  for (const { column, centre, scale } of cs) for (let t = 0; t < m; t++) x[t * n + column] = centre + scale * Math.asinh((x[t * n + column] - centre) / scale);
}

/** Rows y (m×n) expanded in place: x = c + s·sinh((y − c)/s), within ±DATA_MAX (sinh overflows past 710 scales). */
export function expandRows(cs: readonly Compression[], y: Float64Array, m: number, n: number): void {
  for (const { column, centre, scale } of cs) {
    for (let t = 0; t < m; t++) y[t * n + column] = Math.max(-DATA_MAX, Math.min(DATA_MAX, centre + scale * Math.sinh((y[t * n + column] - centre) / scale)));
  }
}

/** Per row of x (data units): Σ over the compressed columns of log dy/dx = −log √(1 + u²), u = (x − c)/s. */
export function compressionLogJacobian(cs: readonly Compression[], x: Float64Array, rows: number, n: number): Float64Array {
  const out = new Float64Array(rows);
  for (const { column, centre, scale } of cs) for (let t = 0; t < rows; t++) out[t] -= Math.log(Math.hypot(1, (x[t * n + column] - centre) / scale));
  return out;
}

/**
 * A score in compressed units s_y at rows x (data units) carried to data units in place:
 * ∂/∂x log p = (dy/dx)·s_y + ∂/∂x log dy/dx = s_y/√(1 + u²) − u/(s(1 + u²)) per compressed column.
 */
export function expandScore(cs: readonly Compression[], x: Float64Array, s: Float64Array, rows: number, n: number): void {
  for (const { column, centre, scale } of cs) {
    for (let t = 0; t < rows; t++) {
      const u = (x[t * n + column] - centre) / scale, h = Math.hypot(1, u), k = t * n + column;
      s[k] = s[k] / h - u / (h * h) / scale;
    }
  }
}
