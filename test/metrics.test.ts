// The metrics against known answers: the closed-form TV, MMD and energy distance of shifted
// Gaussians, exact projections of the continuous mixtures, identical distributions at the
// floor, and the score error of models whose error is known.
import { describe, expect, it } from "vitest";
import {
  energy1d, energyDistance, evaluate, histogramTV, histogramTVFloor, mmd2, normalCdf, projectMixture, scoreError,
  slicedTV, slicingConstant, tvAgainstAtoms, tvBetweenSamples,
} from "../src/metrics/index.ts";
import { mixtureCdf } from "../src/metrics/projection.ts";
import { project } from "../src/metrics/rows.ts";
import { GaussianMixture, type Mixture } from "../src/mixture.ts";
import { mixtureFromSpec } from "../src/mixture-spec.ts";
import { presets } from "../src/presets.ts";

const closedTV = (delta: number) => 2 * normalCdf(delta / 2) - 1;
/** E|Z| for Z ~ N(μ, s²). */
const absMean = (mu: number, s: number) => s * Math.sqrt(2 / Math.PI) * Math.exp(-(mu * mu) / (2 * s * s)) + mu * (1 - 2 * normalCdf(-mu / s));

describe("normal CDF", () => {
  it("matches reference values (Python math.erfc) to 1e-15 absolute", () => {
    const ref: [number, number][] = [
      [-8.5, 9.479534822203355e-18], [-6, 9.865876450377012e-10], [-4.2, 1.3345749015906346e-05], [-3, 0.0013498980316300957],
      [-1, 0.15865525393145707], [0, 0.5], [0.3, 0.6179114221889526], [1, 0.8413447460685429], [2.5, 0.9937903346742238], [8, 0.9999999999999993],
    ];
    for (const [z, p] of ref) expect(Math.abs(normalCdf(z) - p)).toBeLessThan(1e-15);
  });
});

describe("TV of shifted Gaussians: 2Φ(Δ/2) − 1", () => {
  const N = 100000;
  it("1-D (sliced TV has the one direction): within 0.01 for Δ = 0.5, 1, 2", () => {
    const truth = new GaussianMixture([1], [[0]]);
    for (const delta of [0.5, 1, 2]) {
      const x = new GaussianMixture([1], [[delta]]).sample(N, 3);
      expect(Math.abs(slicedTV(x, truth).value - closedTV(delta))).toBeLessThan(0.01);
      // two samples on shared bins: the same within 0.02 (finer bins, two samples' noise)
      const y = truth.sample(N, 4);
      expect(Math.abs(tvBetweenSamples(x, y) - closedTV(delta))).toBeLessThan(0.02);
    }
  });

  it("2-D: the histogram TV within 0.015 for Δ = 1, 2; sliced TV along each direction v is 2Φ(Δ|v₁|/2) − 1 within 0.012", () => {
    const truth = new GaussianMixture([1], [[0, 0]]);
    for (const delta of [1, 2]) {
      const x = new GaussianMixture([1], [[delta, 0]]).sample(N, 5);
      expect(Math.abs(histogramTV(x, truth) - closedTV(delta))).toBeLessThan(0.015);
      const s = slicedTV(x, truth);
      expect(s.perDirection.length).toBe(2 + 16);
      s.perDirection.forEach((tv, d) => expect(Math.abs(tv - closedTV(delta * Math.abs(s.directions[2 * d])))).toBeLessThan(0.012));
    }
  });
});

describe("projections of the continuous mixtures are exact", () => {
  // Kolmogorov distance between the quadrature CDF of ⟨v, x⟩ and 200 000 projected rows:
  // the sampling error alone is ~1/√N·(0.8 typical, 1.6 at 1%) ≈ 0.002–0.004.
  const cases: [string, Mixture][] = [
    ["ring", mixtureFromSpec(presets.ring)],
    ["sphere3", mixtureFromSpec(presets.sphere3)],
    ["balls (2-D)", mixtureFromSpec(presets.balls)],
    ["balls (3-D)", mixtureFromSpec({ kind: "balls", dim: 3, centers: [[-3, 0, 0], [3, 1, 0]], radii: [2, 1] })],
    ["x (segments)", mixtureFromSpec(presets.x)],
  ];
  for (const [name, truth] of cases) {
    it(`${name}: Kolmogorov distance < 0.004 along a skew direction`, () => {
      const n = truth.dim, v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = (i + 1) * (i % 2 ? -1 : 1);
      const norm = Math.hypot(...v);
      v.forEach((_, i) => (v[i] /= norm));
      const p = project(truth.sample(200000, 8), n, v).sort();
      const atoms = projectMixture(truth, v);
      expect(atoms.w.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
      const grid = Float64Array.from({ length: 200 }, (_, k) => p[Math.floor((k + 0.5) * (p.length / 200))]);
      const F = mixtureCdf(atoms, grid);
      let ks = 0;
      grid.forEach((g, k) => (ks = Math.max(ks, Math.abs(F[k] - (Math.floor((k + 0.5) * (p.length / 200)) + 0.5) / p.length))));
      expect(ks).toBeLessThan(0.004);
    });
  }
});

describe("MMD and energy distance", () => {
  const g0 = new GaussianMixture([1], [[0, 0]]), g1 = new GaussianMixture([1], [[1, 0]]);
  const x = g0.sample(20000, 1), y = g0.sample(20000, 2), z = g1.sample(20000, 3);

  it("MMD²: equal samples ≈ 0 (|·| < 1e-3), shifted by 1 ≈ the closed form 2(h²/(h²+2))(1 − e^{−1/(2(h²+2))}) within 0.01", () => {
    expect(Math.abs(mmd2(x, x, 2))).toBeLessThan(1e-3);
    expect(Math.abs(mmd2(x, y, 2))).toBeLessThan(1e-3);
    const h = 1, exact = 2 * (h * h / (h * h + 2)) * (1 - Math.exp(-1 / (2 * (h * h + 2))));
    expect(Math.abs(mmd2(z, x, 2, { bandwidth: h }) - exact)).toBeLessThan(0.01);
    expect(mmd2(z, x, 2)).toBeGreaterThan(0.05);
  });

  it("energy: 1-D shifted Gaussians match 2E|N(Δ, 2)| − 2E|N(0, 2)| within 0.02; equal samples ≈ 0", () => {
    const a = new GaussianMixture([1], [[0]]).sample(20000, 4), b = new GaussianMixture([1], [[1]]).sample(20000, 5);
    const exact = 2 * absMean(1, Math.SQRT2) - 2 * absMean(0, Math.SQRT2);
    expect(Math.abs(energy1d(b, a) - exact)).toBeLessThan(0.02);
    expect(Math.abs(energy1d(a, a))).toBeLessThan(1e-3);
    expect(Math.abs(energyDistance(x, x, 2))).toBeLessThan(1e-3);
    expect(Math.abs(energyDistance(x, y, 2))).toBeLessThan(3e-3);
    expect(energyDistance(z, x, 2)).toBeGreaterThan(0.3);
  });

  it("energy: the sliced form equals the direct O(N²) U-statistic in 3-D (2000 directions, within 3%)", () => {
    expect(slicingConstant(1)).toBeCloseTo(1, 14);
    expect(slicingConstant(2)).toBeCloseTo(Math.PI / 2, 14);
    const a = new GaussianMixture([1], [[0, 0, 0]]).sample(400, 6), b = new GaussianMixture([0.5, 0.5], [[1.5, 0, 0], [-1, 1, 1]]).sample(300, 7);
    const mean = (p: Float64Array, q: Float64Array, same: boolean) => {
      let s = 0, c = 0;
      for (let i = 0; i < p.length / 3; i++) {
        for (let j = 0; j < q.length / 3; j++) {
          if (same && i === j) continue;
          s += Math.hypot(p[3 * i] - q[3 * j], p[3 * i + 1] - q[3 * j + 1], p[3 * i + 2] - q[3 * j + 2]);
          c++;
        }
      }
      return s / c;
    };
    const direct = 2 * mean(a, b, false) - mean(a, a, true) - mean(b, b, true);
    expect(Math.abs(energyDistance(a, b, 3, { directions: 2000 }) / direct - 1)).toBeLessThan(0.03);
  });
});

describe("evaluate", () => {
  it("a fresh sample of the truth scores at its floor (blobs2d, 20 000 rows)", () => {
    const truth = mixtureFromSpec(presets.blobs2d);
    const r = evaluate(truth.sample(20000, 11), { dim: 2, truth, seed: 1 });
    expect(Object.keys(r)).toEqual(["tv2d", "slicedTV", "mmd", "energy"]);
    for (const k of ["tv2d", "slicedTV"]) {
      expect(r[k].floor).toBeGreaterThan(0.005); // a real sampling error
      expect(Math.abs(r[k].value - r[k].floor)).toBeLessThan(0.15 * r[k].floor);
    }
    for (const k of ["mmd", "energy"]) {
      expect(Math.abs(r[k].value)).toBeLessThan(2e-3);
      expect(Math.abs(r[k].floor)).toBeLessThan(2e-3);
    }
    expect(histogramTVFloor(truth, 20000, 0x51ab0000 + 1)).toBe(r.tv2d.floor);
  });

  it("a shifted sample scores far above the floor; in 8-D there is no tv2d", () => {
    const truth = mixtureFromSpec(presets.mix8d) as GaussianMixture;
    const moved = new GaussianMixture(truth.weights, truth.means.map((m) => m.map((v, i) => (i === 0 ? v + 1 : v))));
    const r = evaluate(moved.sample(5000, 1), { dim: 8, truth });
    expect(Object.keys(r)).toEqual(["slicedTV", "mmd", "energy"]);
    expect(r.slicedTV.value).toBeGreaterThan(2 * r.slicedTV.floor);
    expect(r.mmd.value).toBeGreaterThan(10 * Math.abs(r.mmd.floor) + 1e-3);
    expect(r.energy.value).toBeGreaterThan(10 * Math.abs(r.energy.floor) + 1e-3);
  });

  it("against a reference sample: the same distribution at the floor, a shifted one above it", () => {
    const g0 = new GaussianMixture([1], [[0, 0]]), ref = g0.sample(20000, 5);
    const same = evaluate(g0.sample(10000, 9), { dim: 2, reference: ref });
    expect(Object.keys(same)).toEqual(["slicedTV", "mmd", "energy"]);
    expect(Math.abs(same.slicedTV.value - same.slicedTV.floor)).toBeLessThan(0.2 * same.slicedTV.floor);
    const moved = evaluate(new GaussianMixture([1], [[1, 0]]).sample(10000, 9), { dim: 2, reference: ref });
    for (const k of ["slicedTV", "mmd", "energy"]) expect(moved[k].value).toBeGreaterThan(moved[k].floor + 0.05);
  });

  it("validates its input with messages", () => {
    const truth = mixtureFromSpec(presets.blobs2d);
    expect(() => evaluate(new Float64Array(5), { dim: 2, truth })).toThrow("evaluate: samples have 5 numbers, not a multiple of dim 2");
    expect(() => evaluate(new Float64Array(6), { dim: 3, truth })).toThrow("evaluate: the truth has dimension 2, but dim is 3");
    expect(() => evaluate(new Float64Array(6), { dim: 2 })).toThrow('evaluate: give "truth" (a known mixture) or "reference" (a sample to compare with)');
    expect(() => evaluate(new Float64Array(2), { dim: 2, truth })).toThrow("evaluate: need at least 2 sample rows, got 1");
  });
});

describe("score error along the ladder", () => {
  const truth = mixtureFromSpec(presets.blobs2d);
  it("the exact residual has error 0; a residual off by a constant b has E|ŝ − s|² = |b|² and ∫ = |b|²·(t_max − t_min)", () => {
    const exact = scoreError({ residual: (x, t) => truth.residual(x, t) }, truth, { times: [0.05, 0.5, 2], points: 2000 });
    expect(exact.levels.map((l) => l.error)).toEqual([0, 0, 0]);
    expect(exact.total).toBe(0);
    const b = [0.3, -0.4];
    const off = scoreError({ residual: (x, t) => truth.residual(x, t).map((v, i) => v + b[i % 2]) }, truth, { times: [2, 0.05, 0.5], points: 2000 });
    expect(off.levels.map((l) => l.t)).toEqual([0.05, 0.5, 2]);
    for (const l of off.levels) {
      expect(l.mse).toBeCloseTo(0.25, 10);
      expect(l.error).toBeCloseTo(0.25 / l.norm, 10);
    }
    expect(off.total).toBeCloseTo(0.25 * 1.95, 10);
    // E|s_t|² is a Fisher information: at most that of the noise alone, n/σ² (Stam's inequality)
    for (const l of off.levels) expect(l.norm).toBeLessThan((1.05 * 2) / -Math.expm1(-2 * l.t));
  });

  it("uses the model's own levels when no times are given", () => {
    const levels = [{ t: 0.1 }, { t: 1 }];
    const r = scoreError({ residual: (x, t) => truth.residual(x, t), levels }, truth, { points: 500 });
    expect(r.levels.map((l) => l.t)).toEqual([0.1, 1]);
  });
});

describe("tvAgainstAtoms", () => {
  it("counts mass outside the bins: a sample far away has TV 1", () => {
    const far = new Float64Array(1000).fill(1e6);
    expect(tvAgainstAtoms(far, { loc: Float64Array.of(0), w: Float64Array.of(1) })).toBeCloseTo(1, 12);
  });
});
