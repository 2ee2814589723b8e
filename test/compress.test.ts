// Compressed columns (src/map.ts, Compression): a model with column i compressed,
// y_i = c + s·asinh((x_i − c)/s), is the same model of y with a change of variables. Checked
// against that change of variables written out here, on one fitted model read with and without
// the field: the log-density adds log dy/dx = −log √(1 + u²), the score is the chain rule, samples
// are expanded, and the fit records a Cauchy column and reads it back.
import { beforeAll, describe, expect, it } from "vitest";
import { accumulate, fit, merge, plan, sample, solve, ScoreModel } from "../src/node.ts";
import { rng } from "./helpers/rng.ts";
import { GaussianMixture } from "../src/mixture.ts";

const C = { column: 1, centre: 0.5, scale: 2 };
const T = (x: number) => C.centre + C.scale * Math.asinh((x - C.centre) / C.scale);
const Tinv = (y: number) => C.centre + C.scale * Math.sinh((y - C.centre) / C.scale);
const logDT = (x: number) => -0.5 * Math.log1p(((x - C.centre) / C.scale) ** 2);

describe("compressed columns: the model of y = T(x) read in x", () => {
  let plain: ScoreModel, squeezed: ScoreModel;
  const xs = [[-3, 0.2], [3, 1], [0, -4], [2.5, 9], [-1, -30]];
  const ys = xs.map(([a, b]) => [a, T(b)]);

  beforeAll(async () => {
    const data = new GaussianMixture([0.5, 0.5], [[-3, 0], [3, 1]]).sample(600, 3);
    const json = JSON.parse(JSON.stringify(await fit(data, { dim: 2, levels: 4, seed: 2, threads: 1, granularity: 12, degree: 1, R: 0, map: "whiten", scale: 1 })));
    plain = ScoreModel.fromJSON(json);
    squeezed = ScoreModel.fromJSON({ ...json, compressed: [C] });
  }, 120000);

  it("log p(x) = log p_y(T(x)) + log T'(x), to rounding", () => {
    const a = squeezed.logpdf(xs), b = plain.logpdf(ys);
    xs.forEach(([, x1], k) => expect(a[k]).toBeCloseTo(b[k] + logDT(x1), 9));
  });

  it("the score is T'(x)·s_y(T(x)) + d/dx log T'(x) in the compressed column, s_y in the other", () => {
    for (const t of [0, 0.3]) {
      const a = squeezed.score(xs, t), b = plain.score(ys, t);
      xs.forEach(([, x1], k) => {
        const u = (x1 - C.centre) / C.scale, h = 1e-6;
        const dlogDT = (logDT(x1 + h) - logDT(x1 - h)) / (2 * h); // the formula's derivative, numerically
        expect(a[2 * k]).toBeCloseTo(b[2 * k], 9);
        expect(a[2 * k + 1]).toBeCloseTo(b[2 * k + 1] / Math.hypot(1, u) + dlogDT, 6);
      });
    }
  });

  it("samples are the plain model's, expanded; the map round-trips", async () => {
    const a = await sample(squeezed, 200, { seed: 4, threads: 1 }), b = await sample(plain, 200, { seed: 4, threads: 1 });
    for (let k = 0; k < 200; k++) {
      expect(a[2 * k]).toBe(b[2 * k]);
      expect(a[2 * k + 1]).toBeCloseTo(Tinv(b[2 * k + 1]), 9);
    }
    const back = squeezed.fromModel(squeezed.toModel(xs));
    xs.flat().forEach((v, k) => expect(back[k]).toBeCloseTo(v, 9));
  });

  it("the loader refuses a bad compression by field", () => {
    const json = JSON.parse(JSON.stringify(plain));
    const bad = (c: unknown) => () => ScoreModel.fromJSON({ ...json, compressed: c }, "m.json");
    expect(bad([{ ...C, scale: 0 }])).toThrow(/^m\.json: "compressed\[0\]\.scale"/);
    expect(bad([{ ...C, column: 2 }])).toThrow(/^m\.json: "compressed\[0\]\.column"/);
    expect(bad([C, C])).toThrow(/^m\.json: "compressed\[1\]\.column" column 1 is listed twice/);
    expect(bad([{ ...C, centre: 1e201 }])).toThrow(/^m\.json: "compressed\[0\]\.centre"/);
  });

  it("a fit records a Cauchy column and a plan carries it: shards give the in-memory model", async () => {
    const r = rng(3), m = 3000;
    const data = Float64Array.from({ length: 2 * m }, (_, k) => (k % 2 ? Math.tan(Math.PI * (r.u() - 0.5)) : r.n()));
    const options = { dim: 2, seed: 1, levels: 4, degree: 0, R: 0, granularity: 8, map: "diagonal", scale: 0.5, threads: 1 } as const;
    const whole = await fit(data, options);
    expect(whole.compressed.map((c) => c.column)).toEqual([1]);
    const p = await plan(data, options);
    expect(p.compressed).toEqual(whole.compressed);
    const parts = await Promise.all([[0, 1111], [1111, m]].map(([lo, hi]) => accumulate(p, data.subarray(2 * lo, 2 * hi), lo)));
    const model = solve(p, merge(parts[1], parts[0]));
    const x = [[0.3, -1], [1, 40]], a = model.logpdf(x), b = whole.logpdf(x);
    for (let k = 0; k < 2; k++) expect(Math.abs(a[k] - b[k])).toBeLessThan(1e-8 * Math.abs(b[k]));
  }, 120000);
});
