// model.components(): k and the components of a discrete mixture from the learned score's
// fixed points (src/components.ts), against EM with k known on the same rows; and the refusal
// to name a k for a continuous mixture.
import { describe, expect, it } from "vitest";
import { runDiffmix } from "./helpers/cli.ts";
import { fit, ModelError } from "../src/node.ts";
import { mixtureFromSpec } from "../src/mixture-spec.ts";
import { presets } from "../src/presets.ts";
import { fitEM } from "../src/em.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { componentErrors as errors } from "../src/metrics/recovery.ts";


describe("components of separated discrete mixtures (m = 2e4)", () => {
  // Measured over training seeds 21–23: mean error 0.016–0.032 against EM's 0.017–0.031,
  // weight error 0.001–0.004 against EM's 0.0005–0.004.
  for (const name of ["blobs2d", "grid9"]) {
    it(`${name}: k exactly; mean error ≤ EM-with-k-known's + 0.01, weight error ≤ EM's + 0.005; predict like the truth`, async () => {
      const truth = mixtureFromSpec(presets[name]);
      const spec = presets[name] as { weights: number[]; means: number[][] };
      const data = truth.sample(20000, 21);
      // Soft gates: the components from the learned score's fixed points, this test's subject (with
      // covariance gates, which blobs2d's selection may also choose, they are the regions).
      const model = await fit(data, { dim: 2, seed: 4, degree: 0, R: 2, gates: "soft" });
      const c = model.components();
      expect(c.k).toBe(spec.weights.length);
      if (c.k === null) return;
      expect(c.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
      expect(c.diagnostics!.converged).toBe(1);
      expect(c.diagnostics!.flatness).toBeLessThan(0.05);
      const em = fitEM(data, { dim: 2, k: spec.weights.length, seed: 1 });
      const ours = errors(c, spec), theirs = errors(em, spec);
      expect(ours.mean).toBeLessThanOrEqual(theirs.mean + 0.01);
      expect(ours.weight).toBeLessThanOrEqual(theirs.weight + 0.005);

      // predict / predictProba: rows sum to 1; labels agree with the true component's estimate.
      const x = truth.sample(2000, 5), p = model.predictProba(x), labels = model.predict(x);
      for (let r = 0; r < 2000; r++) {
        const row = p.subarray(r * c.k, (r + 1) * c.k);
        expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
        expect(row[labels[r]]).toBe(Math.max(...row));
      }
      // The truth's own label of a point: the nearest true mean (separations ≥ 5); the
      // predicted component's mean must be that one.
      let agree = 0;
      for (let r = 0; r < 2000; r++) {
        const d = (m: number[]) => Math.hypot(m[0] - x[2 * r], m[1] - x[2 * r + 1]);
        const j = spec.means.reduce((b, m, i) => (d(m) < d(spec.means[b]) ? i : b), 0);
        const mu = c.means[labels[r]];
        agree += Number(Math.hypot(mu[0] - spec.means[j][0], mu[1] - spec.means[j][1]) < 0.5);
      }
      expect(agree / 2000).toBeGreaterThanOrEqual(0.98);
      expect(model.components()).toBe(c); // computed once
    }, 60000);
  }
});

describe("continuous mixtures", () => {
  it("ring: no finite k (a ridge of fixed points), and predict says why", async () => {
    const truth = mixtureFromSpec(presets.ring);
    const model = await fit(truth.sample(20000, 21), { dim: 2, seed: 4, degree: 0, R: 0 });
    const c = model.components();
    expect(c.k).toBeNull();
    if (c.k !== null) return;
    expect(c.reason).toMatch(/^no finite mixture fits: /);
    expect(() => model.predict([5, 0])).toThrow(ModelError);
    expect(() => model.predict([5, 0])).toThrow(/^predict: no finite mixture fits/);
    // Not an accident of the seed.
    for (const seed of [1, 2]) expect(model.components({ seed }).k).toBeNull();
  }, 60000);
});

describe("options and the command", () => {
  it("options are validated with the parameter named; diffmix components prints the same JSON", async () => {
    const truth = mixtureFromSpec(presets.blobs2d);
    // Soft gates: components found from the flow, which these options steer (a covariance-gate model's are its regions).
    const model = await fit(truth.sample(2000, 1), { dim: 2, seed: 1, degree: 0, R: 2, levels: 8, gates: "soft" });
    expect(() => model.components({ starts: 5 })).toThrow('invalid option "starts": expected an integer in [10, 1000000], got 5');
    expect(() => model.components({ starts: 100, draws: 50 })).toThrow('invalid option "draws": must be at least "starts" (100), got 50');
    expect(() => model.components({ stars: 5 } as never)).toThrow('unknown option "stars"');

    const dir = mkdtempSync(join(tmpdir(), "diffmix-components-"));
    try {
      writeFileSync(join(dir, "model.json"), JSON.stringify(model));
      const r = await diffmix(dir, ["components", "model.json"]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toEqual(JSON.parse(JSON.stringify({ model: "model.json", ...model.components() })));
      expect(JSON.parse(r.out).k).toBe(5);
      const bad = await diffmix(dir, ["components", "model.json", "--starts", "5"]);
      expect([bad.code, bad.out, bad.err]).toEqual([2, "", "diffmix: invalid option --starts: expected an integer in [10, 1000000], got 5\n"]);
      const help = await diffmix(dir, ["components", "--help"]);
      expect(help.out).toMatch(/Example:\n  diffmix components model\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);
});

const diffmix = runDiffmix;
