/**
 * xoshiro128** (state: 4 u32 words at `s`) and Box–Muller normals; twins of the PRNG in
 * src/kernels/reference.ts. Uniform streams are bitwise identical to the reference; normals
 * agree up to the last ulp of NativeMath.log/cos/sin.
 */
import { getF64, setF64 } from "./memory";

const TWO_PI: f64 = 6.283185307179586;

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

/** n uniforms in [0, 1) into out. */
export function uniform(n: i32, out: usize, state: usize): void {
  for (let i = 0; i < n; i++) setF64(out, i, nextUniform(state));
}

/** n standard normals into out, one Box–Muller pair per two entries (odd n drops the last sine). */
export function normal(n: i32, out: usize, state: usize): void {
  for (let i = 0; i < n; i += 2) {
    const u1 = 1.0 - nextUniform(state);
    const u2 = nextUniform(state);
    const rad = Math.sqrt(-2.0 * Math.log(u1));
    const th = TWO_PI * u2;
    setF64(out, i, rad * Math.cos(th));
    if (i + 1 < n) setF64(out, i + 1, rad * Math.sin(th));
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
    const u1 = 1.0 - nextUniform(state);
    const u2 = nextUniform(state);
    const rad = Math.sqrt(-2.0 * Math.log(u1));
    const th = TWO_PI * u2;
    setF64(y, i, decay * getF64(y, i) + drift * getF64(r, i) + noise * (rad * Math.cos(th)));
    if (i + 1 < len) setF64(y, i + 1, decay * getF64(y, i + 1) + drift * getF64(r, i + 1) + noise * (rad * Math.sin(th)));
  }
}
