/**
 * Normalised Hermite product basis: 1-D tables, products and their partial derivatives, and
 * the local features of a row in one group of a packed level. The inline helpers are shared
 * by `basis`, `designBlock` (normal.ts) and `residual` (residual.ts).
 */
import { getF64, getI32, getInt, setF64 } from "./memory";

export const HEADER: i32 = 8;

/** Static scratch of `basis` (which has no work argument): 2·(D+1)·r f64 must fit. */
const BASIS_SCRATCH_LEN: i32 = 8192;
const basisScratch: usize = memory.data(BASIS_SCRATCH_LEN << 3, 16);

/** Capacity of basis' static scratch in f64; the binding falls back to the reference beyond it. */
export function basisScratchLength(): i32 {
  return BASIS_SCRATCH_LEN;
}

// Recurrence constants for k ≤ 12, the same literals as the reference's.
const HERM_A: StaticArray<f64> = [0.0, 1.0, 0.7071067811865475, 0.5773502691896258, 0.5, 0.4472135954999579, 0.4082482904638631, 0.3779644730092272, 0.35355339059327373, 0.3333333333333333, 0.31622776601683794, 0.30151134457776363, 0.2886751345948129];
const HERM_B: StaticArray<f64> = [0.0, 0.0, 0.7071067811865476, 0.816496580927726, 0.8660254037844386, 0.8944271909999159, 0.9128709291752769, 0.9258200997725514, 0.9354143466934853, 0.9428090415820634, 0.9486832980505138, 0.9534625892455924, 0.9574271077563381];
const HERM_C: StaticArray<f64> = [0.0, 1.0, 1.4142135623730951, 1.7320508075688772, 2.0, 2.23606797749979, 2.449489742783178, 2.6457513110645907, 2.8284271247461903, 3.0, 3.1622776601683795, 3.3166247903554, 3.4641016151377544];

/** w[h + k*stride + j] = h_k(u), w[dh + …] = h_k'(u): normalised probabilists' Hermite, k ≤ D. */
// @ts-ignore: decorator
@inline export function hermite1d(u: f64, D: i32, w: usize, h: i32, dh: i32, j: i32, stride: i32): void {
  setF64(w, h + j, 1.0);
  setF64(w, dh + j, 0.0);
  if (D >= 1) {
    setF64(w, h + stride + j, u);
    setF64(w, dh + stride + j, 1.0);
  }
  for (let k = 2; k <= D; k++) {
    const h1 = getF64(w, h + (k - 1) * stride + j);
    setF64(w, h + k * stride + j, u * unchecked(HERM_A[k]) * h1 - unchecked(HERM_B[k]) * getF64(w, h + (k - 2) * stride + j));
    setF64(w, dh + k * stride + j, unchecked(HERM_C[k]) * h1);
  }
}

/**
 * φ_f into phi[f*phiStride] and, when withD, ∂φ_f/∂u_j into dphi[(f*r + j)*dStride], from the
 * 1-D tables at w[h..], w[dh..] (stride ts); multi-indices table[f*tstride + j].
 */
// @ts-ignore: decorator
@inline export function products(
  r: i32, p: i32, table: usize, tstride: i32, w: usize, h: i32, dh: i32, ts: i32,
  phi: usize, phiStride: i32, withD: bool, dphi: usize, dStride: i32,
): void {
  for (let f = 0; f < p; f++) {
    const row = f * tstride;
    let v = 1.0;
    for (let j = 0; j < r; j++) v *= getF64(w, h + getI32(table, row + j) * ts + j);
    setF64(phi, f * phiStride, v);
    if (!withD) continue;
    for (let j = 0; j < r; j++) {
      let d = 1.0;
      for (let i = 0; i < r; i++) {
        const k = getI32(table, row + i);
        d *= i == j ? getF64(w, dh + k * ts + i) : getF64(w, h + k * ts + i);
      }
      setF64(dphi, (f * r + j) * dStride, d);
    }
  }
}

/** Scratch offsets inside `work` (f64 elements): gamma(G) cbar(n) h dh u clip phi dphi. */
// @ts-ignore: decorator
@inline export function offH(level: usize): i32 {
  return getInt(level, 0) + getInt(level, 1);
}
// @ts-ignore: decorator
@inline export function offDh(level: usize): i32 {
  return offH(level) + (getInt(level, 2) + 1) * getInt(level, 3);
}
// @ts-ignore: decorator
@inline export function offU(level: usize): i32 {
  return offDh(level) + (getInt(level, 2) + 1) * getInt(level, 3);
}
// @ts-ignore: decorator
@inline export function offClip(level: usize): i32 {
  return offU(level) + getInt(level, 3);
}
// @ts-ignore: decorator
@inline export function offPhi(level: usize): i32 {
  return offClip(level) + getInt(level, 3);
}
// @ts-ignore: decorator
@inline export function offDphi(level: usize): i32 {
  return offPhi(level) + getInt(level, 4);
}

/**
 * Local coordinates of row x (n entries) in the group block starting at element b of the
 * level, clipped to [lo, hi]; work[clip + j] = 0 where clipped (else 1/s_j). Fills the 1-D
 * Hermite tables and the features (and derivatives when withD) in work.
 */
export function localFeatures(x: usize, level: usize, b: i32, table: usize, work: usize, withD: bool): void {
  const n = getInt(level, 1), D = getInt(level, 2), rmax = getInt(level, 3);
  const a = getF64(level, 5);
  const r = getInt(level, b), p = getInt(level, b + 1);
  const h = offH(level), dh = offDh(level), u = offU(level), clip = offClip(level);
  const phi = offPhi(level), dphi = offDphi(level);
  const cOff = b + 4, pOff = cOff + n, sOff = pOff + n * rmax, loOff = sOff + rmax, hiOff = loOff + rmax;
  for (let j = 0; j < r; j++) {
    let v = 0.0;
    for (let i = 0; i < n; i++) v += getF64(level, pOff + i * rmax + j) * (getF64(x, i) - a * getF64(level, cOff + i));
    const s = getF64(level, sOff + j);
    v /= s;
    let keep = 1.0;
    const lo = getF64(level, loOff + j), hi = getF64(level, hiOff + j);
    if (v < lo) { v = lo; keep = 0.0; }
    if (v > hi) { v = hi; keep = 0.0; }
    setF64(work, u + j, v);
    setF64(work, clip + j, keep / s);
    hermite1d(v, D, work, h, dh, j, rmax);
  }
  products(r, p, table, rmax, work, h, dh, rmax,
    work + (<usize>phi << 3), 1, withD, work + (<usize>dphi << 3), 1);
}

/**
 * Hermite products of total degree ≤ D in r coordinates for m rows of u (row-major, stride r):
 * phi[f*m + row] and dphi[(f*r + j)*m + row] (column-major). Needs 2·(D+1)·r ≤ basisScratchLength().
 */
export function basis(m: i32, r: i32, u: usize, D: i32, table: usize, p: i32, phi: usize, dphi: usize): void {
  const w = basisScratch;
  const dh = (D + 1) * r;
  for (let t = 0; t < m; t++) {
    for (let j = 0; j < r; j++) hermite1d(getF64(u, t * r + j), D, w, 0, dh, j, r);
    products(r, p, table, r, w, 0, dh, r,
      phi + (<usize>t << 3), m, true, dphi + (<usize>t << 3), m);
  }
}
