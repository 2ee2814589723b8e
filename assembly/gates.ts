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
@inline function loadPair(p0: usize, p1: usize): v128 {
  return v128.load64_lane(p1, v128.load64_zero(p0), 1);
}

// @ts-ignore: decorator
@inline function storePair(p0: usize, p1: usize, v: v128): void {
  v128.store64_lane(p0, v, 0);
  v128.store64_lane(p1, v, 1);
}

/**
 * Gate weights of row x0 (n entries) into gamma0[0..G) and its gate-weighted centre into
 * cbar0[0..n), and the same for row x1 into gamma1, cbar1. The two rows may be one row
 * (x0 = x1, gamma0 = gamma1, cbar0 = cbar1). Outputs must not overlap x0, x1 or level.
 */
// @ts-ignore: decorator
@inline export function rowGates2(x0: usize, x1: usize, level: usize, gamma0: usize, gamma1: usize, cbar0: usize, cbar1: usize): void {
  const G = getInt(level, 0), n = getInt(level, 1), gs = <usize>getInt(level, 7) << 3;
  const a = f64x2.splat(getF64(level, 5)), hard = getF64(level, 6) != 0.0;
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
    const l = f64x2.add(v128.load64_splat(b + 16), f64x2.mul(a, dot));
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
  }
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

/** Gate weights of one row x (n entries) into gamma[0..G), gate-weighted centre into cbar[0..n). */
export function rowGates(x: usize, level: usize, gamma: usize, cbar: usize): void {
  rowGates2(x, x, level, gamma, gamma, cbar, cbar);
}

/** Gate weights gamma[row*G + g] and the gate-weighted centre cbar[row*n + i] for m rows of x. */
export function gates(m: i32, x: usize, level: usize, gamma: usize, cbar: usize): void {
  const G = getInt(level, 0), n = getInt(level, 1);
  const xs = <usize>n << 3, gsz = <usize>G << 3;
  let t = 0;
  for (; t + 1 < m; t += 2) {
    const x0 = x + <usize>t * xs, g0 = gamma + <usize>t * gsz, c0 = cbar + <usize>t * xs;
    rowGates2(x0, x0 + xs, level, g0, g0 + gsz, c0, c0 + xs);
  }
  if (t < m) rowGates(x + <usize>t * xs, level, gamma + <usize>t * gsz, cbar + <usize>t * xs);
}
