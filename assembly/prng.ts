/**
 * xoshiro128** (state: 4 u32 words at `s`) and Box–Muller normals; twins of the PRNG in
 * src/kernels/reference.ts. Both streams, uniforms and normals, are bitwise identical to the
 * reference: Box–Muller is built from + − × / and sqrt only, never NativeMath.log/sin/cos.
 */
import { getF64, setF64 } from "./memory";

const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const HALF_PI: f64 = 1.5707963267948966;

// @ts-ignore: decorator
@inline function nextU32(s: usize): u32 {
  const s0 = load<u32>(s), s1 = load<u32>(s, 4), s2 = load<u32>(s, 8), s3 = load<u32>(s, 12);
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  const n2 = s2 ^ s0;
  const n3 = s3 ^ s1;
  store<u32>(s, s0 ^ n3);
  store<u32>(s, s1 ^ n2, 4);
  store<u32>(s, n2 ^ t, 8);
  store<u32>(s, rotl<u32>(n3, 11), 12);
  return result;
}

/** 53 random bits in [0, 1): 27 from the first draw, 26 from the second. */
// @ts-ignore: decorator
@inline function nextUniform(s: usize): f64 {
  const hi = nextU32(s) >>> 5;
  const lo = nextU32(s) >>> 6;
  return (<f64>hi * 67108864.0 + <f64>lo) / 9007199254740992.0;
}

/** log(N / 2^53) for an integer 1 ≤ N ≤ 2^53 (see logUnit in the reference). */
// @ts-ignore: decorator
@inline function logUnit(N: f64): f64 {
  const high = Math.floor(N / 2097152.0);
  const bits: i32 = high > 0.0 ? 53 - <i32>clz<u32>(<u32>high) : 32 - <i32>clz<u32>(<u32>N);
  let m = N * reinterpret<f64>(<u64>(1023 - bits) << 52);
  let e: f64 = <f64>(bits - 53);
  if (m < 0.7071067811865476) {
    m *= 2.0;
    e -= 1.0;
  }
  const f = m - 1.0, s = f / (2.0 + f), z = s * s;
  let q = 0.047619047619047616;
  q = q * z + 0.05263157894736842;
  q = q * z + 0.058823529411764705;
  q = q * z + 0.06666666666666667;
  q = q * z + 0.07692307692307693;
  q = q * z + 0.09090909090909091;
  q = q * z + 0.1111111111111111;
  q = q * z + 0.14285714285714285;
  q = q * z + 0.2;
  q = q * z + 0.3333333333333333;
  q = q * z + 1.0;
  return e * LN2_HI + (2.0 * s * q + e * LN2_LO);
}

// @ts-ignore: decorator
@inline function sinPoly(x: f64): f64 {
  const z = x * x;
  let q = 2.8114572543455206e-15;
  q = q * z - 7.647163731819816e-13;
  q = q * z + 1.6059043836821613e-10;
  q = q * z - 2.505210838544172e-8;
  q = q * z + 2.7557319223985893e-6;
  q = q * z - 1.984126984126984e-4;
  q = q * z + 8.333333333333333e-3;
  q = q * z - 0.16666666666666666;
  return x + x * z * q;
}

// @ts-ignore: decorator
@inline function cosPoly(x: f64): f64 {
  const z = x * x;
  let q = -1.5619206968586225e-16;
  q = q * z + 4.779477332387385e-14;
  q = q * z - 1.1470745597729725e-11;
  q = q * z + 2.08767569878681e-9;
  q = q * z - 2.755731922398589e-7;
  q = q * z + 2.48015873015873e-5;
  q = q * z - 1.388888888888889e-3;
  q = q * z + 4.1666666666666664e-2;
  return 1.0 - 0.5 * z + z * z * q;
}

/** One Box–Muller pair: returns rad·cos θ, stores rad·sin θ into pairSin. */
let pairSin: f64 = 0.0;
// @ts-ignore: decorator
@inline function normalPair(state: usize): f64 {
  const hi = nextU32(state) >>> 5;
  const lo = nextU32(state) >>> 6;
  const k1 = <f64>hi * 67108864.0 + <f64>lo;
  const u2 = nextUniform(state);
  const rad = Math.sqrt(-2.0 * logUnit(9007199254740992.0 - k1));
  const w = u2 * 4.0, k = Math.floor(w + 0.5), x = (w - k) * HALF_PI;
  const sn = sinPoly(x), cs = cosPoly(x);
  const q = (<i32>k) & 3;
  const sinT = q == 0 ? sn : q == 1 ? cs : q == 2 ? -sn : -cs;
  const cosT = q == 0 ? cs : q == 1 ? -sn : q == 2 ? -cs : sn;
  pairSin = rad * sinT;
  return rad * cosT;
}

/** n uniforms in [0, 1) into out. */
export function uniform(n: i32, out: usize, state: usize): void {
  for (let i = 0; i < n; i++) setF64(out, i, nextUniform(state));
}

/** n standard normals into out, one Box–Muller pair per two entries (odd n drops the last sine). */
export function normal(n: i32, out: usize, state: usize): void {
  for (let i = 0; i < n; i += 2) {
    setF64(out, i, normalPair(state));
    if (i + 1 < n) setF64(out, i + 1, pairSin);
  }
}

/** xt = a·x0 + sigma·ξ: normals first, then the affine map (as the reference; xt may not alias x0). */
export function ouNoise(len: i32, x0: usize, a: f64, sigma: f64, state: usize, xt: usize): void {
  normal(len, xt, state);
  for (let i = 0; i < len; i++) setF64(xt, i, a * getF64(x0, i) + sigma * getF64(xt, i));
}

/**
 * One reverse-time step y ← decay·y + drift·r + noise·ξ for len coordinates.
 * method 0 = exponential integrator (holds r/a fixed over the step), 1 = Euler–Maruyama.
 */
export function sdeStep(len: i32, y: usize, r: usize, h: f64, method: i32, state: usize): void {
  const decay = method == 0 ? Math.exp(-h) : 1.0 - h;
  const drift = method == 0 ? 2.0 * Math.sinh(h) : 2.0 * h;
  const noise = method == 0 ? Math.sqrt(-Math.expm1(-2.0 * h)) : Math.sqrt(2.0 * h);
  for (let i = 0; i < len; i += 2) {
    const z0 = normalPair(state);
    setF64(y, i, decay * getF64(y, i) + drift * getF64(r, i) + noise * z0);
    if (i + 1 < len) setF64(y, i + 1, decay * getF64(y, i + 1) + drift * getF64(r, i + 1) + noise * pairSin);
  }
}
