/**
 * The packed form of one noise level that the kernels read (layout on `Kernels` in
 * src/kernels/types.ts). Written in one place so the fit, the sampler and the model agree.
 */
import { basisSize } from "./basis.ts";
import { HEADER } from "./kernels/types.ts";

/** The fitted pieces shared by all levels: soft-gated groups with local frames. */
export interface Regions {
  dim: number;
  weights: number[]; // π_g
  centres: number[][]; // c_g
  frames: number[][]; // per group n×r_g row-major: column j is frame direction j (orthonormal)
  spreads: number[][]; // per group r_g: the responsibility-weighted covariance's eigenvalues along the frame
  ranks: number[]; // r_g
}

/** One fitted level: residual coefficients per group and the clip box of local coordinates. */
export interface Level {
  t: number;
  lo: number[][]; // per group, r_g numbers
  hi: number[][];
  W: number[][]; // per group, n×p_g row-major: r̂ = Σ_g γ_g W_g φ(u_g)
  /** With a ladder (regions: "ladder"): its region set, 0 for the regions, k ≥ 1 for ladder[k − 1]. */
  set?: number;
}

/** The index of the last of the ascending times at or below t (0 below the first): the level in use at t. */
export function levelBelow(times: ArrayLike<number>, t: number): number {
  let l = 0;
  while (l + 1 < times.length && times[l + 1] <= t) l++;
  return l;
}

/** The region set k of a model or plan (see Level.set). */
export function regionSet(p: { regions: Regions; ladder: Regions[] | null }, set = 0): Regions {
  return set === 0 ? p.regions : p.ladder![set - 1];
}

export interface Shape {
  G: number; n: number; D: number; rmax: number; pmax: number; groupStride: number;
  p: number[]; featureOffset: number[]; features: number;
}

/** The packed shape of regions at degree D; `rmax` pads the frames (one layout for a ladder's sets). */
export function shapeOf(regions: Regions, D: number, rmax = Math.max(0, ...regions.ranks)): Shape {
  const n = regions.dim, G = regions.weights.length;
  const pmax = basisSize(rmax, D);
  const p = regions.ranks.map((r) => basisSize(r, D));
  const featureOffset: number[] = [];
  let features = 0;
  for (const pg of p) {
    featureOffset.push(features);
    features += pg;
  }
  return { G, n, D, rmax, pmax, groupStride: 4 + n + n * rmax + 3 * rmax + n * pmax, p, featureOffset, features };
}

export function packedLength(s: Shape): number {
  return HEADER + s.G * s.groupStride;
}

/**
 * How a row's weight is shared among the regions at signal level a = e^{−t} (algorithm.md, "Gates"):
 *   soft        γ_g ∝ π_g N(x; a c_g, I): each region a unit-covariance blob (linear logits)
 *   covariance  γ_g ∝ π_g N(x; a c_g, S_g(a)), S_g(a) = I + Σ_j (s_j² − 1) v_j v_jᵀ with s_j the
 *               frame scales: the posterior of the region's own Gaussian (its frame's spreads),
 *               noised to level a — quadratic logits
 *   hard        the argmax of the soft logits (Voronoi cells; the paper's, kept for studies)
 */
export type Gating = "soft" | "hard" | "covariance";
export const GATINGS: Gating[] = ["soft", "covariance", "hard"];
/** The packed header's code of each gating (the kernels read it). */
const GATING_CODE: Record<Gating, number> = { soft: 0, hard: 1, covariance: 2 };

/** Scratch needed by the gates/designBlock/residual kernels for one row. */
export function workSize(s: Shape): number {
  return s.G + s.n + 2 * (s.D + 1) * s.rmax + 2 * s.rmax + s.pmax * (1 + s.rmax);
}

/** Local spread of frame direction j at signal level a: the noised standard deviation. */
export function frameScale(spread: number, a: number): number {
  return Math.sqrt(a * a * Math.max(spread - 1, 0) + 1);
}

/** Offsets of group g's fields inside a packed level. */
export function groupLayout(s: Shape, g: number) {
  const b = HEADER + g * s.groupStride;
  const c = b + 4, P = c + s.n, scale = P + s.n * s.rmax, lo = scale + s.rmax, hi = lo + s.rmax, W = hi + s.rmax;
  return { b, c, P, scale, lo, hi, W };
}

/**
 * Pack regions + one level into `out`. Without a level (during the fit) the clip box is
 * unbounded and W is zero.
 */
export function packLevel(out: Float64Array, s: Shape, regions: Regions, t: number, gating: Gating, level?: Level): void {
  const { n, rmax, pmax } = s;
  const a = Math.exp(-t);
  out.fill(0, 0, packedLength(s));
  out.set([s.G, n, s.D, rmax, pmax, a, GATING_CODE[gating], s.groupStride], 0);
  for (let g = 0; g < s.G; g++) {
    const o = groupLayout(s, g);
    const r = regions.ranks[g], E = regions.frames[g], c = regions.centres[g];
    out[o.b] = r;
    out[o.b + 1] = s.p[g];
    out[o.b + 2] = Math.log(regions.weights[g]) - 0.5 * a * a * c.reduce((s, v) => s + v * v, 0);
    out[o.b + 3] = s.featureOffset[g];
    for (let i = 0; i < n; i++) out[o.c + i] = c[i];
    for (let j = 0; j < r; j++) {
      for (let i = 0; i < n; i++) out[o.P + i * rmax + j] = E[i * r + j];
      out[o.scale + j] = frameScale(regions.spreads[g][j], a);
      // Covariance gates: the log-determinant of the region's noised covariance, −Σ_j log s_j.
      if (gating === "covariance") out[o.b + 2] -= Math.log(out[o.scale + j]);
      out[o.lo + j] = level ? level.lo[g][j] : -1e300;
      out[o.hi + j] = level ? level.hi[g][j] : 1e300;
    }
    for (let j = r; j < rmax; j++) out[o.scale + j] = 1;
    if (level) {
      const W = level.W[g], p = s.p[g];
      for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) out[o.W + i * pmax + f] = W[i * p + f];
    }
  }
}

/**
 * A level at time t between two packed levels x and y: the geometry (gates, frame scales)
 * exact at t, the clip box blended with weight w, and W = cx·W_x + cy·W_y. One kernel call
 * then evaluates the interpolated residual.
 */
export function blendLevels(out: Float64Array, s: Shape, regions: Regions, t: number, gating: Gating,
  x: Float64Array, y: Float64Array, w: number, cx: number, cy: number): void {
  packLevel(out, s, regions, t, gating);
  for (let g = 0; g < s.G; g++) {
    const o = groupLayout(s, g);
    for (let j = 0; j < regions.ranks[g]; j++) {
      out[o.lo + j] = (1 - w) * x[o.lo + j] + w * y[o.lo + j];
      out[o.hi + j] = (1 - w) * x[o.hi + j] + w * y[o.hi + j];
    }
    for (let k = o.W; k < o.W + s.n * s.pmax; k++) out[k] = cx * x[k] + cy * y[k];
  }
}
