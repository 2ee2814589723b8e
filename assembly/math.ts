/**
 * Elementary functions on f64x2 lanes from + − × / sqrt floor and exact power-of-two scaling
 * only, never NativeMath: each lane computes exactly what its scalar twin in
 * src/kernels/reference.ts computes (same constants, same operation order), so WASM and the
 * reference agree bit for bit.
 */

const LN2_HI: f64 = 6.93147180369123816490e-01; // 32 significant bits: k·LN2_HI is exact
const LN2_LO: f64 = 1.90821492927058770002e-10;
const INV_LN2: f64 = 1.4426950408889634;

/** 1/ln 2, ½, LN2_HI, LN2_LO, 2^52 + 1023: from memory, as the coefficients below. */
const EXP_REDUCE = memory.data<f64>([INV_LN2, 0.5, LN2_HI, LN2_LO, 4503599627370496.0 + 1023.0]);

/** 1/13!, 1/12!, …, 1/1!, 1/0!: read from memory, as V8 rebuilds a v128 constant at every use. */
const EXP_TAYLOR = memory.data<f64>([
  1.6059043836821613e-10, 2.08767569878681e-9, 2.505210838544172e-8, 2.755731922398589e-7,
  2.7557319223985893e-6, 2.48015873015873e-5, 1.984126984126984e-4, 1.388888888888889e-3,
  8.333333333333333e-3, 4.1666666666666664e-2, 0.16666666666666666, 0.5, 1.0, 1.0,
]);

/**
 * exp(d) per lane for −708 ≤ d ≤ 0 (twin: expNonPositive). d = k·ln2 + r, |r| ≤ ln2/2 (Cody–Waite),
 * exp(r) by its Taylor series to r^13 (truncation below 5e-18), times 2^k built in the exponent bits.
 */
// @ts-ignore: decorator
@inline export function expNonPositive(d: v128): v128 {
  const k = f64x2.floor(f64x2.add(f64x2.mul(d, v128.load64_splat(EXP_REDUCE)), v128.load64_splat(EXP_REDUCE + 8)));
  const r = f64x2.sub(f64x2.sub(d, f64x2.mul(k, v128.load64_splat(EXP_REDUCE + 16))), f64x2.mul(k, v128.load64_splat(EXP_REDUCE + 24)));
  const p = horner(EXP_TAYLOR, 14, r);
  // 2^k for −1022 ≤ k ≤ 0: k + 1023 lands in the low mantissa bits of 2^52 + 1023 + k (exact),
  // shifted up into the exponent field.
  return f64x2.mul(p, i64x2.shl(f64x2.add(k, v128.load64_splat(EXP_REDUCE + 32)), 52));
}

/**
 * log(N / 2^53) per lane for integers 1 ≤ N ≤ 2^53 (twin: logUnit). N = m·2^(e+53) with
 * m ∈ [√½, √2) read from N's exponent and mantissa bits (the reference finds the same m and e
 * with clz: both exact); log m = 2·atanh(s), s = (m − 1)/(m + 1), by its series to s^21.
 */
// @ts-ignore: decorator
@inline export function logUnit(N: v128): v128 {
  const bits = v128.and(N, i64x2.splat(0x000fffffffffffff));
  let m = v128.or(bits, i64x2.splat(0x3fe0000000000000)); // N / 2^bitlength(N), in [½, 1)
  // e = bitlength(N) − 53 = biasedExponent − 1075: the exponent bits as the low bits of 2^52 + E.
  const E = v128.or(i64x2.shr_u(N, 52), i64x2.splat(0x4330000000000000));
  let e = f64x2.sub(E, f64x2.splat(4503599627370496.0 + 1075.0)); // 2^52 + 1075
  const low = f64x2.lt(m, f64x2.splat(0.7071067811865476));
  m = v128.bitselect(f64x2.mul(m, f64x2.splat(2.0)), m, low);
  e = v128.bitselect(f64x2.sub(e, f64x2.splat(1.0)), e, low);
  const f = f64x2.sub(m, f64x2.splat(1.0));
  const s = f64x2.div(f, f64x2.add(f64x2.splat(2.0), f)), z = f64x2.mul(s, s);
  const q = horner(LOG_ATANH, 11, z);
  const t = f64x2.mul(f64x2.mul(f64x2.splat(2.0), s), q);
  return f64x2.add(f64x2.mul(e, f64x2.splat(LN2_HI)), f64x2.add(t, f64x2.mul(e, f64x2.splat(LN2_LO))));
}

/** 1/21, 1/19, …, 1/3, 1. */
const LOG_ATANH = memory.data<f64>([
  0.047619047619047616, 0.05263157894736842, 0.058823529411764705, 0.06666666666666667,
  0.07692307692307693, 0.09090909090909091, 0.1111111111111111, 0.14285714285714285,
  0.2, 0.3333333333333333, 1.0,
]);

/** sin x − x per |x| ≤ π/4: Taylor coefficients x^17 … x^3 (the reference's sinPoly). */
const SIN_TAYLOR = memory.data<f64>([
  2.8114572543455206e-15, -7.647163731819816e-13, 1.6059043836821613e-10, -2.505210838544172e-8,
  2.7557319223985893e-6, -1.984126984126984e-4, 8.333333333333333e-3, -0.16666666666666666,
]);

/** cos x − 1 + x²/2 per |x| ≤ π/4: Taylor coefficients x^18 … x^4 (the reference's cosPoly). */
const COS_TAYLOR = memory.data<f64>([
  -1.5619206968586225e-16, 4.779477332387385e-14, -1.1470745597729725e-11, 2.08767569878681e-9,
  -2.755731922398589e-7, 2.48015873015873e-5, -1.388888888888889e-3, 4.1666666666666664e-2,
]);

/**
 * Horner in z over the `terms` (≤ 14) coefficients at c, highest power first. Straight-line:
 * `terms` is a constant at every (inlined) call, so the untaken steps fold away; a loop here
 * was left rolled by binaryen and cost 17% on the normals.
 */
// @ts-ignore: decorator
@inline function horner(c: usize, terms: i32, z: v128): v128 {
  let q = v128.load64_splat(c);
  if (terms > 1) q = f64x2.add(f64x2.mul(q, z), v128.load64_splat(c + 8));
  if (terms > 2) q = f64x2.add(f64x2.mul(q, z), v128.load64_splat(c + 16));
  if (terms > 3) q = f64x2.add(f64x2.mul(q, z), v128.load64_splat(c + 24));
  if (terms > 4) q = f64x2.add(f64x2.mul(q, z), v128.load64_splat(c + 32));
  if (terms > 5) q = f64x2.add(f64x2.mul(q, z), v128.load64_splat(c + 40));
  if (terms > 6) q = f64x2.add(f64x2.mul(q, z), v128.load64_splat(c + 48));
  if (terms > 7) q = f64x2.add(f64x2.mul(q, z), v128.load64_splat(c + 56));
  if (terms > 8) q = f64x2.add(f64x2.mul(q, z), v128.load64_splat(c + 64));
  if (terms > 9) q = f64x2.add(f64x2.mul(q, z), v128.load64_splat(c + 72));
  if (terms > 10) q = f64x2.add(f64x2.mul(q, z), v128.load64_splat(c + 80));
  if (terms > 11) q = f64x2.add(f64x2.mul(q, z), v128.load64_splat(c + 88));
  if (terms > 12) q = f64x2.add(f64x2.mul(q, z), v128.load64_splat(c + 96));
  if (terms > 13) q = f64x2.add(f64x2.mul(q, z), v128.load64_splat(c + 104));
  return q;
}

/** sin x per lane, |x| ≤ π/4 (twin: sinPoly). */
// @ts-ignore: decorator
@inline export function sinPoly(x: v128): v128 {
  const z = f64x2.mul(x, x);
  return f64x2.add(x, f64x2.mul(f64x2.mul(x, z), horner(SIN_TAYLOR, 8, z)));
}

/** cos x per lane, |x| ≤ π/4 (twin: cosPoly). */
// @ts-ignore: decorator
@inline export function cosPoly(x: v128): v128 {
  const z = f64x2.mul(x, x);
  return f64x2.add(f64x2.sub(f64x2.splat(1.0), f64x2.mul(f64x2.splat(0.5), z)), f64x2.mul(f64x2.mul(z, z), horner(COS_TAYLOR, 8, z)));
}
