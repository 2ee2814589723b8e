// k-means against the truth it should find: one centre per component of a well-separated mixture.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { kmeans } from "../src/kmeans.ts";
import { mixtureFromSpec } from "../src/mixture-spec.ts";
import { streamState } from "../src/random.ts";

const specs = JSON.parse(readFileSync(new URL("./fixtures/instances.json", import.meta.url), "utf8")).instances;

describe("k-means seeding", () => {
  it("mix8d (five unit Gaussians in 8-D), K = 5: a centre within 0.5 of every mean for at least 80% of 200 seeds", () => {
    const spec = specs.mix8d, truth = mixtureFromSpec(spec, "mix8d"), n = spec.dim, m = 4000;
    const x = truth.sample(m, 1);
    const missed: number[] = [];
    for (let seed = 0; seed < 200; seed++) {
      const c = kmeans(x, m, n, 5, streamState(seed, "kmeans"), m);
      // A cluster of ≥ 600 rows has its mean within ~0.1 of the component's; a centre shared by two
      // components sits ~2 from each, and the component it left to two centres has them ~0.8 away.
      const found = (spec.means as number[][]).every((mu) => {
        let near = Infinity;
        for (let k = 0; k < 5; k++) near = Math.min(near, Math.hypot(...mu.map((v, i) => v - c[k * n + i])));
        return near < 0.5;
      });
      if (!found) missed.push(seed);
    }
    // Lloyd's iterations keep some bad seedings (k-means has local optima; the fit's covariance
    // gates take several starts for that): greedy seeding missed 28 of these 200, plain k-means++
    // (one draw per centre) 76.
    expect(missed.length).toBeLessThanOrEqual(40);
  });
});
