// `diffmix plot`, spawned for real on files in a temporary folder: the 2-D picture and the
// pairs picture of a 6-D model, with and without DATA, --columns by name and by number, the
// same bytes for the same inputs and seed (and any thread count), PNG through the optional
// rasteriser, and every failure as one line with its exit code and no output left behind.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { describeFailures, runDiffmix, type Failure, type Run } from "./helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "diffmix-plot-"));
const at = (f: string) => join(dir, f);
const diffmix = (args: string[], input?: string): Promise<Run> => runDiffmix(dir, args, input);
const read = (f: string) => readFileSync(at(f), "utf8");

/** A fit with every choice fixed (no selection): quick, and the same model every time. */
const FIXED = ["--levels", "6", "--degree", "2", "--map", "isotropic", "--scale", "1", "--granularity", "8", "--merge", "2", "-q"];
const SIX_D = {
  weights: [0.5, 0.3, 0.2],
  means: [[0, 0, 0, 0, 0, 0], [5, 1, -4, 2, 0, 3], [-3, 4, 2, -5, 1, 0]],
};

async function gen(args: string[], file: string, header: string | null): Promise<void> {
  const g = await diffmix(["gen", ...args, "-o", "-", "-q"]);
  expect(g.code).toBe(0);
  writeFileSync(at(file), (header ? header + "\n" : "") + g.out);
}

beforeAll(async () => {
  writeFileSync(at("six.json"), JSON.stringify(SIX_D));
  await gen(["--preset", "blobs2d", "-n", "600", "--seed", "1"], "d2.csv", "height,weight");
  await gen(["--preset", "blobs2d", "-n", "300", "--seed", "2"], "d2-held.csv", "height,weight");
  await gen(["six.json", "-n", "600", "--seed", "1"], "d6.csv", "a,b,c,d,e,f");
  await gen(["six.json", "-n", "300", "--seed", "2"], "d6-held.csv", "a,b,c,d,e,f");
  const fits = await Promise.all([
    diffmix(["fit", "d2.csv", "-o", "m2.json", ...FIXED]),
    diffmix(["fit", "d6.csv", "-o", "m6.json", ...FIXED]),
  ]);
  for (const f of fits) expect(f).toEqual({ code: 0, out: "", err: "" });
  // The 2-D data without its header: a model with no column names.
  writeFileSync(at("d2-plain.csv"), read("d2.csv").split("\n").slice(1).join("\n"));
  expect(await diffmix(["fit", "d2-plain.csv", "-o", "m2-plain.json", ...FIXED])).toEqual({ code: 0, out: "", err: "" });
  // One column: a model of one dimension.
  writeFileSync(at("d1.csv"), read("d6.csv").trim().split("\n").map((l) => l.split(",")[0]).join("\n") + "\n");
  expect(await diffmix(["fit", "d1.csv", "-o", "m1.json", ...FIXED])).toEqual({ code: 0, out: "", err: "" });
  writeFileSync(at("swapped.csv"), "weight,height\n" + read("d2-held.csv").split("\n").slice(1).join("\n"));
  writeFileSync(at("text.csv"), "height,weight\n1,2\n3,abc\n");
  writeFileSync(at("ragged.csv"), "height,weight\n1,2\n3\n");
}, 120000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The SVG is one well-formed document: balanced tags we write, and nothing after it. */
function checkSvg(svg: string): void {
  expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+" viewBox="0 0 \d+ \d+"/);
  expect(svg.endsWith("</svg>\n")).toBe(true);
  for (const tag of ["svg", "text"]) expect(svg.split(`<${tag} `).length).toBe(svg.split(`</${tag}>`).length);
  expect(svg).not.toMatch(/NaN|Infinity|undefined/);
}

const texts = (svg: string) => [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe("a 2-D model", () => {
  it("with DATA: data, samples, density, log-likelihood, regions at three t; names from the header; the same bytes again", async () => {
    const r = await diffmix(["plot", "m2.json", "d2-held.csv", "-o", "p2.svg"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^plot: p2\.svg \(2-D model, 300 rows of d2-held\.csv; \d+\.\d+ s\)\n$/);
    const svg = read("p2.svg");
    checkSvg(svg);
    const t = texts(svg);
    expect(t[0]).toMatch(/^diffmix plot — m2\.json: 2-D, \d+ regions?, degree 2, 6 levels \(isotropic map, σ₀ 1\)$/);
    expect(t).toContain("d2-held.csv (300 of 300 rows)");
    expect(t).toContain("model samples (300 of 5000)"); // as many samples as data points are drawn
    expect(t).toContain("learned density p̂ (heat map, contours)");
    expect(t).toContain("log p̂ per row: d2-held.csv vs samples");
    for (const time of ["0.05", "0.5", "1.5"]) expect(t.some((s) => s.startsWith(`regions and score ŝ_t at t = ${time} `))).toBe(true);
    expect(t.filter((s) => s === "height").length).toBe(6); // the x axis of each panel but the log-likelihood one
    expect(t.filter((s) => s === "weight").length).toBe(6);
    expect(t.some((s) => /^d2-held\.csv: mean -\d+\.\d\d \(300 rows\)$/.test(s))).toBe(true);
    expect(t).toContain("-5"); // tick labels
    expect(t).toContain("p̂ contours: 50, 80, 95 % of the mass"); // the legend
    expect(svg).toContain("log p̂ by the flow ODE with 20 steps (fewer than logpdf's 50: for the picture)");

    const again = await diffmix(["plot", "m2.json", "d2-held.csv", "-o", "p2-again.svg", "--threads", "1", "-q"]);
    expect(again).toEqual({ code: 0, out: "", err: "" });
    expect(read("p2-again.svg")).toBe(svg);
    expect((await diffmix(["plot", "m2.json", "d2-held.csv", "-o", "p2-seed.svg", "--seed", "5", "-q"])).code).toBe(0);
    expect(read("p2-seed.svg")).not.toBe(svg);
  }, 60000);

  it("without DATA: samples, density and regions only; x1, x2 without a header", async () => {
    const r = await diffmix(["plot", "m2-plain.json", "-o", "p2-plain.svg", "--samples", "2000", "--steps", "8", "-q"]);
    expect(r).toEqual({ code: 0, out: "", err: "" });
    const svg = read("p2-plain.svg");
    checkSvg(svg);
    const t = texts(svg);
    expect(t).toContain("model samples (2000 of 2000)");
    expect(t.some((s) => s.startsWith("log p̂ per row"))).toBe(false);
    expect(t).toContain("x1");
    expect(t).toContain("x2");
    expect(svg).toContain("grey = samples noised to t");
    expect(svg).toContain("log p̂ by the flow ODE, 8 steps");
  }, 60000);

  it("--columns draws the pairs picture of those columns", async () => {
    const r = await diffmix(["plot", "m2.json", "d2-held.csv", "-o", "p2-pairs.svg", "--columns", "weight,height", "-q"]);
    expect(r).toEqual({ code: 0, out: "", err: "" });
    const t = texts(read("p2-pairs.svg"));
    expect(t.slice(0, 12)).toContain("weight");
    expect(t.some((s) => s.startsWith("regions and score"))).toBe(false);
  }, 60000);
});

describe("a 6-D model", () => {
  it("with DATA: a pairs picture of the first 4 principal directions, the loadings by column name, log p̂ per row", async () => {
    const r = await diffmix(["plot", "m6.json", "d6-held.csv", "-o", "p6.svg"]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^plot: p6\.svg \(6-D model, 300 rows of d6-held\.csv; \d+\.\d+ s\)\n$/);
    const svg = read("p6.svg");
    checkSvg(svg);
    const t = texts(svg);
    for (const k of [1, 2, 3, 4]) expect(t.some((s) => s.startsWith(`PC${k} (`))).toBe(true);
    expect(t.some((s) => s.startsWith("PC5"))).toBe(false);
    expect(t.some((s) => /^PC1 \(\d+\.\d % of the variance\) = [+−]\d\.\d\d [a-f] /.test(s))).toBe(true);
    expect(svg).toContain("the first 4 principal directions of d6-held.csv, in standardised units");
    expect(svg).toContain("the learned marginal is estimated from the model's samples");
    expect(t).toContain("log p̂ per row: d6-held.csv vs samples");
    expect(t).toContain("d6-held.csv (histograms, dots, grey contours)");

    const two = await diffmix(["plot", "m6.json", "d6-held.csv", "-o", "p6-two.svg", "--directions", "2", "-q"]);
    expect(two.code).toBe(0);
    const t2 = texts(read("p6-two.svg"));
    expect(t2.some((s) => s.startsWith("PC2 ("))).toBe(true);
    expect(t2.some((s) => s.startsWith("PC3 ("))).toBe(false);
  }, 60000);

  it("--columns by name or by number: the same picture, with the columns' names", async () => {
    const [byName, byNumber] = await Promise.all([
      diffmix(["plot", "m6.json", "d6-held.csv", "-o", "p6-names.svg", "--columns", "f, a,c", "-q"]),
      diffmix(["plot", "m6.json", "d6-held.csv", "-o", "p6-numbers.svg", "--columns", "6,1,3", "-q"]),
    ]);
    expect(byName.code).toBe(0);
    expect(byNumber.code).toBe(0);
    const svg = read("p6-names.svg");
    expect(read("p6-numbers.svg")).toBe(svg);
    const t = texts(svg);
    for (const c of ["f", "a", "c"]) expect(t).toContain(c);
    expect(t).not.toContain("b");
    expect(t.some((s) => s.startsWith("PC1"))).toBe(false);
  }, 60000);

  it("without DATA: the principal directions of the model's samples, no log-likelihood panel", async () => {
    const r = await diffmix(["plot", "m6.json", "-o", "p6-model.svg", "--samples", "1500", "-q"]);
    expect(r).toEqual({ code: 0, out: "", err: "" });
    const svg = read("p6-model.svg");
    checkSvg(svg);
    expect(svg).toContain("the first 4 principal directions of the model's samples");
    expect(svg).not.toContain("log p̂ per row");
    expect(svg).toContain("model samples (1500, probability-flow ODE)");
  }, 60000);
});

it("a 1-D model: the column's histogram and the learned density, the log-likelihood panel below the title", async () => {
  const r = await diffmix(["plot", "m1.json", "d1.csv", "-o", "p1.svg", "-q"]);
  expect(r).toEqual({ code: 0, out: "", err: "" });
  const svg = read("p1.svg");
  checkSvg(svg);
  const t = texts(svg);
  expect(t).toContain("a");
  expect(t).toContain("log p̂ per row: d1.csv vs samples");
  const width = Number(/width="(\d+)"/.exec(svg)![1]);
  expect(width).toBeGreaterThan(t[0].length * 15 * 0.6); // the title fits
}, 60000);

const rasteriser = (() => {
  try {
    createRequire(import.meta.url).resolve("@resvg/resvg-js");
    return true;
  } catch {
    return false;
  }
})();

describe("PNG", () => {
  it.runIf(rasteriser)("through @resvg/resvg-js: a PNG twice the SVG's size, the same bytes again", async () => {
    const [a, b] = await Promise.all([
      diffmix(["plot", "m2.json", "-o", "p2.png", "--samples", "500", "-q"]),
      diffmix(["plot", "m2.json", "-o", "p2-again.png", "--samples", "500", "-q"]),
    ]);
    expect(a).toEqual({ code: 0, out: "", err: "" });
    expect(b.code).toBe(0);
    const png = readFileSync(at("p2.png"));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.equals(readFileSync(at("p2-again.png")))).toBe(true);
    const svg = await diffmix(["plot", "m2.json", "-o", "p2-500.svg", "--samples", "500", "-q"]);
    expect(svg.code).toBe(0);
    const width = Number(/width="(\d+)"/.exec(read("p2-500.svg"))![1]);
    expect(png.readUInt32BE(16)).toBe(2 * width); // IHDR: the width
  }, 60000);

  it.runIf(!rasteriser)("without @resvg/resvg-js: one line that says what to install", async () => {
    const r = await diffmix(["plot", "m2.json", "-o", "p.png"]);
    expect(r).toEqual({ code: 2, out: "", err: "diffmix: plot: p.png: PNG needs the optional package @resvg/resvg-js (npm install @resvg/resvg-js), or write an .svg\n" });
  });
});

it("--help: usage, options and an example", async () => {
  const h = await diffmix(["plot", "--help"]);
  expect(h.code).toBe(0);
  expect(h.out).toMatch(/^Usage: diffmix plot MODEL\.json \[DATA\] -o PICTURE\.svg/);
  expect(h.out).toMatch(/--columns LIST/);
  expect(h.out).toMatch(/--seed S +random seed/);
  expect(h.out).toMatch(/\nExample:\n {2}diffmix /);
  expect((await diffmix(["--help"])).out).toContain("diffmix plot MODEL.json [DATA] -o PICTURE.svg");
});

// [what, arguments, exit code, the message after "diffmix: ", the output that must not exist]
const failures: Failure[] = [
  ["no -o", ["plot", "m2.json"], 2, "plot: missing -o PICTURE.svg (the picture to write: .svg or .png)"],
  ["no model", ["plot", "-o", "f1.svg"], 2, "plot: missing MODEL.json (see: diffmix plot --help)", "f1.svg"],
  ["another picture format", ["plot", "m2.json", "-o", "f2.pdf"], 2, "plot: f2.pdf: the picture is an .svg or a .png file", "f2.pdf"],
  ["unknown column", ["plot", "m6.json", "-o", "f3.svg", "--columns", "a,zz"], 2, 'invalid option --columns: no column "zz"; the model\'s columns: a, b, c, d, e, f', "f3.svg"],
  ["a column's name misspelt", ["plot", "m2.json", "-o", "f4.svg", "--columns", "hieght"], 2, 'invalid option --columns: no column "hieght" (did you mean height?); the model\'s columns: height, weight', "f4.svg"],
  ["a column number too large", ["plot", "m6.json", "-o", "f5.svg", "--columns", "1,7"], 2, "invalid option --columns: column 7 is beyond the model's 6 columns", "f5.svg"],
  ["a column twice", ["plot", "m6.json", "-o", "f6.svg", "--columns", "a,1"], 2, 'invalid option --columns: column "a" is given twice', "f6.svg"],
  ["a name without a header", ["plot", "m2-plain.json", "-o", "f7.svg", "--columns", "height"], 2, 'invalid option --columns: "height" is not a column number in [1, 2] (the model has no column names)', "f7.svg"],
  ["an empty column", ["plot", "m6.json", "-o", "f8.svg", "--columns", "a,,b"], 2, 'invalid option --columns: an empty name in "a,,b"', "f8.svg"],
  ["too many columns", ["plot", "m6.json", "-o", "f9.svg", "--columns", "1,2,3,4,5,6,1,2,3"], 2, "invalid option --columns: at most 8 columns, got 9", "f9.svg"],
  ["columns and directions", ["plot", "m6.json", "-o", "f10.svg", "--columns", "a,b", "--directions", "2"], 2, "plot: give --columns or --directions, not both", "f10.svg"],
  ["too many directions", ["plot", "m6.json", "-o", "f11.svg", "--directions", "7"], 2, "invalid option --directions: expected an integer in [1, 6], got 7", "f11.svg"],
  ["too few samples", ["plot", "m2.json", "-o", "f12.svg", "--samples", "5"], 2, "invalid option --samples: expected an integer in [100, 10000000], got 5", "f12.svg"],
  ["bad steps", ["plot", "m2.json", "-o", "f13.svg", "--steps", "0"], 2, "invalid option --steps: expected an integer in [1, 100000], got 0", "f13.svg"],
  ["unknown option", ["plot", "m2.json", "-o", "f14.svg", "--column", "a"], 2, "unknown option --column (did you mean --columns?)", "f14.svg"],
  ["DATA of another dimension", ["plot", "m2.json", "d6.csv", "-o", "f15.svg"], 1, "m2.json: dimension 2, but d6.csv has 6 columns", "f15.svg"],
  ["DATA with other columns", ["plot", "m2.json", "swapped.csv", "-o", "f16.svg"], 1, 'swapped.csv: column 1 is "weight", but the model was fitted with "height" there (columns: height, weight)', "f16.svg"],
  ["DATA not numbers", ["plot", "m2.json", "text.csv", "-o", "f17.svg"], 1, 'text.csv:3: column 2: "abc" is not a number', "f17.svg"],
  ["DATA ragged", ["plot", "m2.json", "ragged.csv", "-o", "f18.svg"], 1, "ragged.csv:3: expected 2 numbers, found 1", "f18.svg"],
  ["missing DATA", ["plot", "m2.json", "nope.csv", "-o", "f19.svg"], 1, "nope.csv: no such file", "f19.svg"],
  ["missing model", ["plot", "nope.json", "-o", "f20.svg"], 1, "nope.json: no such file", "f20.svg"],
  ["both from stdin", ["plot", "-", "-", "-o", "f22.svg"], 2, "plot: MODEL.json and DATA cannot both be - (stdin)", "f22.svg"],
  ["output folder missing", ["plot", "m2.json", "-o", "nowhere/f23.svg"], 1, "nowhere/f23.svg: the folder nowhere does not exist"],
];

describeFailures(dir, failures);
