/**
 * Every expected value here comes from mathematics written out in the test (closed forms,
 * brute-force quadrature in other coordinates, Monte Carlo identities), never from the code
 * under test. Randomness in the tests comes from seedrandom, not from src/random.ts.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { BallsMixture, GaussianMixture, type Mixture, SegmentsMixture, SphereMixture } from "../src/mixture.ts";
import { mixtureFromSpec } from "../src/mixture-spec.ts";
import { presets } from "../src/presets.ts";

const LOG_2PI = Math.log(2 * Math.PI);

// ---------------------------------------------------------------------------------------
// Independent helpers

function gaussians(count: number, seed: string): Float64Array {
  const rng = seedrandom(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const u = 1 - rng();
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  }
  return out;
}

/** Modified Bessel I_ν(κ), integer ν, by its power series Σ (κ/2)^{2k+ν}/(k!(k+ν)!). */
function besselI(nu: number, k: number): number {
  let term = 1;
  for (let j = 1; j <= nu; j++) term *= k / 2 / j;
  let sum = term;
  for (let j = 1; j < 1000; j++) {
    term *= (k * k) / 4 / (j * (j + nu));
    sum += term;
    if (term < sum * 1e-18) break;
  }
  return sum;
}

/** Composite Simpson on [lo, hi] with N (even) intervals. */
function simpson(f: (u: number) => number, lo: number, hi: number, N: number): number {
  const h = (hi - lo) / N;
  let s = f(lo) + f(hi);
  for (let i = 1; i < N; i++) s += (i % 2 ? 4 : 2) * f(lo + i * h);
  return (s * h) / 3;
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** Test points: a few rows of the mixture's own samples plus far-out and central points. */
function testPoints(m: Mixture, extra: number[][]): Float64Array {
  const s = Array.from(m.sample(6, 11));
  return new Float64Array([...s, ...extra.flat()]);
}

/** Mean and standard error of each column of a rows × k table. */
function meanSE(values: number[][]): { mean: number[]; se: number[] } {
  const N = values.length;
  const k = values[0].length;
  const mean = Array.from({ length: k }, (_, j) => values.reduce((s, v) => s + v[j], 0) / N);
  const se = mean.map((m, j) => Math.sqrt(values.reduce((s, v) => s + (v[j] - m) ** 2, 0) / (N - 1) / N));
  return { mean, se };
}

// ---------------------------------------------------------------------------------------
// The cases

const discrete2 = new GaussianMixture([0.5, 0.3, 0.2], [[-3, 0], [2, 2], [1, -4]]);
const discrete5 = new GaussianMixture(
  [0.4, 0.35, 0.25],
  [[0, 0, 0, 0, 0], [3, -2, 1, 0, 2], [-2, 1, 3, -3, 0]],
);
const ring = mixtureFromSpec(presets.ring) as SphereMixture;
const circleOff = new SphereMixture([1, -2], 3);
const sphere3 = mixtureFromSpec(presets.sphere3) as SphereMixture;
const sphere4 = new SphereMixture([1, 0, -1, 0.5], 2);
const xSegments = mixtureFromSpec(presets.x) as SegmentsMixture;
const balls2 = mixtureFromSpec(presets.balls) as BallsMixture;
const ball3 = new BallsMixture([[1, 0, -1]], [2]);

const cases: [string, Mixture][] = [
  ["discrete k=3 2-D", discrete2],
  ["discrete 5-D", discrete5],
  ["circle", ring],
  ["off-centre circle", circleOff],
  ["3-D sphere", sphere3],
  ["X segments", xSegments],
  ["2-D balls", balls2],
  ["3-D ball", ball3],
];

const TIMES = [0, 0.05, 0.5, 2];

// ---------------------------------------------------------------------------------------

describe("score is the gradient of logpdf", () => {
  // Central differences with h = 1e-5 have truncation error ~h²|∂³ log p| ≈ 1e-10 and
  // rounding error ~1e-16·|log p|/h ≈ 1e-10, so 1e-6·(1 + |s|) has a wide margin.
  it.each(cases)("%s", (_, m) => {
    const n = m.dim;
    const x = m.sample(8, 3);
    const h = 1e-5;
    for (const t of TIMES) {
      const s = m.score(x, t);
      for (let r = 0; r < 8; r++) {
        for (let d = 0; d < n; d++) {
          const xp = x.slice(r * n, (r + 1) * n);
          const xm = xp.slice();
          xp[d] += h;
          xm[d] -= h;
          const fd = (m.logpdf(xp, t)[0] - m.logpdf(xm, t)[0]) / (2 * h);
          expect(Math.abs(fd - s[r * n + d])).toBeLessThan(1e-6 * (1 + Math.abs(s[r * n + d])));
        }
      }
    }
  });
});

describe("closed forms and brute-force quadrature", { timeout: 60000 }, () => {
  // Required accuracy: 1e-9 in log p (relative in p) and 1e-9·(1 + |r|) in the residual.
  const LOGTOL = 1e-9;
  const close = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThan(LOGTOL * (1 + Math.abs(want)));
  const times = [0, 0.05, 0.5, 2, 5];

  it("discrete: Bayes' rule with the component densities written out", () => {
    for (const m of [discrete2, discrete5]) {
      const n = m.dim;
      const x = testPoints(m, [Array(n).fill(0), Array(n).fill(4)]);
      for (const t of times) {
        const a = Math.exp(-t);
        const lp = m.logpdf(x, t);
        const res = m.residual(x, t);
        for (let r = 0; r < x.length / n; r++) {
          const xr = x.subarray(r * n, (r + 1) * n);
          const dens = m.means.map(
            (mu, i) => m.weights[i] * (2 * Math.PI) ** (-n / 2) * Math.exp(-0.5 * norm(mu.map((v, d) => xr[d] - a * v)) ** 2),
          );
          const p = dens.reduce((s, v) => s + v, 0);
          close(lp[r], Math.log(p));
          for (let d = 0; d < n; d++) close(res[r * n + d], (a * dens.reduce((s, v, i) => s + v * m.means[i][d], 0)) / p);
        }
      }
    }
  });

  /** Sphere in n-D: E_ω[e^{κ cos θ}] = Γ(n/2)(κ/2)^{1−n/2} I_{n/2−1}(κ), E[cos θ] = I_{n/2}/I_{n/2−1}. */
  function sphereExact(m: SphereMixture, x: Float64Array, t: number) {
    const n = m.dim;
    const a = Math.exp(-t);
    const R = m.radius;
    const y = Array.from(x, (v, d) => v - a * m.center[d]);
    const k = a * R * norm(y);
    let logE: number, cos: number;
    if (n === 2) {
      logE = Math.log(besselI(0, k));
      cos = besselI(1, k) / besselI(0, k);
    } else if (n === 3) {
      logE = k === 0 ? 0 : k > 20 ? k - Math.log(2 * k) + Math.log1p(-Math.exp(-2 * k)) : Math.log(Math.sinh(k) / k);
      cos = 1 / Math.tanh(k) - 1 / k;
    } else if (n === 4) {
      logE = Math.log((2 * besselI(1, k)) / k);
      cos = besselI(2, k) / besselI(1, k);
    } else throw new Error("no closed form here");
    const logp = -0.5 * n * LOG_2PI - 0.5 * norm(y) ** 2 - 0.5 * a * a * R * R + logE;
    const res = y.map((v, d) => a * (m.center[d] + (R * cos * v) / norm(y)));
    return { logp, res };
  }

  it.each([
    ["circle", ring],
    ["off-centre circle", circleOff],
    ["3-D sphere", sphere3],
    ["4-D sphere", sphere4],
  ] as const)("%s against Bessel closed forms, |x − a c| up to 3 radii", (_, m) => {
    const n = m.dim;
    const dirs = [Array.from({ length: n }, (_, d) => (d === 0 ? 1 : 0)), Array.from({ length: n }, (_, d) => (d + 1) / n)];
    const extra: number[][] = [];
    for (const u of dirs) for (const s of [0.37, 1, 2, 3]) extra.push(u.map((v, d) => m.center[d] + (s * m.radius * v) / norm(u)));
    const x = testPoints(m, extra);
    for (const t of times) {
      const lp = m.logpdf(x, t);
      const res = m.residual(x, t);
      for (let r = 0; r < x.length / n; r++) {
        const want = sphereExact(m, x.subarray(r * n, (r + 1) * n), t);
        close(lp[r], want.logp);
        for (let d = 0; d < n; d++) close(res[r * n + d], want.res[d]);
      }
    }
  });

  it("3-D sphere far out: aR|x| up to 450", () => {
    const x = new Float64Array([90, 120, 0, 0, 0, -150]);
    for (const t of [0, 0.05]) {
      const lp = sphere3.logpdf(x, t);
      const res = sphere3.residual(x, t);
      for (let r = 0; r < 2; r++) {
        const want = sphereExact(sphere3, x.subarray(3 * r, 3 * r + 3), t);
        expect(Math.abs(lp[r] - want.logp)).toBeLessThan(1e-12 * Math.abs(want.logp));
        for (let d = 0; d < 3; d++) close(res[3 * r + d], want.res[d]);
      }
    }
  });

  it("segments: Simpson on each segment in the variable s", () => {
    // p_t(x) = Σ_j w_j ∫_0^1 N(x; a(A + s(B − A)), I) ds; Simpson with 4e4 intervals has
    // relative error ≲ h⁴·max|f⁗/f|/180 < 1e-12 for these peaks (width ≥ 1/(aL) ≈ 0.07).
    const m = xSegments;
    const x = testPoints(m, [[0, 0], [10, 0], [-3, 12], [15, 15], [1e-3, 2]]);
    for (const t of times) {
      const a = Math.exp(-t);
      const lp = m.logpdf(x, t);
      const res = m.residual(x, t);
      for (let r = 0; r < x.length / 2; r++) {
        const xr = [x[2 * r], x[2 * r + 1]];
        const terms = m.segments.map(([A, B], j) => {
          const f = (s: number) => A.map((v, d) => xr[d] - a * (v + s * (B[d] - v)));
          const logf = (s: number) => -LOG_2PI - 0.5 * norm(f(s)) ** 2;
          let top = -Infinity;
          for (let i = 0; i <= 1000; i++) top = Math.max(top, logf(i / 1000));
          const Z = simpson((s) => Math.exp(logf(s) - top), 0, 1, 40000);
          const S = simpson((s) => s * Math.exp(logf(s) - top), 0, 1, 40000);
          return { log: Math.log(m.weights[j]) + top + Math.log(Z), mu: A.map((v, d) => v + (S / Z) * (B[d] - v)) };
        });
        const top = Math.max(...terms.map((q) => q.log));
        const p = terms.map((q) => Math.exp(q.log - top));
        const sum = p[0] + p[1];
        close(lp[r], top + Math.log(sum));
        for (let d = 0; d < 2; d++) close(res[2 * r + d], (a * (p[0] * terms[0].mu[d] + p[1] * terms[1].mu[d])) / sum);
      }
    }
  });

  it.each([
    ["2-D balls", balls2],
    ["3-D ball", ball3],
  ] as const)("%s: radial Simpson with the sphere closed forms inside", (_, m) => {
    // Uniform on a ball = radius with density n r^{n−1}/ρⁿ times uniform on the sphere of
    // radius r, whose average of e^{κ cos θ} is I_0(κ) (n = 2) or sinh κ/κ (n = 3).
    const n = m.dim;
    // e = E[e^{κ cos θ}], ec = E[cos θ·e^{κ cos θ}] on the unit sphere.
    const sphereAvg = (k: number) => {
      if (n === 2) return { e: besselI(0, k), ec: besselI(1, k) };
      if (k < 1e-4) return { e: 1 + (k * k) / 6, ec: k / 3 };
      return { e: Math.sinh(k) / k, ec: Math.cosh(k) / k - Math.sinh(k) / (k * k) };
    };
    const x = testPoints(m, [Array(n).fill(0), Array(n).fill(3), Array.from({ length: n }, (_, d) => 8 - 3 * d)]);
    for (const t of times) {
      const a = Math.exp(-t);
      const lp = m.logpdf(x, t);
      const res = m.residual(x, t);
      for (let r = 0; r < x.length / n; r++) {
        let p = 0;
        const mean = new Array(n).fill(0);
        m.centers.forEach((c, j) => {
          const rho = m.radii[j];
          const y = c.map((v, d) => x[r * n + d] - a * v);
          const ny = norm(y);
          const base = (2 * Math.PI) ** (-n / 2) * Math.exp(-0.5 * ny * ny);
          const radial = (u: number) => ((n * u ** (n - 1)) / rho ** n) * Math.exp(-0.5 * a * a * u * u);
          const Z = simpson((u) => radial(u) * sphereAvg(a * ny * u).e, 0, rho, 4000);
          const Ez = simpson((u) => u * radial(u) * sphereAvg(a * ny * u).ec, 0, rho, 4000);
          const pj = m.weights[j] * base * Z;
          p += pj;
          for (let d = 0; d < n; d++) mean[d] += pj * (c[d] + (ny > 0 ? (Ez / Z) * (y[d] / ny) : 0));
        });
        close(lp[r], Math.log(p));
        for (let d = 0; d < n; d++) close(res[r * n + d], (a * mean[d]) / p);
      }
    }
  });
});

describe("Monte Carlo identities", { timeout: 60000 }, () => {
  /** Independent draws of μ ~ ν, written from the definitions. */
  function drawMu(m: Mixture, count: number): number[][] {
    const rng = seedrandom(`mu:${m.kind}:${m.dim}`);
    const z = gaussians(count * m.dim, `mu-dir:${m.kind}`);
    const pickIndex = (w: number[]) => {
      let u = rng();
      let i = 0;
      while (i < w.length - 1 && (u -= w[i]) >= 0) i++;
      return i;
    };
    return Array.from({ length: count }, (_, r) => {
      const g = Array.from(z.subarray(r * m.dim, (r + 1) * m.dim));
      if (m instanceof GaussianMixture) return m.means[pickIndex(m.weights)];
      if (m instanceof SphereMixture) return g.map((v, d) => m.center[d] + (m.radius * v) / norm(g));
      if (m instanceof SegmentsMixture) {
        const [A, B] = m.segments[pickIndex(m.weights)];
        const s = rng();
        return A.map((v, d) => v + s * (B[d] - v));
      }
      if (m instanceof BallsMixture) {
        const j = pickIndex(m.weights);
        for (;;) {
          const v = m.centers[j].map(() => (2 * rng() - 1) * m.radii[j]); // rejection from the cube
          if (norm(v) <= m.radii[j]) return v.map((u, d) => m.centers[j][d] + u);
        }
      }
      throw new Error("unknown mixture");
    });
  }

  it.each(cases)("%s: residual = a·E[μ|x] by importance weighting over μ ~ ν (5 standard errors)", (_, m) => {
    // Posterior ∝ exp(a⟨x, μ⟩ − a²|μ|²/2) dν(μ): self-normalised importance sampling with ν
    // as the proposal; its delta-method standard error sets the tolerance.
    const n = m.dim;
    const mus = drawMu(m, 100000);
    const x = m.sample(4, 5);
    for (const t of [0.5, 2]) {
      const a = Math.exp(-t);
      const res = m.residual(x, t);
      for (let r = 0; r < 4; r++) {
        const xr = x.subarray(r * n, (r + 1) * n);
        const lw = mus.map((mu) => mu.reduce((s, v, d) => s + a * xr[d] * v - 0.5 * a * a * v * v, 0));
        const top = Math.max(...lw);
        const w = lw.map((l) => Math.exp(l - top));
        const W = w.reduce((s, v) => s + v, 0);
        for (let d = 0; d < n; d++) {
          const est = w.reduce((s, v, i) => s + v * mus[i][d], 0) / W;
          const se = Math.sqrt(w.reduce((s, v, i) => s + (v * (mus[i][d] - est)) ** 2, 0)) / W;
          expect(Math.abs(res[r * n + d] / a - est)).toBeLessThan(5 * se + 1e-9);
        }
      }
    }
  });

  /** x_t = a x₀ + σ ξ with x₀ from the mixture's sampler and ξ from an independent stream. */
  function noised(m: Mixture, count: number, t: number) {
    const a = Math.exp(-t);
    const sigma = Math.sqrt(1 - a * a);
    const x0 = m.sample(count, 21);
    const xi = gaussians(x0.length, `xi:${m.kind}:${t}`);
    return { a, sigma, x0, xt: x0.map((v, i) => a * v + sigma * xi[i]) };
  }

  it.each(cases)("%s: E[s(x_t)] = 0 and E[|s|² + ∇·s] = 0 (5 standard errors)", (_, m) => {
    // Integration by parts under p_t: E[s] = ∫∇p_t = 0 and E[|s|²] = −E[∇·s].
    const n = m.dim;
    const count = m.kind === "discrete" ? 4000 : 1500;
    for (const t of [0, 0.5]) {
      const { xt } = noised(m, count, t);
      const s = m.score(xt, t);
      const h = 1e-4;
      const div = new Float64Array(count);
      for (let d = 0; d < n; d++) {
        const xp = xt.slice();
        const xm = xt.slice();
        for (let r = 0; r < count; r++) {
          xp[r * n + d] += h;
          xm[r * n + d] -= h;
        }
        const sp = m.score(xp, t);
        const sm = m.score(xm, t);
        for (let r = 0; r < count; r++) div[r] += (sp[r * n + d] - sm[r * n + d]) / (2 * h);
      }
      const rows = Array.from({ length: count }, (_, r) => {
        const sr = Array.from(s.subarray(r * n, (r + 1) * n));
        return [...sr, norm(sr) ** 2 + div[r]];
      });
      const { mean, se } = meanSE(rows);
      mean.forEach((v, j) => expect(Math.abs(v)).toBeLessThan(5 * se[j]));
    }
  });

  it.each([
    ["discrete k=3 2-D", discrete2],
    ["circle", ring],
    ["X segments", xSegments],
    ["2-D balls", balls2],
  ] as const)("%s: Tweedie, E[x₀ − a x_t − (σ²/a) r(x_t) | x_t] = 0 (5 standard errors)", (_, m) => {
    // E[x₀ | x_t] = a x_t + σ² E[μ | x_t], so the error is orthogonal to any ψ(x_t).
    const n = m.dim;
    const count = 10000;
    const t = 0.5;
    const { a, sigma, x0, xt } = noised(m, count, t);
    const res = m.residual(xt, t);
    const rows = Array.from({ length: count }, (_, r) => {
      const e = Array.from({ length: n }, (_, d) => x0[r * n + d] - a * xt[r * n + d] - ((sigma * sigma) / a) * res[r * n + d]);
      const psi = [1, xt[r * n], xt[r * n + 1], Math.cos(xt[r * n]), Math.tanh(xt[r * n + 1])];
      return psi.flatMap((p) => e.map((v) => p * v));
    });
    const { mean, se } = meanSE(rows);
    mean.forEach((v, j) => expect(Math.abs(v)).toBeLessThan(5 * se[j]));
  });
});

describe("normalisation: a grid sum of p_t over a box covering the support", { timeout: 60000 }, () => {
  // By Poisson summation, h^n Σ p_t(hk) − 1 is bounded by the Fourier transform of p_t at
  // 2π/h, which carries the factor e^{−(2π/h)²/2} of the unit Gaussian: e^{−79} for h = 0.5.
  // The box reaches ≥ 9 beyond the support, so the truncated tail is ~e^{−40}. Hence 1e-9.
  function gridSum(m: Mixture, lo: number, hi: number, h: number, t: number): number {
    const ticks = Array.from({ length: Math.round((hi - lo) / h) + 1 }, (_, i) => lo + i * h);
    const n = m.dim;
    const pts: number[] = [];
    const idx = new Array(n).fill(0);
    for (;;) {
      pts.push(...idx.map((i) => ticks[i]));
      let d = 0;
      while (d < n && ++idx[d] === ticks.length) idx[d++] = 0;
      if (d === n) break;
    }
    return m.logpdf(new Float64Array(pts), t).reduce((s, v) => s + Math.exp(v), 0) * h ** n;
  }

  it.each([
    ["blobs2d", mixtureFromSpec(presets.blobs2d), 17],
    ["circle", ring, 15],
    ["X segments", xSegments, 17],
    ["2-D balls", balls2, 16],
  ] as const)("%s at t = 0 and t = 1 (2-D, h = 0.5)", (_, m, half) => {
    for (const t of [0, 1]) expect(Math.abs(gridSum(m, -half, half, 0.5, t) - 1)).toBeLessThan(1e-9);
  });

  it.each([
    ["3-D sphere", sphere3, 12],
    ["3-D ball", ball3, 12],
  ] as const)("%s at t = 0 and t = 1 (3-D, h = 0.75: aliasing ≤ e^{−35})", (_, m, half) => {
    for (const t of [0, 1]) expect(Math.abs(gridSum(m, -half, half, 0.75, t) - 1)).toBeLessThan(1e-9);
  });
});

describe("sampling", () => {
  /** Analytic mean and covariance of x = μ + ξ: E[μ] and Cov[μ] + I. */
  function moments(m: Mixture): { mean: number[]; cov: number[][] } {
    const n = m.dim;
    // Components as (weight, mean, within-component covariance of μ).
    let comps: { w: number; mu: number[]; cov: (i: number, j: number) => number }[];
    if (m instanceof GaussianMixture) comps = m.means.map((mu, i) => ({ w: m.weights[i], mu, cov: () => 0 }));
    else if (m instanceof SphereMixture) {
      // Uniform ω on the unit sphere: E[ωωᵀ] = I/n.
      comps = [{ w: 1, mu: m.center, cov: (i, j) => (i === j ? m.radius ** 2 / n : 0) }];
    } else if (m instanceof SegmentsMixture) {
      // s uniform on [0, 1]: Var s = 1/12.
      comps = m.segments.map(([A, B], k) => ({
        w: m.weights[k],
        mu: A.map((v, d) => (v + B[d]) / 2),
        cov: (i, j) => ((B[i] - A[i]) * (B[j] - A[j])) / 12,
      }));
    } else if (m instanceof BallsMixture) {
      // Uniform in the n-ball: E[vvᵀ] = ρ²/(n + 2)·I.
      comps = m.centers.map((c, k) => ({ w: m.weights[k], mu: c, cov: (i, j) => (i === j ? m.radii[k] ** 2 / (n + 2) : 0) }));
    } else throw new Error("unknown");
    const mean = Array.from({ length: n }, (_, d) => comps.reduce((s, c) => s + c.w * c.mu[d], 0));
    const cov = mean.map((_, i) =>
      mean.map((_, j) => comps.reduce((s, c) => s + c.w * (c.cov(i, j) + c.mu[i] * c.mu[j]), 0) - mean[i] * mean[j] + (i === j ? 1 : 0)),
    );
    return { mean, cov };
  }

  const unequalSegments = new SegmentsMixture([[[0, 0], [4, 0]], [[0, 1], [0, 3]]]); // weights 2/3, 1/3 by length
  const unequalBalls = new BallsMixture([[-3, 0], [3, 1]], [1, 2]); // weights 1/5, 4/5 by area

  it("default weights are proportional to length and volume", () => {
    expect(unequalSegments.weights[0]).toBeCloseTo(2 / 3, 15);
    expect(unequalBalls.weights[1]).toBeCloseTo(4 / 5, 15);
    expect(new BallsMixture([[0, 0, 0], [5, 0, 0]], [1, 2]).weights[1]).toBeCloseTo(8 / 9, 15);
  });

  it.each([...cases, ["unequal segments", unequalSegments], ["unequal balls", unequalBalls]] as [string, Mixture][])(
    "%s: mean and covariance within 5 standard errors",
    (_, m) => {
      const n = m.dim;
      const N = 40000;
      const x = m.sample(N, 7);
      expect(x.length).toBe(N * n);
      const want = moments(m);
      const rows = Array.from({ length: N }, (_, r) => Array.from(x.subarray(r * n, (r + 1) * n)));
      const first = meanSE(rows);
      first.mean.forEach((v, d) => expect(Math.abs(v - want.mean[d])).toBeLessThan(5 * first.se[d]));
      // Centre at the true mean so the products are unbiased for the covariance.
      const prods = rows.map((v) => {
        const out: number[] = [];
        for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) out.push((v[i] - want.mean[i]) * (v[j] - want.mean[j]));
        return out;
      });
      const second = meanSE(prods);
      let k = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++, k++) expect(Math.abs(second.mean[k] - want.cov[i][j])).toBeLessThan(5 * second.se[k]);
      }
    },
  );

  it("same seed gives identical rows (and a prefix of a larger draw); different seeds differ", () => {
    for (const [, m] of cases) {
      expect(m.sample(50, 123)).toEqual(m.sample(50, 123));
      expect(m.sample(51, 123)).toEqual(m.sample(80, 123).subarray(0, 51 * m.dim));
      const a = m.sample(50, 123);
      const b = m.sample(50, 124);
      expect(a.some((v, i) => v !== b[i])).toBe(true);
    }
    expect(discrete2.sample(0, 1).length).toBe(0);
  });
});

describe("specs", () => {
  const approx = (a: unknown, b: unknown): void => {
    if (typeof a === "number") expect(a).toBeCloseTo(b as number, 12);
    else if (Array.isArray(a)) {
      expect((b as unknown[]).length).toBe(a.length);
      a.forEach((v, i) => approx(v, (b as unknown[])[i]));
    } else if (typeof a === "object" && a !== null) {
      expect(Object.keys(b as object).sort()).toEqual(Object.keys(a).sort());
      for (const k of Object.keys(a)) approx((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]);
    } else expect(a).toEqual(b);
  };

  it("toSpec ↔ mixtureFromSpec round trip for every preset and case", () => {
    for (const spec of Object.values(presets)) approx(mixtureFromSpec(spec).toSpec(), spec);
    for (const [, m] of cases) {
      const back = mixtureFromSpec(JSON.parse(JSON.stringify(m.toSpec())));
      approx(back.toSpec(), m.toSpec());
      expect(back.kind).toBe(m.kind);
      const x = m.sample(3, 9);
      expect(back.logpdf(x, 0.3)).toEqual(m.logpdf(x, 0.3));
    }
  });

  it("presets match the public benchmark instances", () => {
    const file = fileURLToPath(new URL("./fixtures/instances.json", import.meta.url));
    const { instances } = JSON.parse(readFileSync(file, "utf8"));
    for (const name of ["blobs2d", "ring", "pair-close", "grid9", "balls", "sphere3", "mix8d"]) {
      approx(mixtureFromSpec(presets[name]).toSpec(), mixtureFromSpec(instances[name], name).toSpec());
    }
  });

  it("mix10d: 10-D, k = 5, every pair of means at least 4 apart; the X crosses at the origin", () => {
    const m = mixtureFromSpec(presets.mix10d) as GaussianMixture;
    expect([m.dim, m.k]).toEqual([10, 5]);
    for (let i = 0; i < 5; i++) for (let j = 0; j < i; j++) expect(norm(m.means[i].map((v, d) => v - m.means[j][d]))).toBeGreaterThanOrEqual(4);
    expect(xSegments.segments).toEqual([[[-5, -5], [5, 5]], [[-5, 5], [5, -5]]]);
  });

  it("accepts both spellings and inferred discrete", () => {
    expect(mixtureFromSpec({ type: "circle", radius: 2, center: [0, 1] }).kind).toBe("sphere");
    expect(mixtureFromSpec({ kind: "sphere", radius: 2, center: [0, 1, 2] }).dim).toBe(3);
    expect(mixtureFromSpec({ weights: [1], means: [[0, 0, 0]] }).kind).toBe("discrete");
    expect(mixtureFromSpec({ type: "segments", segments: [[[0], [1]]] }).dim).toBe(1);
    expect(mixtureFromSpec({ type: "balls", centers: [[0, 0]], radii: [1], notes: "ignored" }).dim).toBe(2);
  });

  const bad: [string, unknown, string][] = [
    ["missing field", { kind: "circle", center: [0, 0] }, 'spec: missing "radius" (a positive finite number)'],
    ["negative radius", { kind: "circle", center: [0, 0], radius: -1 }, 'spec: "radius" must be a positive finite number, got -1'],
    [
      "NaN in a mean",
      { weights: [0.5, 0.5], means: [[0, 0], [1, NaN]] },
      'spec: "means[1]" must be an array of 2 finite numbers (the dimension of means[0]), got [1,NaN]',
    ],
    [
      "means of different dimensions",
      { weights: [0.5, 0.5], means: [[0, 0], [1, 2, 3]] },
      'spec: "means[1]" must be an array of 2 finite numbers (the dimension of means[0]), got [1,2,3]',
    ],
    [
      "weights not summing to 1",
      { kind: "discrete", weights: [0.5, 0.6], means: [[0], [1]] },
      'spec: "weights" must be an array of 2 positive finite numbers summing to 1 (±1e-6), got [0.5,0.6]',
    ],
    [
      "too few weights",
      { kind: "discrete", weights: [1], means: [[0], [1]] },
      'spec: "weights" must be an array of 2 positive finite numbers summing to 1 (±1e-6), got [1]',
    ],
    ["missing means", { kind: "discrete", weights: [1] }, 'spec: missing "means" (a non-empty array of points (arrays of finite numbers))'],
    ["unknown type", { type: "torus", radius: 1 }, 'spec: unknown "type" "torus": expected discrete, circle, sphere, segments or balls'],
    ["unknown kind", { kind: 3 }, 'spec: unknown "kind" 3: expected discrete, circle, sphere, segments or balls'],
    ["no kind", { radius: 1 }, 'spec: missing "kind" (one of discrete, circle, sphere, segments or balls)'],
    ["kind and type disagree", { kind: "circle", type: "sphere" }, 'spec: "kind" "circle" and "type" "sphere" disagree'],
    ["3-D circle", { kind: "circle", center: [0, 0, 0], radius: 1 }, 'spec: "center" must be an array of 2 finite numbers, got [0,0,0]'],
    ["1-D sphere", { kind: "sphere", center: [0], radius: 1 }, 'spec: "center" must be an array of at least 2 finite numbers, got [0]'],
    [
      "negative ball radius",
      { kind: "balls", centers: [[0, 0], [3, 3]], radii: [1, -2] },
      'spec: "radii" must be an array of 2 positive finite numbers, got [1,-2]',
    ],
    [
      "zero-length segment",
      { kind: "segments", segments: [[[0, 0], [1, 1]], [[2, 2], [2, 2]]] },
      'spec: "segments[1]" must be a pair of distinct points [[a…], [b…]], got [[2,2],[2,2]]',
    ],
    [
      "segment of the wrong dimension",
      { kind: "segments", segments: [[[0, 0], [1, 1]], [[2, 2, 2], [3, 3, 3]]] },
      'spec: "segments[1][0]" must be an array of 2 finite numbers (the dimension of segments[0]), got [2,2,2]',
    ],
    ["wrong dim", { kind: "sphere", dim: 3, center: [0, 0], radius: 1 }, 'spec: "dim" must be the dimension of the points (2), got 3'],
    ["not an object", [1, 2], "spec: expected a JSON object, got [1,2]"],
  ];

  it.each(bad)("%s", (_, spec, message) => {
    expect(() => mixtureFromSpec(spec)).toThrow(message);
    try {
      mixtureFromSpec(spec);
    } catch (e) {
      expect((e as Error).message).toBe(message); // exactly one line, exactly this text
    }
  });

  it("`where` prefixes the message; constructors name their class", () => {
    expect(() => mixtureFromSpec({ kind: "circle", center: [0, 0], radius: 0 }, "ring.json")).toThrow(
      'ring.json: "radius" must be a positive finite number, got 0',
    );
    expect(() => new GaussianMixture([0.5, 0.5], [[0, 0]])).toThrow(
      'GaussianMixture: "weights" must be an array of 1 positive finite numbers summing to 1 (±1e-6), got [0.5,0.5]',
    );
  });
});
