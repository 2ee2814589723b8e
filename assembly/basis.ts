/**
 * Normalised Hermite product basis, two rows at a time: the lanes of an f64x2 are two rows,
 * and every helper here does per lane exactly the scalar reference's operations in the same
 * order, so `basis` and `residual` are bitwise the reference's (designBlock scales the tables
 * first: see there). The helpers are shared by `basis`, `designBlock` (normal.ts) and
 * `residual` (residual.ts); their tables live in one static scratch.
 */
import { getF64, getInt } from "./memory";

export const HEADER: i32 = 8;

/**
 * Static scratch of the feature kernels in f64: Hermite tables of a row pair, per-pair sums and
 * a chunk of features (the kernels have no work argument big enough for two rows).
 */
const SCRATCH_LEN: i32 = 32768;
export const scratch: usize = memory.data(SCRATCH_LEN << 3, 16);

/** Capacity of the static scratch in f64; `basis` needs 4·(D+1)·r of it. */
export function scratchLength(): i32 {
  return SCRATCH_LEN;
}

// Recurrence constants for k ≤ 12, the same literals as the reference's.
const HERM_A: StaticArray<f64> = [0.0, 1.0, 0.7071067811865475, 0.5773502691896258, 0.5, 0.4472135954999579, 0.4082482904638631, 0.3779644730092272, 0.35355339059327373, 0.3333333333333333, 0.31622776601683794, 0.30151134457776363, 0.2886751345948129];
const HERM_B: StaticArray<f64> = [0.0, 0.0, 0.7071067811865476, 0.816496580927726, 0.8660254037844386, 0.8944271909999159, 0.9128709291752769, 0.9258200997725514, 0.9354143466934853, 0.9428090415820634, 0.9486832980505138, 0.9534625892455924, 0.9574271077563381];
const HERM_C: StaticArray<f64> = [0.0, 1.0, 1.4142135623730951, 1.7320508075688772, 2.0, 2.23606797749979, 2.449489742783178, 2.6457513110645907, 2.8284271247461903, 3.0, 3.1622776601683795, 3.3166247903554, 3.4641016151377544];

/** A row pair in memory, or only its first row (lane 0; lane 1 reads as 0) for a lone last row. */
// @ts-ignore: decorator
@inline export function put2(p: usize, v: v128, two: bool): void {
  if (two) v128.store(p, v);
  else store<f64>(p, f64x2.extract_lane(v, 0));
}
// @ts-ignore: decorator
@inline function get2(p: usize, two: bool): v128 {
  return two ? v128.load(p) : f64x2.replace_lane(f64x2.splat(0.0), 0, load<f64>(p));
}

/** h_k(u) at h + 16k and h_k'(u) at dh + 16k, k ≤ D, for both lanes of u. */
// @ts-ignore: decorator
@inline export function hermite2(u: v128, D: i32, h: usize, dh: usize): void {
  v128.store(h, f64x2.splat(1.0));
  v128.store(dh, f64x2.splat(0.0));
  if (D >= 1) {
    v128.store(h, u, 16);
    v128.store(dh, f64x2.splat(1.0), 16);
  }
  let h2 = f64x2.splat(1.0), h1 = u;
  for (let k = 2; k <= D; k++) {
    const hk = f64x2.sub(
      f64x2.mul(f64x2.mul(u, f64x2.splat(unchecked(HERM_A[k]))), h1),
      f64x2.mul(f64x2.splat(unchecked(HERM_B[k])), h2),
    );
    const o = <usize>k << 4;
    v128.store(h + o, hk);
    v128.store(dh + o, f64x2.mul(f64x2.splat(unchecked(HERM_C[k])), h1));
    h2 = h1;
    h1 = hk;
  }
}

/** v stored at p, or added to what is there (add). */
// @ts-ignore: decorator
@inline function sink2(p: usize, v: v128, two: bool, add: bool): void {
  put2(p, add ? f64x2.add(get2(p, two), v) : v, two);
}

/**
 * Features [f0, f1) of a row pair: φ_f into phi + (f−f0)·ps and, when withD, ∂φ_f/∂u_j into
 * dphi + ((f−f0)·r + j)·ds (byte strides), or added to what is there when addD (designBlock's
 * per-lane sums). Coordinate j's tables are at h + j·hs, dh + j·hs; multi-indices
 * table[f*ts + j]. Coordinates are multiplied in left to right, one pass over the features per
 * coordinate (the first pass takes two), so the inner loops carry no loop over r; for r ≥ 3 the
 * partial derivative products wait in dphi, or in dpart (16·r bytes per feature) when addD.
 * The reference's leading factor 1 is dropped (1·x = x exactly). two / twoD: both lanes of
 * φ / ∂φ go to memory (else lane 0 only, a lone last row).
 */
// @ts-ignore: decorator
@inline export function products2(
  r: i32, f0: i32, f1: i32, table: usize, ts: i32, h: usize, dh: usize, hs: usize,
  phi: usize, ps: usize, two: bool, withD: bool, dphi: usize, ds: usize, twoD: bool, addD: bool, dpart: usize,
): void {
  const tb = <usize>ts << 2, dfs = <usize>r * ds;
  const t0 = table + (<usize>(f0 * ts) << 2);
  // Partial derivative products (r ≥ 3): where they wait between passes.
  const pp = addD ? dpart : dphi, pj = addD ? <usize>16 : ds, pfs = <usize>r * pj, twoP = addD || twoD;
  if (r == 0) {
    for (let f = f0, o = phi; f < f1; f++, o += ps) put2(o, f64x2.splat(1.0), two);
  } else if (r == 1) {
    for (let f = f0, tp = t0, o = phi, d = dphi; f < f1; f++, tp += tb, o += ps, d += dfs) {
      const k = <usize>load<i32>(tp) << 4;
      put2(o, v128.load(h + k), two);
      if (withD) sink2(d, v128.load(dh + k), twoD, addD);
    }
  } else {
    const h1 = h + hs, dh1 = dh + hs, last = r == 2;
    for (let f = f0, tp = t0, o = phi, d = dphi, q = pp; f < f1; f++, tp += tb, o += ps, d += dfs, q += pfs) {
      const k0 = <usize>load<i32>(tp) << 4, k1 = <usize>load<i32>(tp, 4) << 4;
      const a0 = v128.load(h + k0), a1 = v128.load(h1 + k1);
      put2(o, f64x2.mul(a0, a1), two);
      if (!withD) continue;
      const d0 = f64x2.mul(v128.load(dh + k0), a1), d1 = f64x2.mul(a0, v128.load(dh1 + k1));
      if (last) {
        sink2(d, d0, twoD, addD);
        sink2(d + ds, d1, twoD, addD);
      } else {
        put2(q, d0, twoP);
        put2(q + pj, d1, twoP);
      }
    }
  }
  for (let i = 2; i < r; i++) {
    const hi = h + <usize>i * hs, dhi = dh + <usize>i * hs, last = i == r - 1;
    for (let f = f0, tp = t0 + (<usize>i << 2), o = phi, d = dphi, q = pp; f < f1; f++, tp += tb, o += ps, d += dfs, q += pfs) {
      const k = <usize>load<i32>(tp) << 4;
      const x = v128.load(hi + k), prev = get2(o, two);
      if (withD) {
        for (let j = 0; j < i; j++) {
          const v = f64x2.mul(get2(q + <usize>j * pj, twoP), x);
          if (last) sink2(d + <usize>j * ds, v, twoD, addD);
          else put2(q + <usize>j * pj, v, twoP);
        }
        const v = f64x2.mul(prev, v128.load(dhi + k));
        if (last) sink2(d + <usize>i * ds, v, twoD, addD);
        else put2(q + <usize>i * pj, v, twoP);
      }
      put2(o, f64x2.mul(prev, x), two);
    }
  }
}

/**
 * Local coordinates of rows x0, x1 (n entries each; x1 = x0 for a lone row) in the group block
 * at element b of the level, clipped to [lo, hi]; clip factor 1/s_j (0 where clipped) at
 * clip + 16j and the Hermite tables of coordinate j at h + j·hs, dh + j·hs. Lanes whose gate is
 * zero (mask lane clear) get coordinate 0: the reference skips such rows, and this keeps
 * everything computed from them finite so that they can be multiplied by γ = 0.
 */
// @ts-ignore: decorator
@inline export function frame2(x0: usize, x1: usize, level: usize, b: i32, mask: v128, clip: usize, h: usize, dh: usize, hs: usize): void {
  const n = getInt(level, 1), D = getInt(level, 2), rmax = getInt(level, 3);
  const a = getF64(level, 5);
  const r = getInt(level, b);
  const c = level + (<usize>(b + 4) << 3), P = c + (<usize>n << 3);
  const s = P + (<usize>(n * rmax) << 3), lo = s + (<usize>rmax << 3), hi = lo + (<usize>rmax << 3);
  for (let j = 0; j < r; j++) {
    const jb = <usize>j << 3;
    let v = f64x2.splat(0.0);
    for (let i = 0; i < n; i++) {
      const ib = <usize>i << 3;
      const xi = f64x2.replace_lane(f64x2.splat(load<f64>(x0 + ib)), 1, load<f64>(x1 + ib));
      const pij = f64x2.splat(load<f64>(P + ((<usize>(i * rmax) << 3) + jb)));
      v = f64x2.add(v, f64x2.mul(pij, f64x2.sub(xi, f64x2.splat(a * load<f64>(c + ib)))));
    }
    const sj = load<f64>(s + jb);
    v = f64x2.div(v, f64x2.splat(sj));
    const loj = f64x2.splat(load<f64>(lo + jb)), hij = f64x2.splat(load<f64>(hi + jb));
    const below = f64x2.lt(v, loj);
    v = v128.bitselect(loj, v, below);
    const above = f64x2.gt(v, hij);
    v = v128.bitselect(hij, v, above);
    v128.store(clip + (<usize>j << 4), v128.andnot(f64x2.splat(1.0 / sj), v128.or(below, above)));
    hermite2(v128.and(v, mask), D, h + <usize>j * hs, dh + <usize>j * hs);
  }
}

/**
 * Scratch layout of the level kernels (designBlock, residual), byte addresses: clip factors,
 * Hermite tables, then `extra` f64 of the kernel's own, then a chunk of F features with their
 * derivatives and derivative sums (2 + 4·rmax f64 per feature).
 */
// @ts-ignore: decorator
@inline export function scratchClip(): usize {
  return scratch;
}
// @ts-ignore: decorator
@inline export function scratchH(level: usize): usize {
  return scratch + (<usize>getInt(level, 3) << 4);
}
// @ts-ignore: decorator
@inline export function tableBytes(level: usize): usize {
  return <usize>(getInt(level, 2) + 1) << 4;
}
// @ts-ignore: decorator
@inline export function scratchExtra(level: usize): usize {
  return scratchH(level) + ((<usize>getInt(level, 3) * tableBytes(level)) << 1);
}
// @ts-ignore: decorator
@inline export function featureChunk(level: usize, extra: i32): i32 {
  const used = <i32>((scratchExtra(level) - scratch) >> 3) + ((extra + 1) & ~1);
  return (SCRATCH_LEN - used) / (2 + 4 * getInt(level, 3));
}

/** Hermite tables of the row pair at ut (rows of r coordinates; a lone row if !two) at h, dh = h + r·hs. */
// @ts-ignore: decorator
@inline function pairTables(ut: usize, r: i32, D: i32, h: usize, hs: usize, two: bool): void {
  const dh = h + <usize>r * hs;
  for (let j = 0; j < r; j++) {
    const uj = ut + (<usize>j << 3);
    const v = f64x2.replace_lane(f64x2.splat(load<f64>(uj)), 1, load<f64>(uj + (two ? <usize>r << 3 : 0)));
    hermite2(v, D, h + <usize>j * hs, dh + <usize>j * hs);
  }
}

/** One cache line (8 rows of a column): 64 bytes from src to dst. */
// @ts-ignore: decorator
@inline function line(dst: usize, src: usize): void {
  v128.store(dst, v128.load(src));
  v128.store(dst, v128.load(src, 16), 16);
  v128.store(dst, v128.load(src, 32), 32);
  v128.store(dst, v128.load(src, 48), 48);
}

/**
 * Hermite products of total degree ≤ D in r coordinates for m rows of u (row-major, stride r):
 * phi[f*m + row] and dphi[(f*r + j)*m + row] (column-major). Needs 4·(D+1)·r ≤ scratchLength().
 * Rows go in blocks of 8: four pairs into the scratch, then 8 rows of each column at once.
 * Pair by pair straight into columns of stride m (a power of two in the benchmark: 256) the
 * p·(1+r) columns fall into a couple of L1 sets and evict each other before the next pair.
 * The last m mod 8 rows go pair by pair straight into the columns.
 */
export function basis(m: i32, r: i32, u: usize, D: i32, table: usize, p: i32, phi: usize, dphi: usize): void {
  const hs = <usize>(D + 1) << 4, tb = (<usize>r * hs) << 1;
  const ps = <usize>m << 3, rb = <usize>r << 3;
  const out = scratch + (tb << 2);
  const room = <isize>(SCRATCH_LEN << 3) - <isize>(tb << 2);
  const F = room > 0 ? <i32>(<usize>room / (<usize>(1 + r) << 6)) : 0;
  const dout = out + (<usize>F << 6);
  let t = 0;
  if (F >= 1) {
    for (; t + 8 <= m; t += 8) {
      for (let q = 0; q < 4; q++) pairTables(u + <usize>(t + 2 * q) * rb, r, D, scratch + <usize>q * tb, hs, true);
      for (let f0 = 0; f0 < p; f0 += F) {
        const f1 = min(f0 + F, p);
        for (let q = 0; q < 4; q++) {
          const hq = scratch + <usize>q * tb, o = <usize>q << 4;
          products2(r, f0, f1, table, r, hq, hq + <usize>r * hs, hs, out + o, 64, true, true, dout + o, 64, true, false, 0);
        }
        for (let f = f0; f < f1; f++) line(phi + <usize>f * ps + (<usize>t << 3), out + (<usize>(f - f0) << 6));
        for (let c = f0 * r; c < f1 * r; c++) line(dphi + <usize>c * ps + (<usize>t << 3), dout + (<usize>(c - f0 * r) << 6));
      }
    }
  }
  const h = scratch, dh = h + <usize>r * hs;
  for (; t + 1 < m; t += 2) {
    pairTables(u + <usize>t * rb, r, D, h, hs, true);
    const o = <usize>t << 3;
    products2(r, 0, p, table, r, h, dh, hs, phi + o, ps, true, true, dphi + o, ps, true, false, 0);
  }
  if (t < m) {
    pairTables(u + <usize>t * rb, r, D, h, hs, false);
    const o = <usize>t << 3;
    products2(r, 0, p, table, r, h, dh, hs, phi + o, ps, false, true, dphi + o, ps, false, false, 0);
  }
}
