// What the pictures are made of: the library's helpers (principal directions, density
// estimates, a 2-D model on a grid, the forward process in data units) against direct
// computations, and the plotting layer's pieces (ticks, contours, heat map runs, number
// format), which imports nothing of Node.
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fit, GaussianMixture, ModelError, type ScoreModel } from "../src/node.ts";
import { principalDirections, project, selectColumns } from "../src/principal.ts";
import { bandwidth, binCount, histogram, kde1d, kde2d, massLevels } from "../src/marginal.ts";
import { densityGrid, dominantRegion, gridPoints } from "../src/grid.ts";
import { centresAt, noisedData, scoreArrows } from "../src/noising.ts";
import { normals, streamState } from "../src/random.ts";
import { ticks, tickLabel } from "../src/plot/scale.ts";
import { contourLines } from "../src/plot/contours.ts";
import { heatmap } from "../src/plot/heatmap.ts";
import { makePanel } from "../src/plot/panel.ts";
import { polylines, px, wrap } from "../src/plot/svg.ts";

const ROOT = resolve(import.meta.dirname, "..");

describe("principal directions", () => {
  it("of standardised columns: the correlated pair first, signs fixed, projections with the eigenvalues' variance", () => {
    const m = 4000, z = normals(3 * m, streamState(1, "pca"));
    const x = new Float64Array(3 * m);
    for (let t = 0; t < m; t++) {
      x[3 * t] = 100 * z[3 * t]; // grams
      x[3 * t + 1] = 0.01 * (z[3 * t] + 0.3 * z[3 * t + 1]); // the same, in other units, noisier
      x[3 * t + 2] = 5 + z[3 * t + 2]; // independent
    }
    const p = principalDirections(x, 3);
    expect(p.directions).toHaveLength(3);
    const [d1, d2] = p.directions;
    expect(Math.abs(d1[0])).toBeCloseTo(Math.SQRT1_2, 2);
    expect(Math.abs(d1[1])).toBeCloseTo(Math.SQRT1_2, 2);
    expect(Math.abs(d1[2])).toBeLessThan(0.05);
    expect(d1[0]).toBeGreaterThan(0); // the largest loading is positive
    expect(Math.abs(d2[2])).toBeGreaterThan(0.99);
    expect(p.share.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 10);
    expect(p.share[0]).toBeGreaterThan(0.6);
    const y = project(p, x);
    for (let j = 0; j < 3; j++) {
      let mean = 0, ss = 0;
      for (let t = 0; t < m; t++) mean += y[3 * t + j] / m;
      for (let t = 0; t < m; t++) ss += (y[3 * t + j] - mean) ** 2 / m;
      expect(Math.abs(mean)).toBeLessThan(1e-10);
      expect(ss).toBeCloseTo(p.variances[j], 8);
    }
    expect(principalDirections(x, 3, { count: 1 }).directions).toEqual([d1]);
    expect(Array.from(selectColumns(x, 3, [2, 0]).subarray(0, 2))).toEqual([x[2], x[0]]);
  });
});

describe("density estimates", () => {
  const m = 20000, v = normals(m, streamState(2, "kde"));
  it("kde1d of normals: integrates to 1 and is close to the normal density", () => {
    const d = kde1d(v, -6, 6, 240), step = 12 / 240;
    expect(d.reduce((s, x) => s + x * step, 0)).toBeCloseTo(1, 3);
    const at0 = d[120] + d[119];
    expect(Math.abs(at0 / 2 - 1 / Math.sqrt(2 * Math.PI))).toBeLessThan(0.02);
    expect(bandwidth(v)).toBeCloseTo(0.9 * Math.pow(m, -0.2), 1);
  });
  it("kde2d of normals: integrates to 1, peak near 1/2π; histogram and bins", () => {
    const w = normals(m, streamState(3, "kde"));
    const box = { x0: -6, x1: 6, y0: -6, y1: 6 }, n = 60, cell = (12 / n) ** 2;
    const d = kde2d(v, w, box, n, n);
    expect(d.reduce((s, x) => s + x * cell, 0)).toBeCloseTo(1, 3);
    expect(Math.abs(Math.max(...d) - 1 / (2 * Math.PI))).toBeLessThan(0.02);
    const h = histogram(v, -6, 6, 24);
    expect(h.reduce((s, x) => s + x * 0.5, 0)).toBeCloseTo(1, 6);
    expect([binCount(10), binCount(178), binCount(5000), binCount(1e7)]).toEqual([10, 11, 34, 40]);
  });
  it("massLevels: the value above which cells hold a share of the mass", () => {
    expect(massLevels([1, 4, 2, 3], [0.4, 0.7, 1])).toEqual([4, 3, 1]);
  });
});

describe("a 2-D model on a grid, and the forward process in data units", () => {
  let model: ScoreModel, six: ScoreModel;
  const data = new GaussianMixture([0.6, 0.4], [[-3, 0], [3, 1]]).sample(1500, 1);
  beforeAll(async () => {
    // Data in other units (×40 + 100): the map matters.
    const x = data.map((v) => 40 * v + 100);
    model = await fit(x, { dim: 2, seed: 1, levels: 8, degree: 2, map: "isotropic", scale: 40, granularity: 6, R: 2, threads: 1 });
    const x6 = new GaussianMixture([0.5, 0.5], [[-3, 0, 0, 0, 0, 0], [3, 0, 1, 0, 0, 0]]).sample(600, 2);
    six = await fit(x6, { dim: 6, seed: 1, levels: 4, degree: 0, map: "isotropic", scale: 1, granularity: 4, R: 2, threads: 1 });
  }, 60000);

  it("densityGrid: log p̂ at the cell centres, a density in data units (integrates to about 1)", () => {
    const box = { x0: -300, x1: 500, y0: -300, y1: 500 }, n = 48;
    const lp = densityGrid(model, box, n, n, { steps: 20 });
    expect(Array.from(lp.subarray(0, 5))).toEqual(Array.from(model.logpdf(gridPoints(box, n, n).subarray(0, 10), { steps: 20 })));
    const cell = (800 / n) ** 2;
    expect(lp.reduce((s, v) => s + Math.exp(v) * cell, 0)).toBeCloseTo(1, 1);
    expect(() => densityGrid(six, box, 4, 4)).toThrow(ModelError);
  });

  it("gridPoints: row-major from the bottom row up", () => {
    expect(Array.from(gridPoints({ x0: 0, x1: 2, y0: 10, y1: 12 }, 2, 2))).toEqual([0.5, 10.5, 1.5, 10.5, 0.5, 11.5, 1.5, 11.5]);
  });

  it("dominantRegion: the argmax of model.gates and its value", () => {
    const pts = gridPoints({ x0: -200, x1: 400, y0: -200, y1: 400 }, 9, 9), t = 0.3;
    const g = model.gates(pts, t), G = model.regions.weights.length, { region, gate } = dominantRegion(model, pts, t);
    for (let k = 0; k < 81; k++) {
      const row = Array.from(g.subarray(k * G, (k + 1) * G));
      expect(gate[k]).toBe(Math.max(...row));
      expect(row[region[k]]).toBe(gate[k]);
    }
  });

  it("centresAt, noisedData, scoreArrows: model units carried to data units", () => {
    const c0 = centresAt(model, 0), n = model.regions.centres.length;
    expect(c0.length).toBe(2 * n);
    const direct = model.fromModel(Float64Array.from(model.regions.centres.flat()));
    for (let i = 0; i < c0.length; i++) expect(c0[i]).toBeCloseTo(direct[i], 9);
    const a = Math.exp(-1), c1 = centresAt(model, 1), b = model.map.centre;
    for (let i = 0; i < c1.length; i++) expect(c1[i] - b[i % 2]).toBeCloseTo(a * (c0[i] - b[i % 2]), 9);
    const x = data.subarray(0, 20).map((v) => 40 * v + 100);
    const xi = normals(20, streamState(0, "t"));
    const same = noisedData(model, x, 1e-16, xi);
    for (let i = 0; i < 20; i++) expect(same[i]).toBeCloseTo(x[i], 4);
    const far = noisedData(model, x, 30, xi); // pure noise: b + σ₀·ξ
    for (let i = 0; i < 20; i++) expect(far[i]).toBeCloseTo(b[i % 2] + 40 * xi[i], 6);
    // An isotropic map: the arrows are σ₀²·ŝₓ.
    const s = model.score(x, 0.5), arrows = scoreArrows(model, x, 0.5);
    for (let i = 0; i < 20; i++) expect(arrows.v[i]).toBeCloseTo(1600 * s[i], 6);
    for (let k = 0; k < 10; k++) expect(arrows.norm[k]).toBeCloseTo(40 * Math.hypot(s[2 * k], s[2 * k + 1]), 8); // |ŝ_z| = σ₀|ŝₓ|
  });
});

describe("the plotting layer", () => {
  it("ticks at round numbers, labels with the step's decimals", () => {
    expect(ticks(0, 10, 5).values).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(-0.37, 0.42, 4)).toEqual({ values: [-0.2, 0, 0.2, 0.4].map((v) => expect.closeTo(v, 12)), step: 0.2 });
    expect(ticks(1, 1)).toEqual({ values: [], step: 1 });
    expect([tickLabel(0.30000000000000004, 0.1), tickLabel(-0, 1), tickLabel(1500, 500), tickLabel(2e7, 1e7)]).toEqual(["0.3", "0", "1500", "2e+7"]);
  });

  it("one number format: tenths of a pixel, no -0", () => {
    expect([px(1.25), px(-0.04), px(3), px(2.06), px(-7.96)]).toEqual(["1.3", "0", "3", "2.1", "-8"]);
    expect(wrap("a bb ccc dddd", 40, 10)).toEqual(["a bb", "ccc", "dddd"]);
    // Polylines: the start absolute, then steps between the rounded points (no drift), signs as separators.
    expect(polylines([[0, 0, 1.25, 2, 1.25, -1], [5, 5], [10.04, -3.96, 10.06, -4.04]])).toBe("M0 0l1.3 2 0-3M10 -4l0.1 0");
  });

  it("contourLines: a closed loop around a peak, on the level set", () => {
    const n = 40, box = { x0: -4, x1: 4, y0: -4, y1: 4 }, pts = gridPoints(box, n, n);
    const f = Float64Array.from({ length: n * n }, (_, k) => -(pts[2 * k] ** 2 + pts[2 * k + 1] ** 2));
    const lines = contourLines(f, box, n, n, -4);
    expect(lines).toHaveLength(1);
    const loop = lines[0];
    expect(loop[0]).toEqual(loop[loop.length - 1]);
    for (const [x, y] of loop) expect(Math.abs(Math.hypot(x, y) - 2)).toBeLessThan(0.02);
    expect(contourLines(f, box, n, n, 1)).toEqual([]);
  });

  it("heatmap: runs of equal cells are one rectangle, one path per style", () => {
    const p = makePanel(0, 0, 100, 100, [0, 4], [0, 2]);
    const out = heatmap(p, { x0: 0, x1: 4, y0: 0, y1: 2 }, 4, 2, (k) => (k === 3 ? null : { fill: k < 2 ? "#000" : "#fff" }));
    expect(out).toHaveLength(2);
    expect(out[0].match(/M/g)).toHaveLength(1); // #000: cells 0–1, one run
    expect(out[1].match(/M/g)).toHaveLength(2); // #fff: cell 2, and cells 4–7
    expect(out[1]).toContain('fill="#fff"');
  });

  it("imports nothing of Node, nor the command line or file readers", () => {
    const seen = new Set<string>(), packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of readFileSync(file, "utf8").matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?\s+from\s+)?["']([^"']+)["']/gm)) {
        if (m[2]) continue;
        if (m[4].startsWith(".")) visit(resolve(dirname(file), m[4]));
        else packages.add(m[4]);
      }
    };
    visit(join(ROOT, "src/plot/index.ts"));
    const builtins = new Set(builtinModules.flatMap((b) => [b, `node:${b}`]));
    expect([...packages].filter((p) => builtins.has(p) || p.startsWith("node:"))).toEqual([]);
    expect([...seen].map((f) => relative(ROOT, f)).filter((f) => f.startsWith("src/cli/") || f.startsWith("src/io/"))).toEqual([]);
    expect([...seen].map((f) => relative(ROOT, f))).toContain("src/plot/pairs.ts");
  });
});
