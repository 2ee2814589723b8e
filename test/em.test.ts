// The EM baseline against instances whose answer is known: recovered weights, means and
// covariances, BIC's choice of k, a normalised density, seeded reproducibility, messages.
import { describe, expect, it } from "vitest";
import { fitEM, logpdfEM, parameterCount, sampleEM, type EMResult } from "../src/em.ts";
import { GaussianMixture } from "../src/mixture.ts";
import { mixtureFromSpec } from "../src/mixture-spec.ts";
import { presets } from "../src/presets.ts";
import { normals, streamState, uniforms } from "../src/random.ts";

const blobs = mixtureFromSpec(presets.blobs2d) as GaussianMixture;
const blobData = blobs.sample(20000, 1);

/** For each true mean, the index of the nearest fitted mean (the instances are separated). */
function match(model: EMResult, means: number[][]): number[] {
  return means.map((mu) => {
    let best = 0, bestD = Infinity;
    model.means.forEach((m, j) => {
      const d = m.reduce((s, v, i) => s + (v - mu[i]) ** 2, 0);
      if (d < bestD) [best, bestD] = [j, d];
    });
    return best;
  });
}

describe("recovery on separated instances (m = 2e4)", () => {
  // Sampling error: a weight's sd is √(w(1−w)/m) ≤ 0.0033, a mean coordinate's 1/√(w m) ≤ 0.023.
  it("blobs2d, k = 5 identity: weights within 0.015, means within 0.1 per coordinate", () => {
    const r = fitEM(blobData, { dim: 2, k: 5, seed: 1 });
    expect(r.k).toBe(5);
    expect(r.converged).toBe(true);
    const idx = match(r, blobs.means);
    expect(new Set(idx).size).toBe(5);
    idx.forEach((j, i) => {
      expect(Math.abs(r.weights[j] - blobs.weights[i])).toBeLessThan(0.015);
      r.means[j].forEach((v, d) => expect(Math.abs(v - blobs.means[i][d])).toBeLessThan(0.1));
    });
    expect(r.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
    expect(r.covariances[0]).toEqual([1, 0, 0, 1]);
  });

  it("mix8d, k = 5 identity (8-D): weights within 0.015, means within 0.1", () => {
    const truth = mixtureFromSpec(presets.mix8d) as GaussianMixture;
    const r = fitEM(truth.sample(20000, 2), { dim: 8, k: 5, seed: 1 });
    const idx = match(r, truth.means);
    expect(new Set(idx).size).toBe(5);
    idx.forEach((j, i) => {
      expect(Math.abs(r.weights[j] - truth.weights[i])).toBeLessThan(0.015);
      r.means[j].forEach((v, d) => expect(Math.abs(v - truth.means[i][d])).toBeLessThan(0.1));
    });
  });

  it("full covariance recovers a known anisotropic covariance within 0.06 per entry", () => {
    // Two 3-D components: Σ₁ = L₁L₁ᵀ anisotropic and correlated, Σ₂ = diag(0.25, 1, 4).
    const m = 20000, n = 3;
    const L1 = [[1.5, 0, 0], [0.8, 0.6, 0], [-0.3, 0.2, 0.4]];
    const L2 = [[0.5, 0, 0], [0, 1, 0], [0, 0, 2]];
    const mu = [[-6, 0, 0], [6, 2, -1]];
    const w = [0.6, 0.4];
    const u = uniforms(m, streamState(5, "test-pick"));
    const z = normals(m * n, streamState(5, "test-noise"));
    const x = new Float64Array(m * n);
    for (let t = 0; t < m; t++) {
      const j = u[t] < w[0] ? 0 : 1, L = j === 0 ? L1 : L2;
      for (let i = 0; i < n; i++) {
        let v = mu[j][i];
        for (let c = 0; c <= i; c++) v += L[i][c] * z[t * n + c];
        x[t * n + i] = v;
      }
    }
    const r = fitEM(x, { dim: n, k: 2, covariance: "full", seed: 2 });
    const idx = match(r, mu);
    [L1, L2].forEach((L, c) => {
      const got = r.covariances[idx[c]];
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const want = L[i].reduce((s, v, q) => s + v * L[j][q], 0);
          expect(Math.abs(got[i * n + j] - want)).toBeLessThan(0.06 * Math.max(1, want));
        }
      }
      expect(Math.abs(r.weights[idx[c]] - w[c])).toBeLessThan(0.015);
    });
  });
});

describe("choosing k", () => {
  it("BIC picks k = 5 on blobs2d and k = 9 on grid9 (identity, kRange [1, 10])", () => {
    const r = fitEM(blobData, { dim: 2, k: "bic", seed: 1 });
    expect(r.k).toBe(5);
    expect(r.criteria!.map((c) => c.k)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const grid = mixtureFromSpec(presets.grid9);
    expect(fitEM(grid.sample(20000, 3), { dim: 2, k: "bic", seed: 1 }).k).toBe(9);
  });

  it("BIC with full covariances picks k = 5 on blobs2d; AIC over a narrow range", () => {
    expect(fitEM(blobData, { dim: 2, k: "bic", covariance: "full", kRange: [3, 7], seed: 1 }).k).toBe(5);
    const a = fitEM(blobData, { dim: 2, k: "aic", kRange: [4, 6], seed: 1 });
    expect(a.criteria!.map((c) => c.k)).toEqual([4, 5, 6]);
    expect(a.aic).toBe(Math.min(...a.criteria!.map((c) => c.aic)));
  });

  it("BIC and AIC follow the parameter counts of each covariance type", () => {
    expect(parameterCount(5, 2, "identity")).toBe(4 + 10);
    expect(parameterCount(5, 2, "full")).toBe(4 + 10 + 15);
    for (const covariance of ["identity", "full"] as const) {
      const r = fitEM(blobData, { dim: 2, k: 5, covariance, seed: 1 });
      const p = parameterCount(5, 2, covariance);
      expect(r.bic).toBeCloseTo(-2 * r.logLikelihood + p * Math.log(20000), 6);
      expect(r.aic).toBeCloseTo(-2 * r.logLikelihood + 2 * p, 6);
      // the total log-likelihood is the sum of logpdfEM over the rows
      const lp = logpdfEM(r, blobData).reduce((s, v) => s + v, 0);
      expect(Math.abs(lp - r.logLikelihood)).toBeLessThan(1e-6 * Math.abs(lp));
    }
  });
});

describe("density and sampling", () => {
  it("logpdfEM integrates to 1 on a 2-D grid (identity and full), within 1e-4", () => {
    for (const covariance of ["identity", "full"] as const) {
      const r = fitEM(blobData, { dim: 2, k: 5, covariance, seed: 1 });
      const h = 0.1, lo = -16, N = 400; // [-16, 24]² covers every mean ± 10
      const pts = new Float64Array(N * N * 2);
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) pts.set([lo + (i + 0.5) * h, lo + (j + 0.5) * h], (i * N + j) * 2);
      const total = logpdfEM(r, pts).reduce((s, v) => s + Math.exp(v), 0) * h * h;
      expect(Math.abs(total - 1)).toBeLessThan(1e-4);
    }
  });

  it("sampleEM draws from the fitted mixture: component shares and means within sampling error", () => {
    const r = fitEM(blobData, { dim: 2, k: 5, covariance: "full", seed: 1 });
    const xs = sampleEM(r, 50000, 7);
    expect(xs.length).toBe(100000);
    const counts = new Array(5).fill(0), sums = r.means.map(() => [0, 0]);
    for (let t = 0; t < 50000; t++) {
      const j = match({ ...r, means: r.means }, [[xs[2 * t], xs[2 * t + 1]]])[0];
      counts[j]++;
      sums[j][0] += xs[2 * t];
      sums[j][1] += xs[2 * t + 1];
    }
    r.weights.forEach((w, j) => {
      expect(Math.abs(counts[j] / 50000 - w)).toBeLessThan(0.01);
      sums[j].forEach((s, d) => expect(Math.abs(s / counts[j] - r.means[j][d])).toBeLessThan(0.1));
    });
  });
});

describe("reproducibility and options", () => {
  it("same seed → identical results; a different seed → a different run; sampleEM is seeded", () => {
    const data = blobData.subarray(0, 4000);
    const a = fitEM(data, { dim: 2, k: 7, seed: 3 }), b = fitEM(data, { dim: 2, k: 7, seed: 3 });
    expect(a).toEqual(b);
    const c = fitEM(data, { dim: 2, k: 7, seed: 4, nInit: 1 }), d = fitEM(data, { dim: 2, k: 7, seed: 3, nInit: 1 });
    expect(c.means).not.toEqual(d.means);
    expect(sampleEM(a, 100, 1)).toEqual(sampleEM(b, 100, 1));
    expect(sampleEM(a, 100, 1)).not.toEqual(sampleEM(a, 100, 2));
  });

  it("converged and iterations report the run: maxIter 2 with tol 0 stops unconverged after 2", () => {
    const r = fitEM(blobData, { dim: 2, k: 5, maxIter: 2, tol: 0 });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(2);
  });

  it("accepts number[][]; validates options with messages that name them", () => {
    const rows = [[0, 0], [1, 1], [5, 5], [6, 6], [0, 1], [5, 6]];
    expect(fitEM(rows, { k: 2 }).k).toBe(2);
    expect(() => fitEM(rows, { k: 0 })).toThrow('invalid option "k": expected an integer in [1, 1000] or "bic" or "aic", got 0');
    expect(() => fitEM(rows, { k: "best" as never })).toThrow('invalid option "k": expected an integer in [1, 1000] or "bic" or "aic", got "best"');
    expect(() => fitEM(rows, { k: 7 })).toThrow('invalid option "k": 7 components need at least 7 rows, got 6');
    expect(() => fitEM(rows, { covariance: "diag" as never })).toThrow('invalid option "covariance": expected one of "identity", "full", got "diag"');
    expect(() => fitEM(rows, { k: "bic", kRange: [3, 2] })).toThrow('invalid option "kRange": expected [kMin, kMax] with integers 1 ≤ kMin ≤ kMax ≤ 1000, got [3,2]');
    expect(() => fitEM(rows, { k: 2, kRange: [1, 3] })).toThrow('invalid option "kRange": only used when "k" is "bic" or "aic", but "k" is 2');
    expect(() => fitEM(rows, { nInit: 0 })).toThrow('invalid option "nInit": expected an integer in [1, 1000], got 0');
    expect(() => fitEM(rows, { tol: -1 })).toThrow('invalid option "tol": expected a number in [0, 1], got -1');
    expect(() => fitEM(rows, { kmax: 3 } as never)).toThrow('unknown option "kmax"');
    expect(() => fitEM(new Float64Array(6))).toThrow('a flat Float64Array needs the option "dim"');
  });
});
