/**
 * The one interface the model layer sees. Two implementations: `wasm` (assembly/ compiled
 * to WebAssembly) and `reference` (src/kernels/reference.ts). Every kernel is a pure function
 * over flat typed arrays with explicit sizes; offsets are expressed by passing subarrays.
 *
 * Arrays handed to a WASM kernel must come from that instance's `arena` (they are views of
 * its memory); the reference accepts any typed array.
 */

export type F64 = Float64Array;
export type I32 = Int32Array;
export type U32 = Uint32Array;

export type ArenaSpec = Record<string, readonly ["f64" | "i32" | "u32", number]>;
export type Arena<S extends ArenaSpec> = {
  [K in keyof S]: S[K][0] extends "f64" ? F64 : S[K][0] extends "i32" ? I32 : U32;
};

/**
 * A packed level (see src/level.ts for the writer): header then one block per group.
 * header: [G, n, D, rmax, pmax, a, hard, groupStride]
 * group:  [r, p, bias = log π_g − a²|c_g|²/2, featureOffset, c(n), P(n*rmax, P[i*rmax+j] = coord i of direction j),
 *          s(rmax), lo(rmax), hi(rmax), W(n*pmax, W[i*pmax+f])]
 */
export const HEADER = 8;

export interface Kernels {
  readonly name: "wasm" | "reference";
  /** Allocate all named buffers at once; earlier arenas of this instance become invalid. */
  arena<S extends ArenaSpec>(spec: S): Arena<S>;

  /** n uniforms in [0, 1) with 53 random bits each (xoshiro128**, two draws per number). */
  uniform(n: number, out: F64, state: U32): void;
  /** n standard normals by Box–Muller; an odd n discards the last pair's second variate. */
  normal(n: number, out: F64, state: U32): void;
  /** xt = a·x0 + sigma·ξ for m·n entries. */
  ouNoise(len: number, x0: F64, a: number, sigma: number, state: U32, xt: F64): void;
  /**
   * xt = a·x0 + sigma·ξ for m rows of n, row t's normals from its own stream: the xoshiro128**
   * state hashed from key (4 words) and the integer ids[t] (< 2^53). A row's noise depends on
   * its id only, not on the rows that share the call. state (4 words) is scratch.
   */
  ouNoiseRows(m: number, n: number, x0: F64, a: number, sigma: number, key: U32, ids: F64, state: U32, xt: F64): void;
  /**
   * Normalised Hermite products of total degree ≤ D in r coordinates for m rows of u
   * (row-major, stride r): phi[f*m + row] (column-major), dphi[(f*r + j)*m + row] = ∂φ_f/∂u_j.
   */
  basis(m: number, r: number, u: F64, D: number, table: I32, p: number, phi: F64, dphi: F64): void;
  /**
   * Gate weights gamma[row*G + g] and the gate-weighted centre cbar[row*n + i]; with norm (m×2),
   * each row's largest logit and Σ_g exp(l_g − l*) as gateMoments gives them.
   */
  gates(m: number, x: F64, level: F64, gamma: F64, cbar: F64, norm?: F64): void;
  /**
   * Design block for the normal equations, column-major with leading dimension ld:
   * column 0 = 1, columns 1..n = x0, n+1..2n = cbar, then for each active group its
   * features γ_g φ_f(u_g). Adds Σ_rows γ_g ∂φ_f/∂x·P_g[:, j] into dsum[(foff_g + f)*rmax + j].
   */
  designBlock(
    m: number, x0: F64, x: F64, gamma: F64, cbar: F64, level: F64, table: I32,
    active: I32, nActive: number, phi: F64, ld: number, dsum: F64, work: F64,
  ): void;
  /**
   * The covariance gates' curvature columns of m rows x (m×n), column-major with leading dimension
   * ld: columns 0..n−1 = x, n..2n−1 = q̄ = Σ_g γ_g Σ_j κ_j d_j P_j over the active groups
   * (κ_j = 1 − 1/s_j², d_j = P_jᵀ(x − a·c_g)); d (m) is scratch.
   */
  curvatureColumns(m: number, x: F64, gamma: F64, level: F64, active: I32, nActive: number, cols: F64, ld: number, d: F64): void;
  /** Upper triangle of G (p×p, leading dimension ldG) += ΦᵀΦ, Φ column-major m×p. */
  gramAccumulate(m: number, p: number, phi: F64, ld: number, g: F64, ldG: number): void;
  /**
   * Solve (A + ridge) X = B in place by Cholesky on A's upper triangle, ridge_k = rel·A_kk + abs.
   * B is p×q row-major with leading dimension ldB. Returns 0, or k+1 if pivot k is not positive.
   */
  choleskySolve(p: number, q: number, a: F64, ldA: number, b: F64, ldB: number, rel: number, abs: number): number;
  /** Learned residual r̂ at each row (out, m×n) and, when withDiv, its divergence (div, m). */
  residual(m: number, x: F64, level: F64, table: I32, out: F64, div: F64, withDiv: number, work: F64): void;
  /**
   * One reverse-time step of length h for m·n coordinates with residual r.
   * method 0 = exponential integrator, 1 = Euler–Maruyama.
   */
  sdeStep(len: number, y: F64, r: F64, h: number, method: number, state: U32): void;
  /**
   * The regions' EM sums over m rows of x (m×n) under the level's gates γ (as `gates` gives them):
   * out[g] += Σ γ_g, out[G + g*n + i] += Σ γ_g x_i, each row's terms added in row order; and each
   * row's largest logit l* and Σ_g exp(l_g − l*) (1 under hard gates) into norm[2t], norm[2t + 1]
   * (m×2): the gates' log-normaliser l* + log Σ, whose sum over rows is the mixture's
   * log-likelihood up to a constant of the rows (covariance gates at t = 0; see regions.ts).
   */
  gateMoments(m: number, x: F64, level: F64, out: F64, norm: F64): void;
}
