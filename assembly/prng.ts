/**
 * xoshiro128** (state: 4 u32 words at `s`) and Box–Muller normals; twins of the PRNG in
 * src/kernels/reference.ts. Both streams, uniforms and normals, are bitwise identical to the
 * reference: Box–Muller is built from + − × / and sqrt only (assembly/math.ts), never
 * NativeMath.log/sin/cos. Normals come in blocks: the draws of a block first (state in
 * registers), then two Box–Muller pairs per f64x2 (pair k in lane k), each lane doing the
 * reference's normalPair.
 */
import { getF64, setF64 } from "./memory";
import { cosPoly, logUnit, sinPoly } from "./math";

const HALF_PI: f64 = 1.5707963267948966;
/** Normals per block: even, so blocks start on a Box–Muller pair as in the reference. */
const BLOCK: i32 = 256;
/** The u32 draws of one block: 4 per pair (16-byte aligned). */
const DRAWS = memory.data(BLOCK * 8, 16);
/** The last 1–3 normals of a block. */
const QUAD = memory.data(32, 16);
/** sdeStep's normals of one block. */
const NORMALS = memory.data(BLOCK * 8, 16);

/** count xoshiro128** outputs into buf (u32), the state held in locals for the whole loop. */
// @ts-ignore: decorator
@inline function draw(count: i32, buf: usize, s: usize): void {
  let s0 = load<u32>(s), s1 = load<u32>(s, 4), s2 = load<u32>(s, 8), s3 = load<u32>(s, 12);
  for (let j = 0; j < count; j++) {
    store<u32>(buf + (<usize>j << 2), rotl<u32>(s1 * 5, 7) * 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<u32>(s3, 11);
  }
  store<u32>(s, s0);
  store<u32>(s, s1, 4);
  store<u32>(s, s2, 8);
  store<u32>(s, s3, 12);
}

/**
 * Box–Muller pairs p and p + 1 from their draws d[4p..4p+8) (hi, lo of k1, hi, lo of u2) into
 * z[0..4): pair p's rad·cos θ, rad·sin θ, then pair p + 1's.
 */
// @ts-ignore: decorator
@inline function boxMuller2(d: usize, z: usize): void {
  const a = v128.load(d), b = v128.load(d, 16);
  const hi = i32x4.shr_u(i32x4.shuffle(a, b, 0, 4, 2, 6), 5); // 27 bits: k1's, u2's
  const lo = i32x4.shr_u(i32x4.shuffle(a, b, 1, 5, 3, 7), 6); // 26 bits
  const two26 = f64x2.splat(67108864.0);
  const k1 = f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_u(hi), two26), f64x2.convert_low_i32x4_u(lo));
  const n2 = f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_u(i32x4.shuffle(hi, hi, 2, 3, 2, 3)), two26), f64x2.convert_low_i32x4_u(i32x4.shuffle(lo, lo, 2, 3, 2, 3)));
  const u2 = f64x2.mul(n2, f64x2.splat(1.1102230246251565e-16)); // / 2^53, exact
  const rad = f64x2.sqrt(f64x2.mul(f64x2.splat(-2.0), logUnit(f64x2.sub(f64x2.splat(9007199254740992.0), k1))));
  // θ = 2π·u2 = (k + d)·π/2 with k the nearest quadrant, |d| ≤ ½.
  const w = f64x2.mul(u2, f64x2.splat(4.0)), k = f64x2.floor(f64x2.add(w, f64x2.splat(0.5)));
  const x = f64x2.mul(f64x2.sub(w, k), f64x2.splat(HALF_PI));
  const sn = sinPoly(x), cs = cosPoly(x);
  // Quadrant q = k & 3: odd q swaps sin and cos; sin θ < 0 for q ∈ {2, 3}, cos θ < 0 for q ∈ {1, 2}.
  // k ∈ [0, 4] is the low bits of 2^52 + k (exact); only bits 0 and 1 are used below.
  const q = f64x2.add(k, f64x2.splat(4503599627370496.0));
  const odd = i64x2.neg(v128.and(q, i64x2.splat(1)));
  const sinT = v128.xor(v128.bitselect(cs, sn, odd), i64x2.shl(v128.and(q, i64x2.splat(2)), 62));
  const cosT = v128.xor(v128.bitselect(sn, cs, odd), i64x2.shl(v128.xor(q, i64x2.shr_u(q, 1)), 63));
  const c = f64x2.mul(rad, cosT), s = f64x2.mul(rad, sinT);
  v128.store(z, i64x2.shuffle(c, s, 0, 2));
  v128.store(z, i64x2.shuffle(c, s, 1, 3), 16);
}

/** n uniforms in [0, 1) into out: 53 bits from two draws, 27 then 26. */
export function uniform(n: i32, out: usize, state: usize): void {
  for (let i = 0; i < n; i += BLOCK) {
    const c = min(BLOCK, n - i);
    draw(2 * c, DRAWS, state);
    for (let j = 0; j < c; j++) {
      const hi = load<u32>(DRAWS + (<usize>j << 3)) >>> 5, lo = load<u32>(DRAWS + (<usize>j << 3), 4) >>> 6;
      setF64(out, i + j, (<f64>hi * 67108864.0 + <f64>lo) / 9007199254740992.0);
    }
  }
}

/** n standard normals into out, one Box–Muller pair per two entries (odd n drops the last sine). */
export function normal(n: i32, out: usize, state: usize): void {
  for (let i = 0; i < n; i += BLOCK) {
    const c = min(BLOCK, n - i), o = out + (<usize>i << 3);
    draw(4 * ((c + 1) >> 1), DRAWS, state);
    let j = 0;
    for (; j + 4 <= c; j += 4) boxMuller2(DRAWS + (<usize>j << 3), o + (<usize>j << 3));
    if (j == c) continue;
    // 1–3 normals left: the second pair (if not needed) reads stale draws and is dropped.
    boxMuller2(DRAWS + (<usize>j << 3), QUAD);
    for (let k = j; k < c; k++) setF64(o, k, getF64(QUAD, k - j));
  }
}

/** xt = a·x0 + sigma·ξ: normals first, then the affine map (as the reference; xt may not alias x0). */
export function ouNoise(len: i32, x0: usize, a: f64, sigma: f64, state: usize, xt: usize): void {
  normal(len, xt, state);
  const av = f64x2.splat(a), sv = f64x2.splat(sigma);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    v128.store(xt + o, f64x2.add(f64x2.mul(av, v128.load(x0 + o)), f64x2.mul(sv, v128.load(xt + o))));
  }
  if (i < len) setF64(xt, i, a * getF64(x0, i) + sigma * getF64(xt, i));
}

/** murmur3's 32-bit finaliser: every input bit flips about half of the output bits. */
// @ts-ignore: decorator
@inline function mix32(h: u32): u32 {
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  return h ^ (h >>> 16);
}

/** The xoshiro128** state at s of row `id` in the stream keyed by key (4 words): a hash of both. */
// @ts-ignore: decorator
@inline function rowState(key: usize, id: f64, s: usize): void {
  const v = <u64>id, lo = <u32>v, hi = <u32>(v >>> 32);
  const s0 = mix32(load<u32>(key) ^ lo);
  const s1 = mix32(load<u32>(key, 4) ^ hi ^ s0);
  const s2 = mix32(load<u32>(key, 8) ^ s1 ^ lo);
  const s3 = mix32(load<u32>(key, 12) ^ s2 ^ hi);
  store<u32>(s, (s0 | s1 | s2 | s3) == 0 ? 1 : s0); // the all-zero state is a fixed point
  store<u32>(s, s1, 4);
  store<u32>(s, s2, 8);
  store<u32>(s, s3, 12);
}

/**
 * xt = a·x0 + sigma·ξ for m rows of n, row t's normals from its own stream (key, ids[t]): the
 * noise of a row depends on its id, never on which rows share the call. state is scratch.
 */
export function ouNoiseRows(m: i32, n: i32, x0: usize, a: f64, sigma: f64, key: usize, ids: usize, state: usize, xt: usize): void {
  for (let t = 0; t < m; t++) {
    rowState(key, getF64(ids, t), state);
    normal(n, xt + (<usize>(t * n) << 3), state);
  }
  const len = m * n, av = f64x2.splat(a), sv = f64x2.splat(sigma);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    v128.store(xt + o, f64x2.add(f64x2.mul(av, v128.load(x0 + o)), f64x2.mul(sv, v128.load(xt + o))));
  }
  if (i < len) setF64(xt, i, a * getF64(x0, i) + sigma * getF64(xt, i));
}

/**
 * One reverse-time step y ← decay·y + drift·r + noise·ξ for len coordinates.
 * method 0 = exponential integrator (holds r/a fixed over the step), 1 = Euler–Maruyama.
 */
export function sdeStep(len: i32, y: usize, r: usize, h: f64, method: i32, state: usize): void {
  const decay = method == 0 ? Math.exp(-h) : 1.0 - h;
  const drift = method == 0 ? 2.0 * Math.sinh(h) : 2.0 * h;
  const noise = method == 0 ? Math.sqrt(-Math.expm1(-2.0 * h)) : Math.sqrt(2.0 * h);
  const dv = f64x2.splat(decay), rv = f64x2.splat(drift), nv = f64x2.splat(noise);
  for (let i = 0; i < len; i += BLOCK) {
    const c = min(BLOCK, len - i);
    normal(c, NORMALS, state);
    const yi = y + (<usize>i << 3), ri = r + (<usize>i << 3);
    let j = 0;
    for (; j + 2 <= c; j += 2) {
      const o = <usize>j << 3;
      v128.store(yi + o, f64x2.add(f64x2.add(f64x2.mul(dv, v128.load(yi + o)), f64x2.mul(rv, v128.load(ri + o))), f64x2.mul(nv, v128.load(NORMALS + o))));
    }
    if (j < c) setF64(yi, j, decay * getF64(yi, j) + drift * getF64(ri, j) + noise * getF64(NORMALS, j));
  }
}
