// Ladder regions (regions: "ladder", the paper's induction; src/regions.ts buildLadder): per
// level the merge tree cut at R/a, a residual blended across two region sets, the ridge
// centred on the level above, the file's sets — checked against exact residuals and densities.
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScoreModel, type ModelData } from "../src/model.ts";
import { identityMap } from "../src/map.ts";
import type { Level, Regions } from "../src/level.ts";
import { fit, plan, sample } from "../src/node.ts";
import { GaussianMixture } from "../src/mixture.ts";
import { runDiffmix } from "./helpers/cli.ts";
import { kernelSource } from "../src/kernels/index.ts";

const frameless = (weights: number[], centres: number[][]): Regions => ({
  dim: 2, weights, centres, frames: centres.map(() => []), spreads: centres.map(() => []), ranks: centres.map(() => 0),
});

// N(μ, I): its residual is a·μ at every t. Two region sets that both hold E[μ | x] = μ, the
// first with two regions (levels t ≤ 0.5), the second with one (t ≥ 1): any convex blend of
// E[μ | x] across the switch is still exact, a wrong blend weight is not.
const mu = [2, -1];
const ts = [0.01, 0.1, 0.5, 1, 2, 4];
function handBuilt(): ModelData {
  const levels: Level[] = ts.map((t, l) => {
    const a = Math.exp(-t), G = l < 3 ? 2 : 1;
    return { t, lo: new Array(G).fill([]), hi: new Array(G).fill([]), W: new Array(G).fill(mu.map((v) => a * v)), set: l < 3 ? 0 : 1 };
  });
  return {
    dim: 2, columns: null, map: identityMap(2), dequantised: [], rows: 100, degree: 0, gating: "soft", tMin: 0.01, T: 4,
    regions: frameless([0.5, 0.5], [[0, 0], [4, 0]]), ladder: [frameless([1], [mu])], levels,
    moments: { mean: mu, cov: [1, 0, 0, 1] }, config: {}, selection: [],
  };
}

describe("ladder models", () => {
  it("blend E[μ|x] across region sets: the exact residual a·μ of N(μ, I) between the sets' levels, divergence 0", () => {
    const model = new ScoreModel(handBuilt());
    const z = [[0.3, 0.1], [5, -2], [-3, 4]];
    for (const t of [0.005, 0.05, 0.7, 0.9, 1.5, 4, 6]) {
      const r = model.residual(z, t), div = model.divergence(z, t), a = Math.exp(-t);
      for (let k = 0; k < z.length; k++) {
        expect(Math.abs(r[2 * k] - a * mu[0])).toBeLessThan(1e-12);
        expect(Math.abs(r[2 * k + 1] - a * mu[1])).toBeLessThan(1e-12);
        expect(Math.abs(div[k])).toBeLessThan(1e-12);
      }
    }
    expect(model.regionsAt(0.7).weights).toHaveLength(2);
    expect(model.regionsAt(1).weights).toHaveLength(1);
    expect(model.gates(z, 0.3).length).toBe(3 * 2);
    expect(model.gates(z, 2).length).toBe(3 * 1);
  });

  it("logpdf through the switch equals log N(x; μ, I) to 1e-4", () => {
    const model = new ScoreModel(handBuilt());
    const x = [[2, -1], [3.5, 0], [0, -2.5]];
    const lp = model.logpdf(x);
    x.forEach((p, k) => {
      const exact = -0.5 * ((p[0] - mu[0]) ** 2 + (p[1] - mu[1]) ** 2) - Math.log(2 * Math.PI);
      expect(Math.abs(lp[k] - exact)).toBeLessThan(1e-4);
    });
  });

  it("the loader checks the sets: in order, used, absent without a ladder", () => {
    const good = JSON.parse(JSON.stringify(new ScoreModel(handBuilt())));
    expect(ScoreModel.fromJSON(good).ladder).toHaveLength(1);
    const bad = (f: (j: any) => void) => () => { const j = structuredClone(good); f(j); ScoreModel.fromJSON(j, "m.json"); };
    expect(bad((j) => { j.ladder.push(j.ladder[0]); j.levels[4].set = 2; })).toThrow('m.json: "levels[5].set" expected 2 or 3 (sets follow the levels in order), got 1');
    expect(bad((j) => { j.ladder.push(j.ladder[0]); j.levels[3].set = 2; })).toThrow('"levels[3].set" expected 0 or 1 (sets follow the levels in order), got 2');
    expect(bad((j) => j.ladder.push(j.ladder[0]))).toThrow('m.json: "ladder" has 2 sets but the levels use 1');
    expect(bad((j) => (j.levels[4].set = 3))).toThrow('"levels[4].set" expected an integer in [0, 1], got 3');
    expect(bad((j) => (j.ladder[0].weights = [0.5]))).toThrow('"ladder[0].weights" expected weights summing to 1');
    expect(bad((j) => { j.ladder = null; })).toThrow('"levels[0].set" a model without a ladder has one region set (no "set")');
    expect(bad((j) => (j.levels[4].W = [[1, 2], [3, 4]]))).toThrow('"levels[4]" expected lo, hi and W for 1 regions');
  });
});

// Two unit Gaussians 8 apart: the ladder keeps two regions while aΔ > R and one above.
const pair = new GaussianMixture([0.5, 0.5], [[-4, 0], [4, 0]]);
const FIXED = { dim: 2, seed: 0, R: 3, degree: 4, granularity: 20, map: "none", scale: 1, levels: 20 } as const;

describe("ladder fits", () => {
  it("regions split as the noise falls; the lowest levels as accurate as fixed regions (relative score error < 0.05)", async () => {
    const x = pair.sample(8000, 1);
    const model = await fit(x, { ...FIXED, regions: "ladder" });
    const counts = [model.regions, ...model.ladder!].map((r) => r.weights.length);
    expect(counts[0]).toBe(2);
    expect(counts[counts.length - 1]).toBe(1);
    for (let k = 1; k < counts.length; k++) expect(counts[k]).toBeLessThanOrEqual(counts[k - 1]);
    // The cut: two regions while a·8 > R = 3, i.e. t < log(8/3) ≈ 0.98 (the separation estimate is ≈ 8).
    const switchAt = Math.log(8 / 3);
    for (const lv of model.levels) if (Math.abs(lv.t - switchAt) > 0.15) expect(lv.set === 0).toBe(lv.t < switchAt);
    const z = pair.sample(2000, 5);
    for (const t of [0.01, 0.3]) {
      const s = model.score(z, t), e = pair.score(z, t);
      let num = 0, den = 0;
      for (let k = 0; k < s.length; k++) { num += (s[k] - e[k]) ** 2; den += e[k] ** 2; }
      expect(Math.sqrt(num / den)).toBeLessThan(0.05);
    }
    // Both backends give the same numbers (a second check, not the first).
    const ref = ScoreModel.fromJSON(JSON.parse(JSON.stringify(model)), "m", kernelSource("reference"));
    expect(Array.from(ref.residual(z.subarray(0, 200), 0.9))).toEqual(Array.from(model.residual(z.subarray(0, 200), 0.9)));
  }, 60_000);

  it("warm start: the ridge shrinks toward the level above, not toward 0 (N(μ, I), ridge 0.3: fixed gives a·μ/(1 + ρ))", async () => {
    const one = new GaussianMixture([1], [[5, 0]]), x = one.sample(4000, 2);
    const o = { dim: 2, seed: 0, R: 3, degree: 0, granularity: 5, map: "none", scale: 1, levels: 20, ridge: 0.3 } as const;
    const fixed = await fit(x, o), ladder = await fit(x, { ...o, regions: "ladder" });
    const t = 0.01, a = Math.exp(-t);
    const rf = fixed.residual([[0, 0]], t)[0], rl = ladder.residual([[0, 0]], t)[0];
    expect(Math.abs(rf - (a * 5) / 1.3)).toBeLessThan(0.1); // the plain ridge's shrinkage, 1.15 below a·μ
    expect(Math.abs(rl - a * 5)).toBeLessThan(0.1);
  }, 60_000);

  it("plans (shards, streamed fits) refuse a ladder in one line; the CLI fits one and says so", async () => {
    const x = pair.sample(400, 3);
    await expect(plan(x, { dim: 2, regions: "ladder" })).rejects.toThrow('invalid option "regions": "ladder" fits in memory only');
    const dir = mkdtempSync(join(tmpdir(), "diffmix-ladder-"));
    writeFileSync(join(dir, "x.csv"), "a,b\n" + Array.from({ length: 400 }, (_, k) => `${x[2 * k]},${x[2 * k + 1]}`).join("\n") + "\n");
    const f = await runDiffmix(dir, ["fit", "x.csv", "-o", "m.json", "--regions", "ladder", "--merge", "3", "--degree", "2", "--granularity", "10", "--map", "none", "--scale", "1"]);
    expect(f.code, f.err).toBe(0);
    expect(f.err).toMatch(/→ 2 regions at the lowest levels, a ladder of 2 sets \(2 → 1 regions as t grows\)/);
    const s = await runDiffmix(dir, ["sample", "m.json", "-n", "50", "-o", "s.csv"]);
    expect(s.code, s.err).toBe(0);
    const p = await runDiffmix(dir, ["fit", "x.csv", "-o", "p.json", "--mode", "stream", "--regions", "ladder"]);
    expect(p.code).toBe(2);
    expect(p.err.trim().split("\n")).toEqual(['diffmix: invalid option "regions": "ladder" fits in memory only (plans, shards and streamed fits use "fixed" or "single")']);
  }, 90_000);
});

it("sampling a ladder model: mean and std of N(μ, I) within 4 standard errors", async () => {
  const s = await sample(new ScoreModel(handBuilt()), 4000, { seed: 1 });
  for (let i = 0; i < 2; i++) {
    let m1 = 0, m2 = 0;
    for (let k = 0; k < 4000; k++) { m1 += s[2 * k + i] / 4000; m2 += s[2 * k + i] ** 2 / 4000; }
    expect(Math.abs(m1 - mu[i])).toBeLessThan(4 / Math.sqrt(4000));
    expect(Math.abs(Math.sqrt(m2 - m1 * m1) - 1)).toBeLessThan(4 / Math.sqrt(2 * 4000));
  }
});
