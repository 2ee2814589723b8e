// The fit as plan → accumulate → merge → solve (the shard protocol's library half): the sums of
// shards cut anywhere, merged in any order, give the in-memory fit's model.
import { describe, expect, it } from "vitest";
import { accumulate, fit, merge, plan, solve } from "../src/node.ts";
import { GaussianMixture } from "../src/mixture.ts";

const truth = new GaussianMixture([0.5, 0.3, 0.2], [[-3, 0], [3, 1], [0, 4]]);
// Integer-rounded second column: dequantised, with each row's noise from its id.
const data = truth.sample(9000, 5).map((v, i) => (i % 2 ? Math.round(v * 4) / 4 : v));
const options = { dim: 2, seed: 2, levels: 6, degree: 2, R: 2, granularity: 30, map: "isotropic", scale: 1 } as const;

const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0, s = 1e-300;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(a[i]));
  }
  return d / s;
};

describe("plan, accumulate, merge, solve", () => {
  // Covariance gates add their own sums (qsum): they must merge like the rest.
  it.each([["soft gates", options], ["covariance gates", { ...options, gates: "covariance", granularity: 2, R: 0, degree: 1 }]] as const)("%s: shards cut anywhere (not at chunk boundaries), merged in any order, give fit()'s model to 1e-8", async (_, options) => {
    const whole = await fit(data, options);
    expect(whole.gating).toBe("gates" in options ? options.gates : "soft");
    if ("gates" in options) expect(Math.max(...whole.regions.ranks)).toBeGreaterThan(0); // frames: the gates' quadratic terms and their sums are in play
    expect(whole.dequantised).toEqual([{ column: 1, step: 0.25 }]);
    const p = await plan(data, options);
    const cuts = [0, 1234, 1235, 4096 + 17, 9000];
    const parts = await Promise.all(cuts.slice(0, -1).map((lo, s) => accumulate(p, data.subarray(2 * lo, 2 * cuts[s + 1]), lo)));
    const merged = merge(merge(parts[2], parts[0]), merge(parts[3], parts[1]));
    expect(merged.rows).toBe(9000);
    const model = solve(p, merged);
    for (let l = 0; l < whole.levels.length; l++) {
      expect(maxRel(model.levels[l].W.flat(), whole.levels[l].W.flat())).toBeLessThan(1e-8);
    }
    expect(maxRel(model.moments.cov, whole.moments.cov)).toBeLessThan(1e-10);
    const x = [0.3, -1];
    expect(maxRel(model.logpdf(x), whole.logpdf(x))).toBeLessThan(1e-8);
  }, 120000);

  it("rows in any order with their ids give the sums of the rows in order (the noise follows the id)", async () => {
    const p = await plan(data, options);
    const lo = 3000, m = 2500;
    const inOrder = await accumulate(p, data.subarray(2 * lo, 2 * (lo + m)), lo);
    const perm = Array.from({ length: m }, (_, k) => (k * 7919) % m); // 7919 is prime: a permutation
    const rows = new Float64Array(2 * m);
    perm.forEach((r, k) => rows.set(data.subarray(2 * (lo + r), 2 * (lo + r) + 2), 2 * k));
    const shuffled = await accumulate(p, rows, perm.map((r) => lo + r));
    expect(shuffled.rows).toBe(m);
    for (let l = 0; l < p.levels.length; l++) {
      expect(maxRel(shuffled.levels[l].S, inOrder.levels[l].S)).toBeLessThan(1e-12);
      expect(maxRel(shuffled.levels[l].Rx, inOrder.levels[l].Rx)).toBeLessThan(1e-12);
    }
    expect(maxRel(shuffled.outer, inOrder.outer)).toBeLessThan(1e-12);
    await expect(accumulate(p, rows, [1, 2])).rejects.toThrow(`invalid ids: 2 ids for ${m} rows`);
    await expect(accumulate(p, rows.subarray(0, 4), [1, -2])).rejects.toThrow("invalid ids: ids[1] is -2 (expected an integer ≥ 0)");
  }, 120000);

  it("refuses stats of another plan, and shard rows of another dimension", async () => {
    const p = await plan(data, options);
    const s = await accumulate(p, data.subarray(0, 2000), 0);
    const other = await plan(data, { ...options, levels: 4 });
    expect(() => solve(other, s)).toThrow("solve: the stats do not come from this plan (their levels or dimension differ)");
    await expect(accumulate(p, new Float64Array(9), 0)).rejects.toThrow("rows: length 9 is not a multiple of dim 2");
  }, 120000);
});
