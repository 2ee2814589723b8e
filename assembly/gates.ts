/**
 * Soft (softmax, floored) or hard (argmax) gates over the groups of a packed level, two rows
 * at a time: one row per f64x2 lane, each lane doing exactly the reference's scalar arithmetic
 * (expNonPositive is its bitwise twin), so the gates equal the reference bit for bit.
 */
import { getF64, getInt } from "./memory";
import { HEADER } from "./basis";
import { expNonPositive } from "./math";

const GATE_FLOOR: f64 = 1e-7;
const GATE_CUT: f64 = -16.2; // exp(-16.2) < GATE_FLOOR: skip the exp
/** GATE_CUT, GATE_FLOOR: read from memory, as V8 rebuilds a v128 constant at every use in a loop. */
const LIMITS = memory.data<f64>([GATE_CUT, GATE_FLOOR]);

/** Lane 0 from p0, lane 1 from p1. */
// @ts-ignore: decorator
@inline export function loadPair(p0: usize, p1: usize): v128 {
  return v128.load64_lane(p1, v128.load64_zero(p0), 1);
}

// @ts-ignore: decorator
@inline function storePair(p0: usize, p1: usize, v: v128): void {
  v128.store64_lane(p0, v, 0);
  v128.store64_lane(p1, v, 1);
}

/**
 * Covariance gates: the logits' quadratic term Σ_j ½(1 − 1/s_j²)·d_j², d_j = P_jᵀ(x − a·c), of
 * rows x0 and x1 (one per lane) in the group block at b: the reference's frameQuadratic, in its order.
 */
// @ts-ignore: decorator
@inline function frameQuadratic2(x0: usize, x1: usize, b: usize, n: i32, r: i32, rmax: i32, a: v128): v128 {
  const c = b + 32, P = c + (<usize>n << 3), S = P + (<usize>(n * rmax) << 3);
  let q = f64x2.splat(0.0);
  for (let j = 0; j < r; j++) {
    let d = f64x2.splat(0.0);
    for (let i = 0; i < n; i++) {
      const o = <usize>i << 3;
      const diff = f64x2.sub(loadPair(x0 + o, x1 + o), f64x2.mul(a, v128.load64_splat(c + o)));
      d = f64x2.add(d, f64x2.mul(v128.load64_splat(P + (<usize>(i * rmax + j) << 3)), diff));
    }
    const s = load<f64>(S + (<usize>j << 3));
    const k = f64x2.splat(0.5 * (1.0 - 1.0 / (s * s)));
    q = f64x2.add(q, f64x2.mul(f64x2.mul(k, d), d));
  }
  return q;
}

/**
 * Gate weights of row x0 (n entries) into gamma0[0..G) and its gate-weighted centre into
 * cbar0[0..n), and the same for row x1 into gamma1, cbar1. The two rows may be one row
 * (x0 = x1, gamma0 = gamma1, cbar0 = cbar1). Outputs must not overlap x0, x1 or level.
 * With norm0 ≠ 0, each row's largest logit and Σ_g exp(l_g − best) (1 under hard gates) go to
 * norm0[0..2) and norm1[0..2): the gates' log-normaliser is best + log Σ.
 */
// @ts-ignore: decorator
@inline export function rowGates2(x0: usize, x1: usize, level: usize, gamma0: usize, gamma1: usize, cbar0: usize, cbar1: usize, norm0: usize = 0, norm1: usize = 0): void {
  const G = getInt(level, 0), n = getInt(level, 1), gs = <usize>getInt(level, 7) << 3;
  const a = f64x2.splat(getF64(level, 5)), hard = getF64(level, 6) == 1.0, shaped = getF64(level, 6) == 2.0;
  const rmax = getInt(level, 3);
  const zero = f64x2.splat(0.0), cut = v128.load64_splat(LIMITS);
  const groups = level + (HEADER << 3); // group g's block starts at groups + g·gs
  // Logits bias_g + a·(x·c_g) into gamma, and the first best one per lane.
  let best = f64x2.splat(-Infinity), arg = zero;
  let b = groups;
  for (let g = 0; g < G; g++, b += gs) {
    let dot = zero;
    for (let i = 0; i < n; i++) {
      const o = <usize>i << 3;
      dot = f64x2.add(dot, f64x2.mul(loadPair(x0 + o, x1 + o), v128.load64_splat(b + 32 + o)));
    }
    let l = f64x2.add(v128.load64_splat(b + 16), f64x2.mul(a, dot));
    if (shaped) {
      const r = <i32>load<f64>(b);
      if (r > 0) l = f64x2.add(l, frameQuadratic2(x0, x1, b, n, r, rmax, a));
    }
    storePair(gamma0 + (<usize>g << 3), gamma1 + (<usize>g << 3), l);
    const better = f64x2.gt(l, best);
    best = v128.bitselect(l, best, better);
    arg = v128.bitselect(f64x2.splat(<f64>g), arg, better);
  }
  // Soft: e_g = exp(l_g − best), 0 below the cut. The exp is skipped unless a lane needs it:
  // not below the cut and not the best gate (d = 0, exp 1 exactly; all of them when G = 1).
  let inv = zero;
  if (!hard) {
    let sum = zero;
    for (let g = 0; g < G; g++) {
      const o = <usize>g << 3;
      const d = f64x2.sub(loadPair(gamma0 + o, gamma1 + o), best);
      const below = f64x2.lt(d, cut), top = f64x2.eq(d, zero);
      let e = v128.and(top, f64x2.splat(1.0));
      if (i64x2.bitmask(v128.or(below, top)) != 3) e = v128.bitselect(zero, expNonPositive(f64x2.pmax(d, cut)), below);
      storePair(gamma0 + o, gamma1 + o, e);
      sum = f64x2.add(sum, e);
    }
    inv = f64x2.div(f64x2.splat(1.0), sum);
    if (norm0 != 0) storeNorms(norm0, norm1, best, sum);
  } else if (norm0 != 0) storeNorms(norm0, norm1, best, f64x2.splat(1.0));
  // Weights (normalised and floored, or the argmax's indicator), and cbar = Σ_g w_g c_g in
  // ascending g over the groups with a weight in either lane (a zero weight adds nothing).
  for (let i = 0; i < n; i++) storePair(cbar0 + (<usize>i << 3), cbar1 + (<usize>i << 3), zero);
  b = groups;
  for (let g = 0; g < G; g++, b += gs) {
    const o = <usize>g << 3;
    let w: v128;
    if (hard) w = v128.bitselect(f64x2.splat(1.0), zero, f64x2.eq(f64x2.splat(<f64>g), arg));
    else {
      w = f64x2.mul(loadPair(gamma0 + o, gamma1 + o), inv);
      w = v128.bitselect(zero, w, f64x2.lt(w, v128.load64_splat(LIMITS + 8)));
    }
    storePair(gamma0 + o, gamma1 + o, w);
    if (i64x2.bitmask(f64x2.ne(w, zero)) == 0) continue;
    for (let i = 0; i < n; i++) {
      const c0 = cbar0 + (<usize>i << 3), c1 = cbar1 + (<usize>i << 3);
      storePair(c0, c1, f64x2.add(loadPair(c0, c1), f64x2.mul(w, v128.load64_splat(b + 32 + (<usize>i << 3)))));
    }
  }
}

/** Lane 0's best and sum to norm0, lane 1's to norm1 (lane 1 last: one row in both lanes is the same either way). */
// @ts-ignore: decorator
@inline function storeNorms(norm0: usize, norm1: usize, best: v128, sum: v128): void {
  store<f64>(norm0, f64x2.extract_lane(best, 0));
  store<f64>(norm0, f64x2.extract_lane(sum, 0), 8);
  store<f64>(norm1, f64x2.extract_lane(best, 1));
  store<f64>(norm1, f64x2.extract_lane(sum, 1), 8);
}

/** Gate weights of one row x (n entries) into gamma[0..G), gate-weighted centre into cbar[0..n); norm as rowGates2's. */
export function rowGates(x: usize, level: usize, gamma: usize, cbar: usize, norm: usize = 0): void {
  rowGates2(x, x, level, gamma, gamma, cbar, cbar, norm, norm);
}

// ---------------------------------------------------------------------------------------
// Many groups: one row at a time, f64x2 lanes = two groups, exps only for the gates above the cut.
//
// With G in the hundreds most gates of a row are below the cut, and a row pair wastes a lane
// wherever one row needs an exp and the other does not. Here the level's biases and centres
// are first transposed into `wide` (group-contiguous, so two groups are one load); per row the
// logits of four groups at a time go to a dense array, then the gates not below the cut (the
// reference's exact test, against the final best) are listed in ascending g, and exps, the
// sum, the weights and c̄ run over that list only, in the reference's order (the others are its
// exact zeros), so the result is bitwise the reference's.

/** From this many groups on, soft gates go one row at a time over groups (bench/kernels.ts: gates). */
export const WIDE_MIN: i32 = 24;
const WIDE_LEN: i32 = 65536;
/**
 * Transposed biases (Gq) and centres (n×Gq), then one row's logits (Gq), listed d (Gq + 4), groups
 * (Gq + 4, i32) and gateMoments' fallback row (G + n); or gateMoments' row pair (2·(G + n)).
 */
const wide: usize = memory.data(WIDE_LEN << 3, 16);

/** Groups rounded up to a multiple of 4 (the logits are computed four at a time). */
// @ts-ignore: decorator
@inline function quads(G: i32): i32 {
  return (G + 3) & ~3;
}

/**
 * Transposes the level's gate data into `wide` when the level takes the many-groups path:
 * soft gates, G ≥ WIDE_MIN, and room in `wide`. A pad group gets bias −∞: never listed.
 */
export function prepareWide(level: usize): bool {
  const G = getInt(level, 0), n = getInt(level, 1), gs = <usize>getInt(level, 7) << 3;
  const Gq = quads(G);
  if (getF64(level, 6) != 0.0 || G < WIDE_MIN || Gq * (n + 5) + n + 16 > WIDE_LEN) return false;
  let b = level + (HEADER << 3);
  for (let g = 0; g < G; g++, b += gs) {
    store<f64>(wide + (<usize>g << 3), load<f64>(b + 16));
    for (let i = 0; i < n; i++) store<f64>(wide + (<usize>((i + 1) * Gq + g) << 3), load<f64>(b + 32 + (<usize>i << 3)));
  }
  for (let g = G; g < Gq; g++) {
    store<f64>(wide + (<usize>g << 3), -Infinity);
    for (let i = 0; i < n; i++) store<f64>(wide + (<usize>((i + 1) * Gq + g) << 3), 0.0);
  }
  return true;
}

/** Where one row's logits, listed d = l − best and listed groups live in `wide`. */
// @ts-ignore: decorator
@inline function wideLogits(level: usize): usize {
  return wide + (<usize>(quads(getInt(level, 0)) * (getInt(level, 1) + 1)) << 3);
}
// @ts-ignore: decorator
@inline function wideList(level: usize): usize {
  return wideLogits(level) + (<usize>quads(getInt(level, 0)) << 3);
}
// @ts-ignore: decorator
@inline function wideGroups(level: usize): usize {
  return wideList(level) + (<usize>(quads(getInt(level, 0)) + 4) << 3);
}

/**
 * Soft gates of one row x on a prepared level, before the floor: returns the count k of gates
 * not below the cut, with wideList[0..k) their e = exp(l − best) and wideGroups[0..k) their
 * groups in ascending order, and sets `wideInv` = 1/Σe (with norm ≠ 0, best and Σe to norm[0..2),
 * as rowGates2); every other gate is 0. Returns −1 when
 * Σe is not at least 1 (it is, the best gate's e being 1, unless logits are infinite or NaN):
 * the caller then takes the row-pair path, which reproduces the reference whatever the input.
 */
function wideGates(x: usize, level: usize, norm: usize = 0): i32 {
  const G = getInt(level, 0), n = getInt(level, 1), Gq = quads(G);
  const a = f64x2.splat(getF64(level, 5)), cut = v128.load64_splat(LIMITS);
  const L = wideLogits(level), list = wideList(level), groups = wideGroups(level);
  const stride = <usize>Gq << 3;
  // Logits bias + a·(x·c) of groups g … g + 3 and the lanes' running best.
  let bestA = f64x2.splat(-Infinity), bestB = bestA;
  for (let g = 0; g < Gq; g += 4) {
    const o = <usize>g << 3;
    let dotA = f64x2.splat(0.0), dotB = dotA;
    let c = wide + stride + o;
    for (let i = 0; i < n; i++, c += stride) {
      const xi = v128.load64_splat(x + (<usize>i << 3));
      dotA = f64x2.add(dotA, f64x2.mul(xi, v128.load(c)));
      dotB = f64x2.add(dotB, f64x2.mul(xi, v128.load(c, 16)));
    }
    const lA = f64x2.add(v128.load(wide + o), f64x2.mul(a, dotA));
    const lB = f64x2.add(v128.load(wide + o, 16), f64x2.mul(a, dotB));
    v128.store(L + o, lA);
    v128.store(L + o, lB, 16);
    bestA = v128.bitselect(lA, bestA, f64x2.gt(lA, bestA));
    bestB = v128.bitselect(lB, bestB, f64x2.gt(lB, bestB));
  }
  // The reference's best: the largest logit (its strict > skips NaN, as each lane did).
  let best = v128.bitselect(bestB, bestA, f64x2.gt(bestB, bestA));
  const b0 = f64x2.extract_lane(best, 0), b1 = f64x2.extract_lane(best, 1);
  best = f64x2.splat(b1 > b0 ? b1 : b0);
  // List the gates not below the cut, NaN included: branch-free (both lanes written, the count
  // advances by the lanes kept).
  let k = 0;
  for (let g = 0; g < Gq; g += 2) {
    const d = f64x2.sub(v128.load(L + (<usize>g << 3)), best);
    const keep = i64x2.bitmask(v128.not(f64x2.lt(d, cut)));
    store<f64>(list + (<usize>k << 3), f64x2.extract_lane(d, 0));
    store<i32>(groups + (<usize>k << 2), g);
    k += keep & 1;
    store<f64>(list + (<usize>k << 3), f64x2.extract_lane(d, 1));
    store<i32>(groups + (<usize>k << 2), g + 1);
    k += keep >> 1;
  }
  // e = exp(d), four at a time (stale lanes past k are computed and unused).
  for (let j = 0; j < k; j += 4) {
    const p = list + (<usize>j << 3);
    v128.store(p, expNonPositive(f64x2.pmax(v128.load(p), cut)));
    v128.store(p, expNonPositive(f64x2.pmax(v128.load(p, 16), cut)), 16);
  }
  // The sum in ascending g (the reference adds exact zeros for the others).
  let sum = 0.0;
  for (let j = 0; j < k; j++) sum += load<f64>(list + (<usize>j << 3));
  if (!(sum >= 1.0)) return -1;
  wideInv = 1.0 / sum;
  if (norm != 0) {
    store<f64>(norm, f64x2.extract_lane(best, 0));
    store<f64>(norm, sum, 8);
  }
  return k;
}
let wideInv: f64 = 0.0;

/** Gate weights of one row into gamma[0..G) and c̄ into cbar[0..n) on a prepared level; norm as rowGates2's. */
export function rowGatesWide(x: usize, level: usize, gamma: usize, cbar: usize, norm: usize = 0): void {
  const k = wideGates(x, level, norm);
  if (k < 0) return rowGates(x, level, gamma, cbar, norm);
  const G = getInt(level, 0), n = getInt(level, 1), gs = <usize>getInt(level, 7) << 3;
  const list = wideList(level), groups = wideGroups(level), blocks = level + (HEADER << 3) + 32;
  const inv = wideInv, floor = load<f64>(LIMITS, 8);
  zero(gamma, G);
  zero(cbar, n);
  for (let j = 0; j < k; j++) {
    const w = load<f64>(list + (<usize>j << 3)) * inv;
    if (w < floor) continue; // the reference's floored zero, already in gamma
    const g = load<i32>(groups + (<usize>j << 2));
    store<f64>(gamma + (<usize>g << 3), w);
    addScaled(cbar, w, blocks + <usize>g * gs, n);
  }
}

/** p[0..len) = 0. */
// @ts-ignore: decorator
@inline function zero(p: usize, len: i32): void {
  let i = 0;
  for (; i + 2 <= len; i += 2) v128.store(p + (<usize>i << 3), f64x2.splat(0.0));
  if (i < len) store<f64>(p + (<usize>i << 3), 0.0);
}

/** y[0..n) += w·v[0..n), per entry the scalar y + w·v (pairs of entries per f64x2). */
// @ts-ignore: decorator
@inline function addScaled(y: usize, w: f64, v: usize, n: i32): void {
  const wv = f64x2.splat(w);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(wv, v128.load(v + o))));
  }
  if (i < n) {
    const o = <usize>i << 3;
    store<f64>(y + o, load<f64>(y + o) + w * load<f64>(v + o));
  }
}

/**
 * Gate weights gamma[row*G + g] and the gate-weighted centre cbar[row*n + i] for m rows of x;
 * with norm ≠ 0 each row's largest logit and Σ_g exp(l_g − best) into norm[2t], norm[2t + 1].
 */
export function gates(m: i32, x: usize, level: usize, gamma: usize, cbar: usize, norm: usize): void {
  const G = getInt(level, 0), n = getInt(level, 1);
  const xs = <usize>n << 3, gsz = <usize>G << 3;
  if (m > 0 && prepareWide(level)) {
    for (let t = 0; t < m; t++) rowGatesWide(x + <usize>t * xs, level, gamma + <usize>t * gsz, cbar + <usize>t * xs, normAt(norm, t));
    return;
  }
  let t = 0;
  for (; t + 1 < m; t += 2) {
    const x0 = x + <usize>t * xs, g0 = gamma + <usize>t * gsz, c0 = cbar + <usize>t * xs;
    rowGates2(x0, x0 + xs, level, g0, g0 + gsz, c0, c0 + xs, normAt(norm, t), normAt(norm, t + 1));
  }
  if (t < m) rowGates(x + <usize>t * xs, level, gamma + <usize>t * gsz, cbar + <usize>t * xs, normAt(norm, t));
}

/** Row t's two entries of norm (m×2), or 0 (none) without norm. */
// @ts-ignore: decorator
@inline function normAt(norm: usize, t: i32): usize {
  return norm == 0 ? 0 : norm + (<usize>t << 4);
}

/** f64 of static scratch the gate kernels have: gateMoments needs 2·(G + n) of it (the binding checks). */
export function wideLength(): i32 {
  return WIDE_LEN;
}

/**
 * The regions' EM sums over m rows of x (n = the level's): out[g] += Σ_rows γ_g and
 * out[G + g*n + i] += Σ_rows γ_g x_i, γ the level's gates; each row's largest logit and
 * Σ_g exp(l_g − best) into norm[2t], norm[2t + 1] (as rowGates2). The same sums, bit for bit, as
 * `gates` then adding each row's nonzero γ in row order (the reference's), without writing
 * the m×G gates: per row only the listed gates are visited.
 */
export function gateMoments(m: i32, x: usize, level: usize, out: usize, norm: usize): void {
  const G = getInt(level, 0), n = getInt(level, 1), gs = <usize>getInt(level, 7) << 3;
  const xs = <usize>n << 3, ox = out + (<usize>G << 3);
  if (m > 0 && prepareWide(level)) {
    const list = wideList(level), groups = wideGroups(level), floor = load<f64>(LIMITS, 8);
    for (let t = 0; t < m; t++) {
      const xt = x + <usize>t * xs, nt = norm + (<usize>t << 4), k = wideGates(xt, level, nt);
      if (k < 0) {
        // The row-pair path for this row, in the scratch after the candidate lists.
        const gamma = groups + (<usize>(quads(G) + 4) << 2), cbar = gamma + (<usize>G << 3);
        rowGates(xt, level, gamma, cbar, nt);
        addMoments(G, n, xt, gamma, out);
        continue;
      }
      const inv = wideInv;
      for (let j = 0; j < k; j++) {
        const w = load<f64>(list + (<usize>j << 3)) * inv;
        if (w < floor) continue;
        const g = load<i32>(groups + (<usize>j << 2));
        store<f64>(out + (<usize>g << 3), load<f64>(out + (<usize>g << 3)) + w);
        addScaled(ox + <usize>g * xs, w, xt, n);
      }
    }
    return;
  }
  // Row pairs into the scratch (the wide path is not in use): gates of both rows, then the
  // first row's sums, then the second's.
  const g0 = wide, g1 = g0 + (<usize>G << 3), c0 = g1 + (<usize>G << 3), c1 = c0 + xs;
  let t = 0;
  for (; t + 1 < m; t += 2) {
    const x0 = x + <usize>t * xs, n0 = norm + (<usize>t << 4);
    rowGates2(x0, x0 + xs, level, g0, g1, c0, c1, n0, n0 + 16);
    addMoments(G, n, x0, g0, out);
    addMoments(G, n, x0 + xs, g1, out);
  }
  if (t < m) {
    const x0 = x + <usize>t * xs;
    rowGates(x0, level, g0, c0, norm + (<usize>t << 4));
    addMoments(G, n, x0, g0, out);
  }
}

/** out[g] += γ_g, out[G + g*n + i] += γ_g x_i over one row's nonzero gates. */
// @ts-ignore: decorator
@inline function addMoments(G: i32, n: i32, x: usize, gamma: usize, out: usize): void {
  const xs = <usize>n << 3, ox = out + (<usize>G << 3);
  for (let g = 0; g < G; g++) {
    const w = load<f64>(gamma + (<usize>g << 3));
    if (w == 0.0) continue;
    store<f64>(out + (<usize>g << 3), load<f64>(out + (<usize>g << 3)) + w);
    addScaled(ox + <usize>g * xs, w, x, n);
  }
}
