/** The learned residual r̂(x) = Σ_g γ_g W_g φ(u_g) of a packed level and its exact divergence. */
import { getF64, getInt } from "./memory";
import { HEADER, featureChunk, frame2, products2, scratchClip, scratchExtra, scratchH, tableBytes } from "./basis";
import { loadPair, prepareWide, rowGates, rowGates2, rowGatesWide } from "./gates";

/**
 * s_a += Σ_f w_a[f]·x_a[f·xs] and, when two, s_b likewise, f < nf, in order: two independent
 * add chains per loop (one chain waits on the add latency; the sums' order is the reference's).
 */
// @ts-ignore: decorator
@inline function chainSums(nf: i32, wa: usize, xa: usize, xs: usize, sa: usize, wb: usize, xb: usize, xt: usize, sb: usize, two: bool): void {
  let a = v128.load(sa), b = v128.load(sb);
  if (two) {
    for (let f = 0; f < nf; f++, wa += 8, xa += xs, wb += 8, xb += xt) {
      a = f64x2.add(a, f64x2.mul(f64x2.splat(load<f64>(wa)), v128.load(xa)));
      b = f64x2.add(b, f64x2.mul(f64x2.splat(load<f64>(wb)), v128.load(xb)));
    }
    v128.store(sb, b);
  } else {
    for (let f = 0; f < nf; f++, wa += 8, xa += xs) a = f64x2.add(a, f64x2.mul(f64x2.splat(load<f64>(wa)), v128.load(xa)));
  }
  v128.store(sa, a);
}

/** f64 the residual keeps in the scratch besides the tables: gates of a row pair, sums per output. */
// @ts-ignore: decorator
@inline function residualExtra(level: usize): i32 {
  const G = getInt(level, 0), n = getInt(level, 1), rmax = getInt(level, 3);
  return 2 * (G + n) + 2 * (3 * n + n * rmax) + 2;
}

/** Whether the level fits the static scratch of designBlock and residual (else the binding uses the reference). */
export function levelFits(level: usize): bool {
  return featureChunk(level, residualExtra(level)) >= 1;
}

/**
 * r̂ at each of m rows of x into out (m×n) and, when withDiv ≠ 0, ∇·r̂ into div (m).
 * Rows go in pairs (f64x2 lanes): per lane the same operations in the same order as the
 * reference, so the results are bitwise equal. A group is skipped when both rows' gates are
 * zero; a zero-gate lane computes finite features that add exact zeros. `work` is unused: the
 * pair's gates and sums live in the static scratch.
 */
export function residual(m: i32, x: usize, level: usize, table: usize, out: usize, div: usize, withDiv: i32, work: usize): void {
  const G = getInt(level, 0), n = getInt(level, 1), rmax = getInt(level, 3), pmax = getInt(level, 4);
  const a = getF64(level, 5), hard = getF64(level, 6), gs = getInt(level, 7);
  const clip = scratchClip(), h = scratchH(level), hs = tableBytes(level), dh = h + <usize>rmax * hs;
  const F = featureChunk(level, residualExtra(level));
  const nb = <usize>n << 3;
  // extra: gates γ (G) and centres c̄ (n) of row 0, then of row 1; sums O (n), V (n), U (n·rmax),
  // and for covariance gates q̄ (n), as v128.
  const g0 = scratchExtra(level), c0 = g0 + (<usize>G << 3), g1 = c0 + nb, c1 = g1 + (<usize>G << 3);
  const O = (c1 + nb + 15) & ~15, V = O + (<usize>n << 4), U = V + (<usize>n << 4);
  const QB = U + (<usize>(n * rmax) << 4), ph = QB + (<usize>n << 4), pd = ph + (<usize>F << 4);
  const withD = withDiv != 0, wide = m > 0 && prepareWide(level), shaped = hard == 2.0;
  const av = f64x2.splat(a);
  for (let t = 0; t < m; t += 2) {
    const two = t + 1 < m;
    const x0 = x + <usize>t * nb, x1 = two ? x0 + nb : x0;
    if (wide) {
      rowGatesWide(x0, level, g0, c0);
      if (two) rowGatesWide(x1, level, g1, c1);
    } else if (two) rowGates2(x0, x1, level, g0, g1, c0, c1);
    else rowGates(x0, level, g0, c0);
    if (!two) {
      memory.fill(g1, 0, <usize>G << 3); // a lone row: lane 1 takes part in no group
      memory.copy(c1, c0, nb);
    }
    for (let i = 0; i < n; i++) v128.store(O + (<usize>i << 4), f64x2.splat(0.0));
    if (shaped && withD) for (let i = 0; i < n; i++) v128.store(QB + (<usize>i << 4), f64x2.splat(0.0));
    let dv = f64x2.splat(0.0);
    for (let g = 0; g < G; g++) {
      const gb = <usize>g << 3;
      const w = f64x2.replace_lane(f64x2.splat(load<f64>(g0 + gb)), 1, load<f64>(g1 + gb));
      const mask = f64x2.ne(w, f64x2.splat(0.0));
      if (!v128.any_true(mask)) continue;
      const b = HEADER + g * gs;
      const r = getInt(level, b), p = getInt(level, b + 1);
      const c = level + (<usize>(b + 4) << 3), P = c + nb, Wg = P + <usize>(n * rmax + 3 * rmax) * 8;
      if (r == 0) {
        // A constant-only group (φ = 1): V_i = 0 + W_i0·1 = W_i0, the reference's sum, bit for bit.
        for (let i = 0; i < n; i++) v128.store(V + (<usize>i << 4), f64x2.add(f64x2.splat(0.0), f64x2.splat(load<f64>(Wg + (<usize>(i * pmax) << 3)))));
      } else {
        frame2(x0, x1, level, b, mask, clip, h, dh, hs);
        for (let i = 0; i < n; i++) v128.store(V + (<usize>i << 4), f64x2.splat(0.0));
        if (withD) memory.fill(U, 0, <usize>(n * r) << 4);
        // V_i = Σ_f W_if φ_f and U_ij = Σ_f W_if ∂φ_f/∂u_j, over chunks of features in order.
        for (let f0 = 0; f0 < p; f0 += F) {
          const f1 = min(f0 + F, p), nf = f1 - f0;
          products2(r, f0, f1, table, rmax, h, dh, hs, ph, 16, true, withD, pd, 16, true, false, 0);
          // Chains V_i (φ, stride 16) then U_ij (∂φ/∂u_j, stride 16r), two at a time; chain c's
          // sum lives at V + 16c (U follows V).
          const nc = withD ? n + n * r : n;
          for (let c = 0; c < nc; c += 2) {
            const two = c + 1 < nc, d = two ? c + 1 : c;
            const ia = c < n ? c : (c - n) / r, ib = d < n ? d : (d - n) / r;
            const xa = c < n ? ph : pd + (<usize>((c - n) % r) << 4), xb = d < n ? ph : pd + (<usize>((d - n) % r) << 4);
            const xs = c < n ? <usize>16 : <usize>r << 4, xt = d < n ? <usize>16 : <usize>r << 4;
            const wa = Wg + (<usize>(ia * pmax + f0) << 3), wb = Wg + (<usize>(ib * pmax + f0) << 3);
            const sa = V + (<usize>c << 4), sb = V + (<usize>d << 4);
            chainSums(nf, wa, xa, xs, sa, wb, xb, xt, sb, two);
          }
        }
      }
      let gateDiv = f64x2.splat(0.0);
      for (let i = 0; i < n; i++) {
        const ib = <usize>i << 3, v = v128.load(V + (<usize>i << 4));
        const oi = O + (<usize>i << 4);
        v128.store(oi, f64x2.add(v128.load(oi), f64x2.mul(w, v)));
        const cbar = f64x2.replace_lane(f64x2.splat(load<f64>(c0 + ib)), 1, load<f64>(c1 + ib));
        gateDiv = f64x2.add(gateDiv, f64x2.mul(f64x2.sub(f64x2.splat(load<f64>(c + ib)), cbar), v));
      }
      if (!withD) continue;
      if (hard != 1.0) dv = f64x2.add(dv, f64x2.mul(f64x2.mul(f64x2.splat(a), w), gateDiv));
      if (shaped) {
        // Covariance gates: + γ_g q_g·V_g per frame direction, q̄ += γ_g q_g (the reference's order).
        const S = P + (<usize>(n * rmax) << 3);
        for (let j = 0; j < r; j++) {
          let d = f64x2.splat(0.0), pv = f64x2.splat(0.0);
          for (let i = 0; i < n; i++) {
            const o = <usize>i << 3;
            const diff = f64x2.sub(loadPair(x0 + o, x1 + o), f64x2.mul(av, v128.load64_splat(c + o)));
            d = f64x2.add(d, f64x2.mul(v128.load64_splat(P + (<usize>(i * rmax + j) << 3)), diff));
          }
          const s = load<f64>(S + (<usize>j << 3));
          const k = f64x2.mul(f64x2.splat(1.0 - 1.0 / (s * s)), d);
          for (let i = 0; i < n; i++) {
            const pij = v128.load64_splat(P + (<usize>(i * rmax + j) << 3));
            pv = f64x2.add(pv, f64x2.mul(pij, v128.load(V + (<usize>i << 4))));
            const qi = QB + (<usize>i << 4);
            v128.store(qi, f64x2.add(v128.load(qi), f64x2.mul(f64x2.mul(w, k), pij)));
          }
          dv = f64x2.add(dv, f64x2.mul(f64x2.mul(w, k), pv));
        }
      }
      for (let j = 0; j < r; j++) {
        const scale = v128.load(clip + (<usize>j << 4));
        let s = f64x2.splat(0.0);
        for (let i = 0; i < n; i++) {
          const pij = f64x2.splat(load<f64>(P + (<usize>(i * rmax + j) << 3)));
          s = f64x2.add(s, f64x2.mul(pij, v128.load(U + (<usize>(i * r + j) << 4))));
        }
        // The reference skips a clipped coordinate (scale 0): keep dv as it was there.
        dv = v128.bitselect(f64x2.add(dv, f64x2.mul(f64x2.mul(w, scale), s)), dv, f64x2.ne(scale, f64x2.splat(0.0)));
      }
    }
    if (shaped && withD) for (let i = 0; i < n; i++) dv = f64x2.sub(dv, f64x2.mul(v128.load(QB + (<usize>i << 4)), v128.load(O + (<usize>i << 4))));
    const ot = out + <usize>t * nb;
    for (let i = 0; i < n; i++) {
      const o = v128.load(O + (<usize>i << 4));
      store<f64>(ot + (<usize>i << 3), f64x2.extract_lane(o, 0));
      if (two) store<f64>(ot + nb + (<usize>i << 3), f64x2.extract_lane(o, 1));
    }
    if (withD) {
      store<f64>(div + (<usize>t << 3), f64x2.extract_lane(dv, 0));
      if (two) store<f64>(div + (<usize>t << 3), f64x2.extract_lane(dv, 1), 8);
    }
  }
}
