// The learner against mathematics: exact residuals of known mixtures and histogram TV
// against exact densities, with the floor of an equally large true sample beside it.
import { describe, expect, it } from "vitest";
import { fit, sample } from "../src/node.ts";
import { GaussianMixture } from "../src/mixture.ts";
import { mixtureFromSpec } from "../src/mixture-spec.ts";
import { presets } from "../src/presets.ts";
import { histogramTV } from "../src/metrics/tv.ts";
import { scoreError } from "../src/metrics/score-error.ts";

describe("learned score", () => {
  it("2-D, k = 4 on a square of side 5, m = 1e5: relative residual error ≤ 1e-3 at every level", async () => {
    const truth = new GaussianMixture([0.25, 0.25, 0.25, 0.25], [[0, 0], [5, 0], [0, 5], [5, 5]]);
    const model = await fit(truth.sample(100000, 11), { dim: 2, seed: 3 });
    // E|r̂ − r|² / E|s|² at every fitted level, 20 000 fresh points of p_t each.
    const { levels } = scoreError(model, truth, { points: 20000, seed: 7 });
    expect(levels).toHaveLength(40);
    expect(Math.max(...levels.map((l) => l.error))).toBeLessThanOrEqual(1e-3);
  }, 120000);
});

describe("sample quality (m = 2e4 training rows, 1e5 generated, cells 0.5 × 0.5)", () => {
  for (const name of ["blobs2d", "ring"]) {
    it(`${name}: TV exceeds the floor of a fresh true sample by at most 0.01`, async () => {
      const truth = mixtureFromSpec(presets[name]);
      const model = await fit(truth.sample(20000, 21), { dim: 2, seed: 4 });
      const xs = await sample(model, 100000, { seed: 5 });
      const tv = histogramTV(xs, truth), floor = histogramTV(truth.sample(100000, 22), truth);
      expect(floor).toBeGreaterThan(0.01); // the floor is a real sampling error, not zero
      expect(tv - floor).toBeLessThanOrEqual(0.01);
    }, 180000);
  }
});
