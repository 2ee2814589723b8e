/**
 * The pure-TypeScript twins of the kernels in assembly/. Same signatures, same arithmetic
 * order where it matters, so a fixed seed gives the same numbers on both backends.
 * Layouts are documented on the `Kernels` interface (./types.ts).
 */
import { HEADER, type Arena, type ArenaSpec, type F64, type I32, type Kernels, type U32 } from "./types.ts";

const GATE_FLOOR = 1e-7;
const GATE_CUT = -16.2; // exp(-16.2) < GATE_FLOOR

// xoshiro128**: 32-bit state words so that JS needs no BigInt.
function nextU32(s: U32): number {
  const s1 = s[1];
  const x = Math.imul(s1, 5);
  const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
  const t = s1 << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = (s[3] << 11) | (s[3] >>> 21);
  return result;
}

export function nextUniform(s: U32): number {
  const hi = nextU32(s) >>> 5;
  const lo = nextU32(s) >>> 6;
  return (hi * 67108864 + lo) / 9007199254740992;
}

// Box–Muller from + − × / and sqrt only (no library log/sin/cos, which differ between V8 and
// AssemblyScript in the last bit): the WASM twin computes the same normals bit for bit.
const LN2_HI = 6.93147180369123816490e-01;
const LN2_LO = 1.90821492927058770002e-10;
const HALF_PI = 1.5707963267948966;
const INV_LN2 = 1.4426950408889634;
/** POW2_NEG[k] = 2^−k, 0 ≤ k ≤ 1022 (normal numbers: exact halvings). */
const POW2_NEG: number[] = [1];
for (let k = 1; k <= 1022; k++) POW2_NEG.push(POW2_NEG[k - 1] / 2);

/**
 * exp(d) for −708 ≤ d ≤ 0, the twin of expNonPositive in assembly/math.ts (bit for bit; V8's
 * Math.exp and AssemblyScript's differ in the last bit). d = k·ln2 + r, |r| ≤ ln2/2
 * (Cody–Waite: k·LN2_HI is exact), exp(r) by its Taylor series to r^13 (truncation below
 * 5e-18), times 2^k exactly.
 */
export function expNonPositive(d: number): number {
  const k = Math.floor(d * INV_LN2 + 0.5);
  const r = d - k * LN2_HI - k * LN2_LO;
  let p = 1.6059043836821613e-10;
  p = p * r + 2.08767569878681e-9;
  p = p * r + 2.505210838544172e-8;
  p = p * r + 2.755731922398589e-7;
  p = p * r + 2.7557319223985893e-6;
  p = p * r + 2.48015873015873e-5;
  p = p * r + 1.984126984126984e-4;
  p = p * r + 1.388888888888889e-3;
  p = p * r + 8.333333333333333e-3;
  p = p * r + 4.1666666666666664e-2;
  p = p * r + 0.16666666666666666;
  p = p * r + 0.5;
  p = p * r + 1;
  p = p * r + 1;
  return p * POW2_NEG[-k];
}

/** log(N / 2^53) for an integer 1 ≤ N ≤ 2^53. */
function logUnit(N: number): number {
  // Bit length of N (54 for N = 2^53, whose high part 2^21 still fits clz32).
  const high = Math.floor(N / 4294967296);
  const bits = high > 0 ? 64 - Math.clz32(high) : 32 - Math.clz32(N);
  let m = N * POW2_NEG[bits];
  let e = bits - 53;
  if (m < 0.7071067811865476) {
    m *= 2;
    e -= 1;
  }
  const f = m - 1, s = f / (2 + f), z = s * s;
  let q = 0.047619047619047616; // Σ z^k/(2k+1), k ≤ 10: error below 1e-18 for |s| ≤ 0.1716
  q = q * z + 0.05263157894736842;
  q = q * z + 0.058823529411764705;
  q = q * z + 0.06666666666666667;
  q = q * z + 0.07692307692307693;
  q = q * z + 0.09090909090909091;
  q = q * z + 0.1111111111111111;
  q = q * z + 0.14285714285714285;
  q = q * z + 0.2;
  q = q * z + 0.3333333333333333;
  q = q * z + 1;
  return e * LN2_HI + (2 * s * q + e * LN2_LO);
}

/** sin and cos of x for |x| ≤ π/4 by Taylor series to x^17 / x^18 (error below 1e-18). */
function sinPoly(x: number): number {
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
function cosPoly(x: number): number {
  const z = x * x;
  let q = -1.5619206968586225e-16;
  q = q * z + 4.779477332387385e-14;
  q = q * z - 1.1470745597729725e-11;
  q = q * z + 2.08767569878681e-9;
  q = q * z - 2.755731922398589e-7;
  q = q * z + 2.48015873015873e-5;
  q = q * z - 1.388888888888889e-3;
  q = q * z + 4.1666666666666664e-2;
  return 1 - 0.5 * z + z * z * q;
}

/** murmur3's 32-bit finaliser (twin of mix32 in assembly/prng.ts). */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The state of row `id` in the stream keyed by key: a hash of both (twin of rowState). */
export function rowState(key: U32, id: number, s: U32): void {
  const lo = id >>> 0, hi = Math.floor(id / 4294967296) >>> 0;
  const s0 = mix32(key[0] ^ lo), s1 = mix32(key[1] ^ hi ^ s0), s2 = mix32(key[2] ^ s1 ^ lo), s3 = mix32(key[3] ^ s2 ^ hi);
  s[0] = (s0 | s1 | s2 | s3) === 0 ? 1 : s0; // the all-zero state is a fixed point
  s[1] = s1;
  s[2] = s2;
  s[3] = s3;
}

/** Writes one Box–Muller pair at out[i], out[i + 1] (the second only if i + 1 < len). */
function normalPair(s: U32, out: F64, i: number, len: number): void {
  const k1 = (nextU32(s) >>> 5) * 67108864 + (nextU32(s) >>> 6);
  const u2 = nextUniform(s);
  const rad = Math.sqrt(-2 * logUnit(9007199254740992 - k1));
  // θ = 2π·u2 = (k + d)·π/2 with k the nearest quadrant, |d| ≤ ½: exact in binary.
  const w = u2 * 4, k = Math.floor(w + 0.5), x = (w - k) * HALF_PI;
  const sn = sinPoly(x), cs = cosPoly(x);
  const q = k & 3;
  const sinT = q === 0 ? sn : q === 1 ? cs : q === 2 ? -sn : -cs;
  const cosT = q === 0 ? cs : q === 1 ? -sn : q === 2 ? -cs : sn;
  out[i] = rad * cosT;
  if (i + 1 < len) out[i + 1] = rad * sinT;
}

// Recurrence constants for k ≤ 12 (the largest degree the options allow), as literals so that
// both backends use the same doubles: h_k = u·A_k·h_(k−1) − B_k·h_(k−2), h'_k = C_k·h_(k−1).
const HERM_A = [0, 1.0, 0.7071067811865475, 0.5773502691896258, 0.5, 0.4472135954999579, 0.4082482904638631, 0.3779644730092272, 0.35355339059327373, 0.3333333333333333, 0.31622776601683794, 0.30151134457776363, 0.2886751345948129];
const HERM_B = [0, 0.0, 0.7071067811865476, 0.816496580927726, 0.8660254037844386, 0.8944271909999159, 0.9128709291752769, 0.9258200997725514, 0.9354143466934853, 0.9428090415820634, 0.9486832980505138, 0.9534625892455924, 0.9574271077563381];
const HERM_C = [0.0, 1.0, 1.4142135623730951, 1.7320508075688772, 2.0, 2.23606797749979, 2.449489742783178, 2.6457513110645907, 2.8284271247461903, 3.0, 3.1622776601683795, 3.3166247903554, 3.4641016151377544];

/** w[h + k*stride + j] = h_k(u), w[dh + …] = h_k'(u): normalised probabilists' Hermite, k ≤ D. */
function hermite1d(u: number, D: number, w: F64, h: number, dh: number, j: number, stride: number): void {
  w[h + j] = 1;
  w[dh + j] = 0;
  if (D >= 1) {
    w[h + stride + j] = u;
    w[dh + stride + j] = 1;
  }
  for (let k = 2; k <= D; k++) {
    const h1 = w[h + (k - 1) * stride + j];
    w[h + k * stride + j] = u * HERM_A[k] * h1 - HERM_B[k] * w[h + (k - 2) * stride + j];
    w[dh + k * stride + j] = HERM_C[k] * h1;
  }
}

/**
 * φ_f into w[phi + f] and, when dphi ≥ 0, ∂φ_f/∂u_j into w[dphi + f*r + j], from the 1-D
 * tables at w[h..], w[dh..] (stride ts); multi-indices table[f*tstride + j].
 */
function products(r: number, p: number, table: I32, tstride: number, w: F64, h: number, dh: number, ts: number, phi: number, dphi: number): void {
  for (let f = 0; f < p; f++) {
    let v = 1;
    for (let j = 0; j < r; j++) v *= w[h + table[f * tstride + j] * ts + j];
    w[phi + f] = v;
    if (dphi < 0) continue;
    for (let j = 0; j < r; j++) {
      let d = 1;
      for (let i = 0; i < r; i++) {
        const k = table[f * tstride + i];
        d *= i === j ? w[dh + k * ts + i] : w[h + k * ts + i];
      }
      w[dphi + f * r + j] = d;
    }
  }
}

/**
 * Gate weights of one row into gamma[go..], gate-weighted centre into cbar[co..]; with norm, the
 * largest logit and Σ_g exp(l_g − best) (1 under hard gates) into norm[no], norm[no + 1].
 */
function rowGates(x: F64, xo: number, level: F64, gamma: F64, go: number, cbar: F64, co: number, norm?: F64, no = 0): void {
  const G = level[0], n = level[1], a = level[5], hard = level[6] === 1, shaped = level[6] === 2, gs = level[7];
  let best = -Infinity;
  let arg = 0;
  for (let g = 0; g < G; g++) {
    const b = HEADER + g * gs;
    let dot = 0;
    for (let i = 0; i < n; i++) dot += x[xo + i] * level[b + 4 + i];
    let l = level[b + 2] + a * dot;
    if (shaped) l += frameQuadratic(x, xo, level, b);
    gamma[go + g] = l;
    if (l > best) {
      best = l;
      arg = g;
    }
  }
  if (hard) {
    for (let g = 0; g < G; g++) gamma[go + g] = g === arg ? 1 : 0;
    if (norm) [norm[no], norm[no + 1]] = [best, 1];
  } else {
    // A gate whose logit is GATE_CUT below the best is under the floor whatever the others:
    // skip its exp (most gates, at small t).
    let sum = 0;
    for (let g = 0; g < G; g++) {
      const d = gamma[go + g] - best;
      const e = d < GATE_CUT ? 0 : expNonPositive(d);
      gamma[go + g] = e;
      sum += e;
    }
    if (norm) [norm[no], norm[no + 1]] = [best, sum];
    const inv = 1 / sum;
    for (let g = 0; g < G; g++) {
      const w = gamma[go + g] * inv;
      gamma[go + g] = w < GATE_FLOOR ? 0 : w;
    }
  }
  for (let i = 0; i < n; i++) cbar[co + i] = 0;
  for (let g = 0; g < G; g++) {
    const w = gamma[go + g];
    if (w === 0) continue;
    const b = HEADER + g * gs;
    for (let i = 0; i < n; i++) cbar[co + i] += w * level[b + 4 + i];
  }
}

/**
 * The covariance gates' quadratic term of row x in group block b: Σ_j ½(1 − 1/s_j²)·d_j²,
 * d_j = P_jᵀ(x − a·c) the unclipped frame coordinates, s_j the frame scales (the region's
 * noised covariance is I + Σ_j (s_j² − 1) P_j P_jᵀ, so this is the logit's part beyond the
 * soft gates' linear one).
 */
function frameQuadratic(x: F64, xo: number, level: F64, b: number): number {
  const n = level[1], rmax = level[3], a = level[5], r = level[b];
  const cOff = b + 4, pOff = cOff + n, sOff = pOff + n * rmax;
  let q = 0;
  for (let j = 0; j < r; j++) {
    let d = 0;
    for (let i = 0; i < n; i++) d += level[pOff + i * rmax + j] * (x[xo + i] - a * level[cOff + i]);
    const s = level[sOff + j];
    q += 0.5 * (1 - 1 / (s * s)) * d * d;
  }
  return q;
}

/** Scratch offsets inside `work` (see workSize in src/level.ts). */
function workOffsets(level: F64) {
  const G = level[0], n = level[1], D = level[2], rmax = level[3], pmax = level[4];
  const h = G + n;
  const dh = h + (D + 1) * rmax;
  const u = dh + (D + 1) * rmax;
  const clip = u + rmax;
  const phi = clip + rmax;
  const dphi = phi + pmax;
  return { h, dh, u, clip, phi, dphi };
}

/**
 * Local coordinates of row x[xo..] in group block b, clipped; work[clip + j] = 0 where
 * clipped so that derivatives vanish there. Fills the 1-D Hermite tables.
 */
function localFeatures(x: F64, xo: number, level: F64, b: number, table: I32, work: F64, withD: boolean): void {
  const n = level[1], D = level[2], rmax = level[3], a = level[5];
  const r = level[b], p = level[b + 1];
  const o = workOffsets(level);
  const cOff = b + 4, pOff = cOff + n, sOff = pOff + n * rmax, loOff = sOff + rmax, hiOff = loOff + rmax;
  for (let j = 0; j < r; j++) {
    let v = 0;
    for (let i = 0; i < n; i++) v += level[pOff + i * rmax + j] * (x[xo + i] - a * level[cOff + i]);
    v /= level[sOff + j];
    let keep = 1;
    if (v < level[loOff + j]) { v = level[loOff + j]; keep = 0; }
    if (v > level[hiOff + j]) { v = level[hiOff + j]; keep = 0; }
    work[o.u + j] = v;
    work[o.clip + j] = keep / level[sOff + j];
    hermite1d(v, D, work, o.h, o.dh, j, rmax);
  }
  products(r, p, table, rmax, work, o.h, o.dh, rmax, o.phi, withD ? o.dphi : -1);
}

function arena<S extends ArenaSpec>(spec: S): Arena<S> {
  const out: Record<string, F64 | I32 | U32> = {};
  for (const [key, [type, len]] of Object.entries(spec)) {
    out[key] = type === "f64" ? new Float64Array(len) : type === "i32" ? new Int32Array(len) : new Uint32Array(len);
  }
  return out as Arena<S>;
}

export const reference: Kernels = {
  name: "reference",
  arena,

  uniform(n, out, state) {
    for (let i = 0; i < n; i++) out[i] = nextUniform(state);
  },

  normal(n, out, state) {
    for (let i = 0; i < n; i += 2) normalPair(state, out, i, n);
  },

  ouNoise(len, x0, a, sigma, state, xt) {
    for (let i = 0; i < len; i += 2) normalPair(state, xt, i, len);
    for (let i = 0; i < len; i++) xt[i] = a * x0[i] + sigma * xt[i];
  },

  ouNoiseRows(m, n, x0, a, sigma, key, ids, state, xt) {
    for (let t = 0; t < m; t++) {
      rowState(key, ids[t], state);
      for (let i = 0; i < n; i += 2) normalPair(state, xt, t * n + i, (t + 1) * n);
    }
    for (let i = 0; i < m * n; i++) xt[i] = a * x0[i] + sigma * xt[i];
  },

  basis(m, r, u, D, table, p, phi, dphi) {
    const w = new Float64Array(2 * (D + 1) * r + p * (1 + r));
    const dh = (D + 1) * r, ph = 2 * dh, dph = ph + p;
    for (let t = 0; t < m; t++) {
      for (let j = 0; j < r; j++) hermite1d(u[t * r + j], D, w, 0, dh, j, r);
      products(r, p, table, r, w, 0, dh, r, ph, dph);
      for (let f = 0; f < p; f++) {
        phi[f * m + t] = w[ph + f];
        for (let j = 0; j < r; j++) dphi[(f * r + j) * m + t] = w[dph + f * r + j];
      }
    }
  },

  gates(m, x, level, gamma, cbar, norm) {
    const G = level[0], n = level[1];
    for (let t = 0; t < m; t++) rowGates(x, t * n, level, gamma, t * G, cbar, t * n, norm, 2 * t);
  },

  designBlock(m, x0, x, gamma, cbar, level, table, active, nActive, phi, ld, dsum, work) {
    const G = level[0], n = level[1], rmax = level[3], gs = level[7];
    const o = workOffsets(level);
    for (let t = 0; t < m; t++) {
      phi[t] = 1;
      for (let i = 0; i < n; i++) {
        phi[(1 + i) * ld + t] = x0[t * n + i];
        phi[(1 + n + i) * ld + t] = cbar[t * n + i];
      }
    }
    let col = 1 + 2 * n;
    for (let k = 0; k < nActive; k++) {
      const g = active[k];
      const b = HEADER + g * gs;
      const r = level[b], p = level[b + 1], foff = level[b + 3];
      for (let t = 0; t < m; t++) {
        const w = gamma[t * G + g];
        if (w === 0) {
          for (let f = 0; f < p; f++) phi[(col + f) * ld + t] = 0;
          continue;
        }
        if (r > 0) localFeatures(x, t * n, level, b, table, work, true);
        else work[o.phi] = 1; // a constant-only group: skip the frame
        for (let f = 0; f < p; f++) {
          phi[(col + f) * ld + t] = w * work[o.phi + f];
          for (let j = 0; j < r; j++) dsum[(foff + f) * rmax + j] += w * work[o.dphi + f * r + j] * work[o.clip + j];
        }
      }
      col += p;
    }
  },

  curvatureColumns(m, x, gamma, level, active, nActive, cols, ld, d) {
    const G = level[0], n = level[1], rmax = level[3], gs = level[7], a = level[5];
    for (let i = 0; i < n; i++) for (let t = 0; t < m; t++) cols[i * ld + t] = x[t * n + i];
    const q = n * ld;
    for (let i = 0; i < n; i++) cols.fill(0, q + i * ld, q + i * ld + m);
    // Direction by direction over the rows: each row's d and q̄ receive the products of a loop over
    // rows with the directions inside, in its order. A row with γ_g = 0 adds ±0: its q̄ stays.
    for (let k = 0; k < nActive; k++) {
      const b = HEADER + active[k] * gs, g = active[k], r = level[b], c = b + 4, P = c + n, S = P + n * rmax;
      for (let j = 0; j < r; j++) {
        const s = level[S + j], kappa = 1 - 1 / (s * s);
        d.fill(0, 0, m);
        for (let i = 0; i < n; i++) {
          const p = level[P + i * rmax + j], ac = a * level[c + i], col = i * ld;
          for (let t = 0; t < m; t++) d[t] += p * (cols[col + t] - ac);
        }
        for (let t = 0; t < m; t++) d[t] = gamma[t * G + g] * kappa * d[t];
        for (let i = 0; i < n; i++) {
          const p = level[P + i * rmax + j], col = q + i * ld;
          for (let t = 0; t < m; t++) cols[col + t] += d[t] * p;
        }
      }
    }
  },

  gramAccumulate(m, p, phi, ld, g, ldG) {
    // 2×2 tiles of columns: four dot products share each pair of loads.
    for (let i = 0; i < p; i += 2) {
      const i1 = i + 1 < p;
      for (let j = i; j < p; j += 2) {
        const j1 = j + 1 < p;
        let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
        const a0 = i * ld, a1 = (i1 ? i + 1 : i) * ld, b0 = j * ld, b1 = (j1 ? j + 1 : j) * ld;
        for (let t = 0; t < m; t++) {
          const x0 = phi[a0 + t], x1 = phi[a1 + t], y0 = phi[b0 + t], y1 = phi[b1 + t];
          s00 += x0 * y0;
          s01 += x0 * y1;
          s10 += x1 * y0;
          s11 += x1 * y1;
        }
        g[i * ldG + j] += s00;
        if (j1) g[i * ldG + j + 1] += s01;
        if (i1 && j > i) g[(i + 1) * ldG + j] += s10;
        if (i1 && j1) g[(i + 1) * ldG + j + 1] += s11;
      }
    }
  },

  choleskySolve(p, q, a, ldA, b, ldB, rel, abs) {
    for (let k = 0; k < p; k++) a[k * ldA + k] += rel * a[k * ldA + k] + abs;
    // Right-looking factorisation A = UᵀU, rows contiguous.
    for (let k = 0; k < p; k++) {
      const d = a[k * ldA + k];
      if (!(d > 0)) return k + 1;
      const ukk = Math.sqrt(d);
      a[k * ldA + k] = ukk;
      for (let j = k + 1; j < p; j++) a[k * ldA + j] /= ukk;
      for (let i = k + 1; i < p; i++) {
        const uki = a[k * ldA + i];
        if (uki === 0) continue;
        for (let j = i; j < p; j++) a[i * ldA + j] -= uki * a[k * ldA + j];
      }
    }
    for (let k = 0; k < p; k++) {
      const ukk = a[k * ldA + k];
      for (let c = 0; c < q; c++) b[k * ldB + c] /= ukk;
      for (let j = k + 1; j < p; j++) {
        const ukj = a[k * ldA + j];
        if (ukj === 0) continue;
        for (let c = 0; c < q; c++) b[j * ldB + c] -= ukj * b[k * ldB + c];
      }
    }
    for (let k = p - 1; k >= 0; k--) {
      for (let j = k + 1; j < p; j++) {
        const ukj = a[k * ldA + j];
        if (ukj === 0) continue;
        for (let c = 0; c < q; c++) b[k * ldB + c] -= ukj * b[j * ldB + c];
      }
      const ukk = a[k * ldA + k];
      for (let c = 0; c < q; c++) b[k * ldB + c] /= ukk;
    }
    return 0;
  },

  gateMoments(m, x, level, out, norm) {
    const G = level[0], n = level[1];
    const gamma = new Float64Array(G), cbar = new Float64Array(n);
    for (let t = 0; t < m; t++) {
      rowGates(x, t * n, level, gamma, 0, cbar, 0, norm, 2 * t);
      for (let g = 0; g < G; g++) {
        const w = gamma[g];
        if (w === 0) continue;
        out[g] += w;
        const o = G + g * n;
        for (let i = 0; i < n; i++) out[o + i] += w * x[t * n + i];
      }
    }
  },

  residual(m, x, level, table, out, div, withDiv, work) {
    const G = level[0], n = level[1], rmax = level[3], pmax = level[4], a = level[5], hard = level[6] === 1, shaped = level[6] === 2, gs = level[7];
    const o = workOffsets(level);
    const cb = G;
    // Covariance gates: ∇ logit_g = a·c_g + q_g with q_g = Σ_j (1 − 1/s_j²) d_j P_j, so the gates'
    // part of the divergence gains Σ_g γ_g q_g·V_g − q̄·r̂ (q̄ = Σ_g γ_g q_g).
    const qbar = new Float64Array(shaped && withDiv !== 0 ? n : 0), V = new Float64Array(shaped ? n : 0);
    for (let t = 0; t < m; t++) {
      rowGates(x, t * n, level, work, 0, work, cb);
      for (let i = 0; i < n; i++) out[t * n + i] = 0;
      qbar.fill(0);
      let dv = 0;
      for (let g = 0; g < G; g++) {
        const w = work[g];
        if (w === 0) continue;
        const b = HEADER + g * gs;
        const r = level[b], p = level[b + 1];
        const cOff = b + 4, pOff = cOff + n, wOff = pOff + n * rmax + 3 * rmax;
        if (r > 0) localFeatures(x, t * n, level, b, table, work, withDiv !== 0);
        else work[o.phi] = 1; // a constant-only group: skip the frame
        let gateDiv = 0;
        for (let i = 0; i < n; i++) {
          let v = 0;
          for (let f = 0; f < p; f++) v += level[wOff + i * pmax + f] * work[o.phi + f];
          out[t * n + i] += w * v;
          gateDiv += (level[cOff + i] - work[cb + i]) * v;
          if (shaped) V[i] = v;
        }
        if (withDiv === 0) continue;
        if (!hard) dv += a * w * gateDiv;
        if (shaped) {
          const sOff = pOff + n * rmax;
          for (let j = 0; j < r; j++) {
            let d = 0, pv = 0;
            for (let i = 0; i < n; i++) d += level[pOff + i * rmax + j] * (x[t * n + i] - a * level[cOff + i]);
            const s = level[sOff + j], k = (1 - 1 / (s * s)) * d;
            for (let i = 0; i < n; i++) {
              pv += level[pOff + i * rmax + j] * V[i];
              qbar[i] += w * k * level[pOff + i * rmax + j];
            }
            dv += w * k * pv;
          }
        }
        for (let j = 0; j < r; j++) {
          const scale = work[o.clip + j];
          if (scale === 0) continue;
          let s = 0;
          for (let i = 0; i < n; i++) {
            let v = 0;
            for (let f = 0; f < p; f++) v += level[wOff + i * pmax + f] * work[o.dphi + f * r + j];
            s += level[pOff + i * rmax + j] * v;
          }
          dv += w * scale * s;
        }
      }
      if (shaped && withDiv !== 0) for (let i = 0; i < n; i++) dv -= qbar[i] * out[t * n + i];
      if (withDiv !== 0) div[t] = dv;
    }
  },

  sdeStep(len, y, r, h, method, state) {
    const decay = method === 0 ? Math.exp(-h) : 1 - h;
    const drift = method === 0 ? 2 * Math.sinh(h) : 2 * h;
    const noise = method === 0 ? Math.sqrt(-Math.expm1(-2 * h)) : Math.sqrt(2 * h);
    const z = new Float64Array(2);
    for (let i = 0; i < len; i += 2) {
      normalPair(state, z, 0, 2);
      y[i] = decay * y[i] + drift * r[i] + noise * z[0];
      if (i + 1 < len) y[i + 1] = decay * y[i + 1] + drift * r[i + 1] + noise * z[1];
    }
  },
};
