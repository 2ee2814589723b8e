/**
 * One-dimensional projections of the known mixtures, exactly: for a unit direction v, the
 * projection ⟨v, x⟩ of x ~ ∫ N(μ, I) dν(μ) is ∫ N(⟨v, μ⟩, 1) dν(μ), a 1-D Gaussian mixture
 * over the projected mixing measure ν_v. For discrete ν that is a finite mixture; for the
 * continuous kinds ν_v has a known density, turned into weighted atoms by composite
 * Gauss–Legendre quadrature (so the CDF below is a quadrature of the exact projected density,
 * not a sample estimate):
 *   sphere |μ − c| = R in Rⁿ: ⟨v, μ⟩ = ⟨v, c⟩ + R cos θ, θ ∈ [0, π] with density ∝ sin^{n−2} θ
 *   ball   |μ − c| ≤ ρ in Rⁿ: ⟨v, μ⟩ = ⟨v, c⟩ + ρ cos φ, φ ∈ [0, π] with density ∝ sinⁿ φ
 *   segment A + s(B − A):      ⟨v, μ⟩ = ⟨v, A⟩ + s⟨v, B − A⟩, s uniform on [0, 1]
 * Also the standard normal CDF Φ to full double precision.
 */
import type { Mixture } from "../mixture.ts";
import { gaussLegendre } from "../quadrature.ts";

/** erfc(x) for x ≥ 0: a positive series for erf below 3 (no cancellation), a continued fraction above. */
function erfcPositive(x: number): number {
  if (x < 3) {
    // erf(x) = 2/√π · e^{−x²} Σ_k 2^k x^{2k+1} / (1·3·…·(2k+1))
    let term = x, sum = x;
    const x2 = 2 * x * x;
    for (let k = 1; k < 200; k++) {
      term *= x2 / (2 * k + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated from the tail
  let f = x;
  for (let k = 80; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** Φ(z) = P(N(0, 1) ≤ z), to ~1e−16 absolute (relative ≤ 1e−10 in the lower tail). */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  return z < 0 ? 0.5 * erfcPositive(-z / Math.SQRT2) : 1 - 0.5 * erfcPositive(z / Math.SQRT2);
}

const GL = gaussLegendre(16);

/** Composite Gauss–Legendre atoms of ∫_lo^hi f(u) g(loc(u)) du with `panels` panels. */
function panelAtoms(lo: number, hi: number, panels: number, density: (u: number) => number, loc: (u: number) => number, weight: number, out: { loc: number[]; w: number[] }) {
  const width = (hi - lo) / panels, start = out.w.length;
  let total = 0;
  for (let p = 0; p < panels; p++) {
    for (let q = 0; q < GL.x.length; q++) {
      const u = lo + (p + GL.x[q]) * width;
      const w = density(u) * GL.w[q];
      out.loc.push(loc(u));
      out.w.push(w);
      total += w;
    }
  }
  for (let i = start; i < out.w.length; i++) out.w[i] *= weight / total;
}

/** Panels so that one panel spans at most ~0.5 in projected units (the kernel N(0, 1) is smooth on that scale). */
const panelsFor = (span: number) => Math.max(4, Math.ceil(Math.abs(span) * 2));

/**
 * The projected mixing measure ν_v as atoms (locations, weights summing to 1); the projected
 * density is Σ w_j N(loc_j, 1). `v` must be a unit vector of the mixture's dimension.
 */
export function projectMixture(truth: Mixture, v: ArrayLike<number>): { loc: Float64Array; w: Float64Array } {
  const spec = truth.toSpec();
  const n = spec.dim;
  const dot = (p: number[]) => p.reduce((s, u, i) => s + u * v[i], 0);
  const out = { loc: [] as number[], w: [] as number[] };
  switch (spec.kind) {
    case "discrete":
      spec.means.forEach((mu, j) => {
        out.loc.push(dot(mu));
        out.w.push(spec.weights[j]);
      });
      break;
    case "circle":
    case "sphere": {
      const c = dot(spec.center), R = spec.radius;
      panelAtoms(0, Math.PI, panelsFor(Math.PI * R), (th) => Math.sin(th) ** (n - 2), (th) => c + R * Math.cos(th), 1, out);
      break;
    }
    case "balls":
      spec.centers.forEach((cen, j) => {
        const c = dot(cen), r = spec.radii[j];
        panelAtoms(0, Math.PI, panelsFor(Math.PI * r), (ph) => Math.sin(ph) ** n, (ph) => c + r * Math.cos(ph), spec.weights[j], out);
      });
      break;
    case "segments":
      spec.segments.forEach(([A, B], j) => {
        const a = dot(A), d = dot(B) - a;
        panelAtoms(0, 1, panelsFor(d), () => 1, (s) => a + s * d, spec.weights[j], out);
      });
      break;
  }
  return { loc: Float64Array.from(out.loc), w: Float64Array.from(out.w) };
}

/** CDF of Σ w_j N(loc_j, 1) at each of the sorted `edges`. */
export function mixtureCdf(atoms: { loc: Float64Array; w: Float64Array }, edges: Float64Array): Float64Array {
  const F = new Float64Array(edges.length);
  for (let e = 0; e < edges.length; e++) {
    let s = 0;
    for (let j = 0; j < atoms.loc.length; j++) {
      const z = edges[e] - atoms.loc[j];
      // beyond 9 sd Φ is 0 or 1 to double precision
      s += atoms.w[j] * (z < -9 ? 0 : z > 9 ? 1 : normalCdf(z));
    }
    F[e] = s;
  }
  return F;
}
