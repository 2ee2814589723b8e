/**
 * The normal equations of one level: the design block of a row block, the Gram update
 * G += ΦᵀΦ (f64x2 SIMD, 2×4 register tiles) and the ridge-regularised Cholesky solve (panels
 * of four pivot rows).
 */
import { getF64, getI32, getInt, setF64, addF64 } from "./memory";
import { HEADER, featureChunk, frame2, products2, put2, scratchClip, scratchExtra, scratchH, tableBytes } from "./basis";

/**
 * Design block, column-major with leading dimension ld: column 0 = 1, columns 1..n = x0,
 * n+1..2n = cbar, then the features γ_g φ_f(u_g) of each active group; adds
 * Σ_rows γ_g ∂φ_f/∂u_j · clip_j into dsum[(foff_g + f)*rmax + j].
 * Rows go in pairs (f64x2 lanes). The gate and clip factors are folded into the pair's 1-D
 * tables (h_0 ← γ h_0, h'_0 ← γ clip_0 h'_0, h'_j ← clip_j h'_j), so the products are the
 * design entries and the derivative terms themselves (the reference multiplies γ last: the
 * results differ from it in the last bit). The derivative terms are summed per lane in the
 * scratch and added into dsum once per group and call. A group with more features than the
 * scratch holds is done in chunks of features.
 */
export function designBlock(
  m: i32, x0: usize, x: usize, gamma: usize, cbar: usize, level: usize, table: usize,
  active: usize, nActive: i32, phi: usize, ld: i32, dsum: usize, work: usize,
): void {
  const G = getInt(level, 0), n = getInt(level, 1), D = getInt(level, 2), rmax = getInt(level, 3), gs = getInt(level, 7);
  for (let t = 0; t < m; t++) {
    setF64(phi, t, 1.0);
    for (let i = 0; i < n; i++) {
      setF64(phi, (1 + i) * ld + t, getF64(x0, t * n + i));
      setF64(phi, (1 + n + i) * ld + t, getF64(cbar, t * n + i));
    }
  }
  const clip = scratchClip(), h = scratchH(level), hs = tableBytes(level), dh = h + <usize>rmax * hs;
  const F = featureChunk(level, 0);
  const pd = scratchExtra(level), acc = pd + (<usize>(F * rmax) << 4);
  const ldb = <usize>ld << 3, xb = <usize>n << 3, gb = <usize>G << 3;
  let col = 1 + 2 * n;
  for (let k = 0; k < nActive; k++) {
    const g = getI32(active, k);
    const b = HEADER + g * gs;
    const r = getInt(level, b), p = getInt(level, b + 1), foff = getInt(level, b + 3);
    const gam = gamma + (<usize>g << 3), out = phi + <usize>col * ldb;
    if (r == 0) {
      // A constant-only group: φ = 1, no derivatives.
      for (let t = 0; t < m; t++) for (let f = 0; f < p; f++) store<f64>(out + <usize>f * ldb + (<usize>t << 3), load<f64>(gam + <usize>t * gb));
      col += p;
      continue;
    }
    for (let f0 = 0; f0 < p; f0 += F) {
      const f1 = min(f0 + F, p), nd = <usize>((f1 - f0) * r) << 4;
      memory.fill(acc, 0, nd);
      const o = out + <usize>f0 * ldb;
      for (let t = 0; t < m; t += 2) {
        const two = t + 1 < m;
        const w = f64x2.replace_lane(f64x2.splat(load<f64>(gam + <usize>t * gb)), 1, two ? load<f64>(gam + <usize>(t + 1) * gb) : 0.0);
        const mask = f64x2.ne(w, f64x2.splat(0.0));
        const ot = o + (<usize>t << 3);
        if (!v128.any_true(mask)) {
          for (let f = f0, q = ot; f < f1; f++, q += ldb) put2(q, f64x2.splat(0.0), two);
          continue;
        }
        const xt = x + <usize>t * xb;
        frame2(xt, two ? xt + xb : xt, level, b, mask, clip, h, dh, hs);
        for (let j = 0; j < r; j++) {
          const wc = v128.load(clip + (<usize>j << 4));
          scaleTable(dh + <usize>j * hs, D, j == 0 ? f64x2.mul(w, wc) : wc);
        }
        scaleTable(h, D, w);
        if (two) {
          products2(r, f0, f1, table, rmax, h, dh, hs, ot, ldb, true, true, acc, 16, true, true, pd);
          // A gated-off lane holds ±0: the reference writes +0.
          if (!i64x2.all_true(mask)) for (let f = f0, q = ot; f < f1; f++, q += ldb) v128.store(q, v128.and(v128.load(q), mask));
        } else products2(r, f0, f1, table, rmax, h, dh, hs, ot, ldb, false, true, acc, 16, true, true, pd);
      }
      for (let f = f0, a = acc; f < f1; f++) {
        const ds = dsum + (<usize>((foff + f) * rmax) << 3);
        for (let j = 0; j < r; j++, a += 16) {
          const s = v128.load(a);
          addF64(ds, j, f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1));
        }
      }
    }
    col += p;
  }
}

/** Multiplies the 1-D table at t (entries k ≤ D) by c lane-wise. */
// @ts-ignore: decorator
@inline function scaleTable(t: usize, D: i32, c: v128): void {
  for (let k = 0; k <= D; k++) {
    const q = t + (<usize>k << 4);
    v128.store(q, f64x2.mul(v128.load(q), c));
  }
}

/**
 * Two Gram rows (columns a0, a1 of Φ) against four columns (b, b + cb, …): adds the 2×4 dot
 * products into g (row stride gb bytes), skipping entry (1, 0) on the diagonal tile.
 * Rows in pairs with f64x2 and eight accumulators, a scalar tail for odd m.
 */
// @ts-ignore: decorator
@inline function tile2x4(m: i32, a0: usize, a1: usize, b: usize, cb: usize, g: usize, gb: usize, diag: bool): void {
  let s00 = f64x2.splat(0), s01 = f64x2.splat(0), s02 = f64x2.splat(0), s03 = f64x2.splat(0);
  let s10 = f64x2.splat(0), s11 = f64x2.splat(0), s12 = f64x2.splat(0), s13 = f64x2.splat(0);
  const b1 = b + cb, b2 = b1 + cb, b3 = b2 + cb;
  const end = <usize>(m & ~1) << 3;
  for (let o: usize = 0; o < end; o += 16) {
    const x0 = v128.load(a0 + o), x1 = v128.load(a1 + o);
    const y0 = v128.load(b + o), y1 = v128.load(b1 + o), y2 = v128.load(b2 + o), y3 = v128.load(b3 + o);
    s00 = f64x2.add(s00, f64x2.mul(x0, y0));
    s01 = f64x2.add(s01, f64x2.mul(x0, y1));
    s02 = f64x2.add(s02, f64x2.mul(x0, y2));
    s03 = f64x2.add(s03, f64x2.mul(x0, y3));
    s10 = f64x2.add(s10, f64x2.mul(x1, y0));
    s11 = f64x2.add(s11, f64x2.mul(x1, y1));
    s12 = f64x2.add(s12, f64x2.mul(x1, y2));
    s13 = f64x2.add(s13, f64x2.mul(x1, y3));
  }
  let r00 = f64x2.extract_lane(s00, 0) + f64x2.extract_lane(s00, 1);
  let r01 = f64x2.extract_lane(s01, 0) + f64x2.extract_lane(s01, 1);
  let r02 = f64x2.extract_lane(s02, 0) + f64x2.extract_lane(s02, 1);
  let r03 = f64x2.extract_lane(s03, 0) + f64x2.extract_lane(s03, 1);
  let r10 = f64x2.extract_lane(s10, 0) + f64x2.extract_lane(s10, 1);
  let r11 = f64x2.extract_lane(s11, 0) + f64x2.extract_lane(s11, 1);
  let r12 = f64x2.extract_lane(s12, 0) + f64x2.extract_lane(s12, 1);
  let r13 = f64x2.extract_lane(s13, 0) + f64x2.extract_lane(s13, 1);
  if (m & 1) {
    const o = end;
    const x0 = load<f64>(a0 + o), x1 = load<f64>(a1 + o);
    const y0 = load<f64>(b + o), y1 = load<f64>(b1 + o), y2 = load<f64>(b2 + o), y3 = load<f64>(b3 + o);
    r00 += x0 * y0; r01 += x0 * y1; r02 += x0 * y2; r03 += x0 * y3;
    r10 += x1 * y0; r11 += x1 * y1; r12 += x1 * y2; r13 += x1 * y3;
  }
  store<f64>(g, load<f64>(g) + r00);
  store<f64>(g, load<f64>(g, 8) + r01, 8);
  store<f64>(g, load<f64>(g, 16) + r02, 16);
  store<f64>(g, load<f64>(g, 24) + r03, 24);
  const g1 = g + gb;
  if (!diag) store<f64>(g1, load<f64>(g1) + r10);
  store<f64>(g1, load<f64>(g1, 8) + r11, 8);
  store<f64>(g1, load<f64>(g1, 16) + r12, 16);
  store<f64>(g1, load<f64>(g1, 24) + r13, 24);
}

/**
 * Two Gram rows (columns a0, a1) against one column b, for the columns left after the 2×4
 * tiles: g += a0·b and, unless diag, g + gb += a1·b. Shares b's loads between the two rows
 * (two dot products would load it twice); four rows per iteration, two chains per product.
 */
// @ts-ignore: decorator
@inline function tile2x1(m: i32, a0: usize, a1: usize, b: usize, g: usize, gb: usize, diag: bool): void {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), t0 = f64x2.splat(0), t1 = f64x2.splat(0);
  const end4 = <usize>(m & ~3) << 3, end2 = <usize>(m & ~1) << 3;
  let o: usize = 0;
  for (; o < end4; o += 32) {
    const y = v128.load(b + o), z = v128.load(b + o, 16);
    s0 = f64x2.add(s0, f64x2.mul(v128.load(a0 + o), y));
    s1 = f64x2.add(s1, f64x2.mul(v128.load(a1 + o), y));
    t0 = f64x2.add(t0, f64x2.mul(v128.load(a0 + o, 16), z));
    t1 = f64x2.add(t1, f64x2.mul(v128.load(a1 + o, 16), z));
  }
  if (o < end2) {
    const y = v128.load(b + o);
    s0 = f64x2.add(s0, f64x2.mul(v128.load(a0 + o), y));
    s1 = f64x2.add(s1, f64x2.mul(v128.load(a1 + o), y));
    o += 16;
  }
  const u0 = f64x2.add(s0, t0), u1 = f64x2.add(s1, t1);
  let r0 = f64x2.extract_lane(u0, 0) + f64x2.extract_lane(u0, 1);
  let r1 = f64x2.extract_lane(u1, 0) + f64x2.extract_lane(u1, 1);
  if (m & 1) {
    const y = load<f64>(b + o);
    r0 += load<f64>(a0 + o) * y;
    r1 += load<f64>(a1 + o) * y;
  }
  store<f64>(g, load<f64>(g) + r0);
  if (!diag) store<f64>(g + gb, load<f64>(g + gb) + r1);
}

/** Dot products of columns x and y of Φ over m rows (f64x2, two accumulators, scalar tail). */
// @ts-ignore: decorator
@inline function dot(m: i32, x: usize, y: usize): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  const end4 = <usize>(m & ~3) << 3;
  let o: usize = 0;
  for (; o < end4; o += 32) {
    s0 = f64x2.add(s0, f64x2.mul(v128.load(x + o), v128.load(y + o)));
    s1 = f64x2.add(s1, f64x2.mul(v128.load(x + o, 16), v128.load(y + o, 16)));
  }
  const end2 = <usize>(m & ~1) << 3;
  if (o < end2) {
    s0 = f64x2.add(s0, f64x2.mul(v128.load(x + o), v128.load(y + o)));
    o += 16;
  }
  const s = f64x2.add(s0, s1);
  let r = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  if (m & 1) r += load<f64>(x + o) * load<f64>(y + o);
  return r;
}

/** Upper triangle of G (p×p, leading dimension ldG, row-major) += ΦᵀΦ, Φ column-major m×p (ld). */
export function gramAccumulate(m: i32, p: i32, phi: usize, ld: i32, g: usize, ldG: i32): void {
  if (m <= 0 || p <= 0) return;
  const cb = <usize>ld << 3, gb = <usize>ldG << 3;
  let i = 0;
  for (; i + 1 < p; i += 2) {
    const a0 = phi + <usize>i * cb, a1 = a0 + cb;
    const gi = g + <usize>i * gb;
    let j = i;
    for (; j + 4 <= p; j += 4) tile2x4(m, a0, a1, phi + <usize>j * cb, cb, gi + (<usize>j << 3), gb, j == i);
    for (; j < p; j++) tile2x1(m, a0, a1, phi + <usize>j * cb, gi + (<usize>j << 3), gb, j == i);
  }
  if (i < p) {
    const a = phi + <usize>i * cb;
    const q = g + <usize>i * gb + (<usize>i << 3);
    store<f64>(q, load<f64>(q) + dot(m, a, a));
  }
}

/** dst[j] −= c·src[j] for j < n (f64x2, scalar tail): per element the reference's operation. */
// @ts-ignore: decorator
@inline function axpyRow(n: i32, c: f64, src: usize, dst: usize): void {
  const cv = f64x2.splat(c), end = <usize>(n & ~1) << 3;
  let o: usize = 0;
  for (; o < end; o += 16) v128.store(dst + o, f64x2.sub(v128.load(dst + o), f64x2.mul(cv, v128.load(src + o))));
  if (n & 1) store<f64>(dst + o, load<f64>(dst + o) - c * load<f64>(src + o));
}

/** Cholesky panel height: four pivot rows update each trailing row in one pass over it. */
const NB: i32 = 4;

/**
 * Solve (A + ridge) X = B in place by Cholesky A = UᵀU on A's upper triangle (row-major, ldA),
 * ridge_k = rel·A_kk + abs; B is p×q row-major (ldB). Returns 0, or k+1 if pivot k is not positive.
 * Right-looking in panels of NB pivot rows: a panel is factored row by row, then every later
 * row takes the panel's NB updates in one pass (the trailing matrix is read and written once
 * per panel instead of once per pivot: at p = 500 it does not fit in L2). Each entry still gets
 * its updates one at a time in pivot order, and a zero multiplier still skips its update, so the
 * factor is bitwise the reference's.
 */
export function choleskySolve(p: i32, q: i32, a: usize, ldA: i32, b: usize, ldB: i32, rel: f64, abs: f64): i32 {
  for (let k = 0; k < p; k++) {
    const kk = k * ldA + k;
    setF64(a, kk, getF64(a, kk) + (rel * getF64(a, kk) + abs));
  }
  const rb = <usize>ldA << 3;
  for (let k0 = 0; k0 < p; k0 += NB) {
    const k1 = min(k0 + NB, p);
    for (let k = k0; k < k1; k++) {
      const ak = a + <usize>k * rb;
      const d = load<f64>(ak + (<usize>k << 3));
      if (!(d > 0.0)) return k + 1;
      const ukk = Math.sqrt(d);
      store<f64>(ak + (<usize>k << 3), ukk);
      const uv = f64x2.splat(ukk), n = p - k - 1, j0 = ak + (<usize>(k + 1) << 3), end = <usize>(n & ~1) << 3;
      let o: usize = 0;
      for (; o < end; o += 16) v128.store(j0 + o, f64x2.div(v128.load(j0 + o), uv));
      if (n & 1) store<f64>(j0 + o, load<f64>(j0 + o) / ukk);
      for (let i = k + 1; i < k1; i++) {
        const uki = load<f64>(ak + (<usize>i << 3));
        if (uki != 0.0) axpyRow(p - i, uki, ak + (<usize>i << 3), a + <usize>i * rb + (<usize>i << 3));
      }
    }
    const a0 = a + <usize>k0 * rb, a1 = a0 + rb, a2 = a1 + rb, a3 = a2 + rb;
    for (let i = k1; i < p; i++) {
      const ib = <usize>i << 3, ai = a + <usize>i * rb + ib, n = p - i;
      const c0 = load<f64>(a0 + ib);
      if (k1 - k0 == NB) {
        const c1 = load<f64>(a1 + ib), c2 = load<f64>(a2 + ib), c3 = load<f64>(a3 + ib);
        if (c0 != 0.0 && c1 != 0.0 && c2 != 0.0 && c3 != 0.0) {
          const v0 = f64x2.splat(c0), v1 = f64x2.splat(c1), v2 = f64x2.splat(c2), v3 = f64x2.splat(c3);
          const b0 = a0 + ib, b1 = a1 + ib, b2 = a2 + ib, b3 = a3 + ib, end = <usize>(n & ~1) << 3;
          let o: usize = 0;
          for (; o < end; o += 16) {
            let v = v128.load(ai + o);
            v = f64x2.sub(v, f64x2.mul(v0, v128.load(b0 + o)));
            v = f64x2.sub(v, f64x2.mul(v1, v128.load(b1 + o)));
            v = f64x2.sub(v, f64x2.mul(v2, v128.load(b2 + o)));
            v = f64x2.sub(v, f64x2.mul(v3, v128.load(b3 + o)));
            v128.store(ai + o, v);
          }
          if (n & 1) {
            let v = load<f64>(ai + o);
            v -= c0 * load<f64>(b0 + o);
            v -= c1 * load<f64>(b1 + o);
            v -= c2 * load<f64>(b2 + o);
            v -= c3 * load<f64>(b3 + o);
            store<f64>(ai + o, v);
          }
          continue;
        }
      }
      // A short last panel, or a zero multiplier (its update is skipped): one pivot row at a time.
      for (let k = k0; k < k1; k++) {
        const ak = a + <usize>k * rb, uki = load<f64>(ak + ib);
        if (uki != 0.0) axpyRow(n, uki, ak + ib, ai);
      }
    }
  }
  for (let k = 0; k < p; k++) {
    const ukk = getF64(a, k * ldA + k);
    for (let c = 0; c < q; c++) setF64(b, k * ldB + c, getF64(b, k * ldB + c) / ukk);
    for (let j = k + 1; j < p; j++) {
      const ukj = getF64(a, k * ldA + j);
      if (ukj == 0.0) continue;
      for (let c = 0; c < q; c++) setF64(b, j * ldB + c, getF64(b, j * ldB + c) - ukj * getF64(b, k * ldB + c));
    }
  }
  for (let k = p - 1; k >= 0; k--) {
    for (let j = k + 1; j < p; j++) {
      const ukj = getF64(a, k * ldA + j);
      if (ukj == 0.0) continue;
      for (let c = 0; c < q; c++) setF64(b, k * ldB + c, getF64(b, k * ldB + c) - ukj * getF64(b, j * ldB + c));
    }
    const ukk = getF64(a, k * ldA + k);
    for (let c = 0; c < q; c++) setF64(b, k * ldB + c, getF64(b, k * ldB + c) / ukk);
  }
  return 0;
}

/**
 * The covariance gates' curvature columns of a block of m rows (src/system.ts, curvatureSums):
 * cols' first n columns (leading dimension ld) the rows x (m×n), the next n the sums
 * q̄_i = Σ_g γ_g Σ_j κ_j d_j P_j,i over the active groups, κ_j = 1 − 1/s_j², d_j = P_jᵀ(x − a·c_g).
 * Direction by direction over the block's rows (one row per f64x2 lane), each entry receiving the
 * reference's products in its order, so the columns equal the reference's bit for bit; d (m) is
 * scratch.
 */
export function curvatureColumns(m: i32, x: usize, gamma: usize, level: usize, active: usize, nActive: i32, cols: usize, ld: i32, d: usize): void {
  const G = getInt(level, 0), n = getInt(level, 1), rmax = getInt(level, 3), gs = getInt(level, 7), a = getF64(level, 5);
  for (let i = 0; i < n; i++) for (let t = 0; t < m; t++) setF64(cols, i * ld + t, getF64(x, t * n + i));
  const cb = <usize>ld << 3, q = cols + <usize>n * cb, mb = <usize>m << 3, pairs = <usize>(m & ~1) << 3;
  for (let i = 0; i < n; i++) memory.fill(q + <usize>i * cb, 0, mb);
  for (let k = 0; k < nActive; k++) {
    const g = getI32(active, k);
    const b = HEADER + g * gs, r = getInt(level, b), c = b + 4, P = c + n, S = P + n * rmax;
    for (let j = 0; j < r; j++) {
      const s = getF64(level, S + j), kappa = 1.0 - 1.0 / (s * s);
      memory.fill(d, 0, mb);
      for (let i = 0; i < n; i++) {
        const p = getF64(level, P + i * rmax + j), ac = a * getF64(level, c + i), col = cols + <usize>i * cb;
        const pv = f64x2.splat(p), acv = f64x2.splat(ac);
        let o: usize = 0;
        for (; o < pairs; o += 16) v128.store(d + o, f64x2.add(v128.load(d + o), f64x2.mul(pv, f64x2.sub(v128.load(col + o), acv))));
        if (o < mb) store<f64>(d + o, load<f64>(d + o) + p * (load<f64>(col + o) - ac));
      }
      for (let t = 0; t < m; t++) setF64(d, t, getF64(gamma, t * G + g) * kappa * getF64(d, t));
      for (let i = 0; i < n; i++) {
        const p = getF64(level, P + i * rmax + j), pv = f64x2.splat(p), col = q + <usize>i * cb;
        let o: usize = 0;
        for (; o < pairs; o += 16) v128.store(col + o, f64x2.add(v128.load(col + o), f64x2.mul(v128.load(d + o), pv)));
        if (o < mb) store<f64>(col + o, load<f64>(col + o) + load<f64>(d + o) * p);
      }
    }
  }
}
