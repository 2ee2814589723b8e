// The `diffmix` command, spawned for real (node dist/cli/bin.js, the package's bin) on files in a temporary folder:
// every command's happy path, the round trip gen → fit → sample → eval, and every failure
// with its exact one-line message, its exit code and no output file left behind.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeFailures, runDiffmix, type Failure, type Run } from "./helpers/cli.ts";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "diffmix-cli-"));
const at = (f: string) => join(dir, f);

/** Runs `diffmix …args` in the temporary folder (so messages show relative names). */
const diffmix = (args: string[], input?: string | Buffer): Promise<Run> => runDiffmix(dir, args, input);

const csv = (rows: number[][]) => rows.map((r) => r.join(",")).join("\n") + "\n";
const leftovers = () => readdirSync(dir).filter((f) => f.endsWith(".tmp"));

beforeAll(async () => {
  // Fixtures shared by the failure cases; the happy paths make their own.
  const g = await diffmix(["gen", "--preset", "blobs2d", "-n", "400", "-o", "data.csv", "--seed", "1", "-q"]);
  expect(g.err).toBe("");
  const f = await diffmix(["fit", "data.csv", "-o", "model.json", "--levels", "6", "--degree", "2", "-q"]);
  expect(f.err).toBe("");
  const model = JSON.parse(readFileSync(at("model.json"), "utf8"));
  writeFileSync(at("truncated.json"), readFileSync(at("model.json"), "utf8").slice(0, 300));
  writeFileSync(at("v3.json"), JSON.stringify({ ...model, version: 9 }));
  writeFileSync(at("dim3.json"), JSON.stringify({ ...model, regions: { ...model.regions, centres: model.regions.centres.map((c: number[]) => [...c, 0]) } }));
  writeFileSync(at("data3.csv"), csv(Array.from({ length: 100 }, (_, i) => [i % 7, i % 5, i % 3])));
  writeFileSync(at("empty.csv"), "");
  writeFileSync(at("header.csv"), "x,y\n");
  writeFileSync(at("ragged.csv"), "1,2,3\n".repeat(16) + "4,5\n");
  writeFileSync(at("text.csv"), "x,y\n1,2\n3,abc\n");
  writeFileSync(at("nan.csv"), "1,2\n3,NaN\n");
  writeFileSync(at("inf.csv"), "1,2\n-Infinity,4\n");
  writeFileSync(at("posinf.csv"), "1,2\n3,4\n5,Infinity\n");
  writeFileSync(at("few.csv"), csv(Array.from({ length: 12 }, (_, i) => [i, i % 3])));
  writeFileSync(at("one.csv"), "1,2\n");
  writeFileSync(at("tiny.csv"), "1,2\n3,4\n5,6\n");
  writeFileSync(at("ring.json"), JSON.stringify({ type: "circle", center: [0, 0], radius: 5 }));
  writeFileSync(at("badspec.json"), JSON.stringify({ weights: [0.5, 0.6], means: [[0, 0], [1, 1]] }));
  mkdirSync(at("folder"));
}, 120000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("happy paths", () => {
  it("--version and --help for every command, each with an example", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(await diffmix(["--version"])).toEqual({ code: 0, out: `${pkg.version}\n`, err: "" });
    const top = await diffmix(["--help"]);
    expect(top.code).toBe(0);
    for (const cmd of ["fit", "sample", "gen", "eval", "demo"]) {
      expect(top.out).toContain(`diffmix ${cmd}`);
      const h = await diffmix([cmd, "--help"]);
      expect(h.code).toBe(0);
      expect(h.out).toMatch(new RegExp(`^Usage: diffmix ${cmd}`));
      expect(h.out).toMatch(/\nExample:\n {2}(npx )?diffmix /);
      expect(h.err).toBe("");
    }
    expect((await diffmix(["fit", "--help"])).out).toMatch(/--threads T +worker threads \(the result does not depend on them\) \(an integer in \[1, 256\]; default the machine's cores\)/);
    expect((await diffmix(["help", "gen"])).out).toMatch(/^Usage: diffmix gen/);
  }, 60000);

  it("round trip gen → fit → sample → eval, through CSV, NPY and pipes", async () => {
    const g = await diffmix(["gen", "--preset", "blobs2d", "-n", "2000", "-o", "rt.csv", "--seed", "3"]);
    expect(g).toEqual({ code: 0, out: "", err: "gen: 2000 × 2 (discrete) → rt.csv\n" });
    expect(readFileSync(at("rt.csv"), "utf8").trim().split("\n")).toHaveLength(2000);

    const f = await diffmix(["fit", "rt.csv", "-o", "rt.json", "--levels", "8", "--seed", "2", "--threads", "2"]);
    expect(f.code).toBe(0);
    expect(f.out).toBe("");
    // No progress bar off a terminal: the summary, then the candidates the selection scored.
    expect(f.err).toMatch(/^fit: 2000 rows × 2 → rt\.json: (isotropic|diagonal|whiten) map, (soft|covariance) gates, σ₀ [\d.]+, \d+ micro-clusters, R \d → \d+ regions, degree \d+, 8 levels(; frame ranks( \d+×r\d+)+)? \(\d+\.\d+ s\)\n  chosen \(\*\) from \d+ candidates by held-out −log p̂, nats per row[^\n]*:\n(  [ *] .*\n)+$/);
    expect(f.err.match(/^  \* /gm)).toHaveLength(1);
    const model = JSON.parse(readFileSync(at("rt.json"), "utf8"));
    expect([model.format, model.version, model.dim, model.levels.length]).toEqual(["diffmix-model", 3, 2, 8]);

    const s = await diffmix(["sample", "rt.json", "-n", "3000", "-o", "rt-samples.npy", "--seed", "4", "--steps", "40", "-q"]);
    expect(s).toEqual({ code: 0, out: "", err: "" });
    expect(readFileSync(at("rt-samples.npy")).length).toBe(128 + 3000 * 2 * 8);
    const s2 = await diffmix(["sample", "rt.json", "-n", "5", "-o", "-", "--seed", "4", "--steps", "40", "--method", "em", "-q"]);
    expect(s2.code).toBe(0);
    expect(s2.out.trim().split("\n").map((l) => l.split(",").length)).toEqual([2, 2, 2, 2, 2]);
    const s3 = await diffmix(["sample", "rt.json", "-n", "5", "-o", "-", "--seed", "4", "--method", "ode", "-q"]);
    const s4 = await diffmix(["sample", "rt.json", "-n", "5", "-o", "-", "--seed", "4", "--method", "ode", "--steps", "50", "-q"]);
    expect(s3.code).toBe(0);
    expect(s3.out).toBe(s4.out); // ode defaults to 50 steps
    expect(s3.out).not.toBe(s2.out);
    // --start K: rows K … K+N−1 of the one stream (here rows 3 and 4 of the five above).
    const s5 = await diffmix(["sample", "rt.json", "-n", "2", "-o", "-", "--seed", "4", "--method", "ode", "--start", "3"]);
    expect(s5.code).toBe(0);
    expect(s5.out).toBe(s3.out.split("\n").slice(3, 5).join("\n") + "\n");
    expect(s5.err).toMatch(/^sample: 2 × 2 \(rows 3…4\) → stdout/);

    const e = await diffmix(["eval", "rt-samples.npy", "--preset", "blobs2d", "--model", "rt.json"]);
    expect(e.code).toBe(0);
    expect(e.err).toBe("");
    const r = JSON.parse(e.out);
    expect(e.out.trim().split("\n")).toHaveLength(1);
    expect(r).toMatchObject({ samples: "rt-samples.npy", rows: 3000, dim: 2, truth: "blobs2d", model: { file: "rt.json" } });
    expect(Object.keys(r.metrics).length).toBeGreaterThan(0);
    for (const m of Object.values(r.metrics) as { value: number; floor: number }[]) {
      expect(Number.isFinite(m.value)).toBe(true);
      expect(typeof m.floor).toBe("number");
    }
    expect(Number.isFinite(r.model.steinLoss)).toBe(true);

    // stdin: the samples piped in as CSV, compared with a reference file.
    const piped = await diffmix(["eval", "-", "--reference", "rt.csv"], s2.out.repeat(40));
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.out)).toMatchObject({ samples: "stdin", rows: 200, reference: "rt.csv" });
  }, 120000);

  it("gen from a spec file, to stdout; fit reads a header and stdin", async () => {
    const g = await diffmix(["gen", "ring.json", "-n", "300", "-o", "-", "--seed", "1", "-q"]);
    expect(g.code).toBe(0);
    const rows = g.out.trim().split("\n").map((l) => l.split(",").map(Number));
    expect(rows).toHaveLength(300);
    expect(Math.max(...rows.map(([x, y]) => Math.abs(Math.hypot(x, y) - 5)))).toBeLessThan(6);
    const f = await diffmix(["fit", "-", "-o", "ring-model.json", "--levels", "4", "--degree", "0", "-q"], "x,y\n" + g.out);
    expect(f).toEqual({ code: 0, out: "", err: "" });
    expect(JSON.parse(readFileSync(at("ring-model.json"), "utf8")).dim).toBe(2);
    const e = await diffmix(["eval", "data.csv", "--truth", "ring.json"]);
    expect(e.code).toBe(0);
    expect(JSON.parse(e.out).truth).toBe("ring.json");
  }, 60000);

  it("demo: a table against the EM baseline, times, and the picture", async () => {
    const d = await diffmix(["demo", "--rows", "1500", "--draws", "1500", "--levels", "6", "-o", "demo.svg"]);
    expect(d.err).toBe("");
    expect(d.code).toBe(0);
    expect(d.out).toMatch(/^diffmix demo: blobs2d/);
    expect(d.out).toMatch(/sampled by the probability-flow ODE \(50 steps\)/);
    expect(d.out).toMatch(/metric +diffmix +EM \(k=5\) +floor/);
    expect(d.out).toMatch(/time: diffmix fit \d+\.\d+ s, sample \d+\.\d+ s; EM fit/);
    expect(d.out).toMatch(/picture: demo\.svg\n$/);
    const svg = readFileSync(at("demo.svg"), "utf8");
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    for (const label of ["training data", "diffmix samples", "EM baseline", "regions and score"]) expect(svg).toContain(label);
  }, 60000);
});

// [arguments, exit code, the message after "diffmix: ", the output that must not exist]
const failures: Failure[] = [
  // files
  ["missing file", ["fit", "nope.csv", "-o", "o1.json"], 1, "nope.csv: no such file", "o1.json"],
  ["a directory", ["fit", "folder", "-o", "o2.json"], 1, "folder: is a directory (expected a file)", "o2.json"],
  ["empty file", ["fit", "empty.csv", "-o", "o3.json"], 1, "empty.csv: empty file (expected one sample per line)", "o3.json"],
  ["header only", ["fit", "header.csv", "-o", "o4.json"], 1, "header.csv: a header line but no data rows", "o4.json"],
  ["ragged rows", ["fit", "ragged.csv", "-o", "o5.json"], 1, "ragged.csv:17: expected 3 numbers, found 2", "o5.json"],
  ["non-numeric cell", ["fit", "text.csv", "-o", "o6.json"], 1, 'text.csv:3: column 2: "abc" is not a number', "o6.json"],
  ["NaN", ["fit", "nan.csv", "-o", "o7.json"], 1, "nan.csv:2: column 2: NaN is not a finite number", "o7.json"],
  ["-Infinity", ["fit", "inf.csv", "-o", "o8.json"], 1, "inf.csv:2: column 1: -Infinity is not a finite number", "o8.json"],
  ["Infinity", ["eval", "posinf.csv", "--preset", "ring"], 1, "posinf.csv:3: column 2: Infinity is not a finite number"],
  ["fewer rows than fit needs", ["fit", "few.csv", "-o", "o9.json"], 1, "few.csv: 12 rows, but fit needs at least 50", "o9.json"],
  ["fewer rows than eval needs", ["eval", "one.csv", "--preset", "ring"], 1, "one.csv: 1 row, but eval needs at least 2"],
  ["a reference smaller than needed", ["eval", "data.csv", "--reference", "tiny.csv"], 1, "tiny.csv: 3 rows, but a reference needs at least 4"],
  ["bad spec", ["gen", "badspec.json", "-n", "5", "-o", "o10.csv"], 1, 'badspec.json: "weights" must be an array of 2 positive finite numbers summing to 1 (±1e-6), got [0.5,0.6]', "o10.csv"],
  // models
  ["truncated model", ["sample", "truncated.json", "-n", "5", "-o", "o11.csv"], 1, "truncated.json: not valid JSON: the file ends in the middle of a value (truncated?)", "o11.csv"],
  ["another format version", ["sample", "v3.json", "-n", "5", "-o", "o12.csv"], 1, 'v3.json: "version" unsupported version 9 (this diffmix reads versions 1 to 3)', "o12.csv"],
  ["model of inconsistent dimension", ["sample", "dim3.json", "-n", "5", "-o", "o13.csv"], 1, 'dim3.json: "regions.centres[0]" expected 2 numbers, got 3 (wrong dimension?)', "o13.csv"],
  ["model of the wrong dimension for the data", ["eval", "data3.csv", "--model", "model.json"], 1, "model.json: dimension 2, but data3.csv has 3 columns"],
  ["truth of the wrong dimension for the data", ["eval", "data3.csv", "--preset", "blobs2d"], 1, "data3.csv: 3 columns, but the truth (preset blobs2d) has dimension 2"],
  ["reference of the wrong dimension", ["eval", "data3.csv", "--reference", "data.csv"], 1, "data3.csv: 3 columns, but the reference data.csv has 2"],
  ["missing model", ["sample", "nope.json", "-n", "5", "-o", "o14.csv"], 1, "nope.json: no such file", "o14.csv"],
  // usage
  ["-n 0", ["gen", "--preset", "ring", "-n", "0", "-o", "o15.csv"], 2, "invalid option -n: expected a positive integer, got 0", "o15.csv"],
  ["-n negative", ["sample", "model.json", "-n", "-5", "-o", "o16.csv"], 2, "invalid option -n: expected a positive integer, got -5", "o16.csv"],
  ["-n not a number", ["sample", "model.json", "-n", "many", "-o", "o17.csv"], 2, 'invalid option -n: expected a positive integer, got "many"', "o17.csv"],
  ["-n fractional", ["gen", "--preset", "ring", "-n", "2.5", "-o", "o18.csv"], 2, "invalid option -n: expected a positive integer, got 2.5", "o18.csv"],
  ["no -n", ["gen", "--preset", "ring", "-o", "o19.csv"], 2, "gen: missing -n N (the number of samples)", "o19.csv"],
  ["no -o", ["fit", "data.csv"], 2, "fit: missing -o MODEL.json (the model file to write)"],
  ["no input", ["fit", "-o", "o20.json"], 2, "fit: missing DATA (see: diffmix fit --help)", "o20.json"],
  ["output folder missing", ["gen", "--preset", "ring", "-n", "5", "-o", "nowhere/o21.csv"], 1, "nowhere/o21.csv: the folder nowhere does not exist"],
  ["output folder missing, before the fit", ["fit", "data.csv", "-o", "nowhere/m.json"], 1, "nowhere/m.json: the folder nowhere does not exist"],
  ["output is a folder", ["gen", "--preset", "ring", "-n", "5", "-o", "folder"], 1, "folder: is a directory (expected a file name)"],
  ["unknown option", ["fit", "data.csv", "-o", "o22.json", "--degre", "2"], 2, "unknown option --degre (did you mean --degree?)", "o22.json"],
  ["unknown option, another", ["sample", "model.json", "-n", "5", "-o", "o23.csv", "--step", "9"], 2, "unknown option --step (did you mean --steps?)", "o23.csv"],
  ["unknown option, nothing close", ["gen", "--preset", "ring", "-n", "5", "-o", "o24.csv", "--zzzzzz"], 2, "unknown option --zzzzzz (see: diffmix gen --help)", "o24.csv"],
  ["unknown command", ["smaple"], 2, 'unknown command "smaple" (did you mean sample?); commands: fit, sample, gen, eval, logpdf, components, plot, demo, plan, stats, merge, solve, rows'],
  ["unknown preset", ["gen", "--preset", "rign", "-n", "5", "-o", "o25.csv"], 2, 'unknown preset "rign" (did you mean ring?); known: blobs2d, ring, x, mix10d, pair-close, grid9, balls, sphere3, mix8d', "o25.csv"],
  ["bad degree", ["fit", "data.csv", "-o", "o26.json", "--degree", "13"], 2, 'invalid option --degree: expected an integer in [0, 12] or "auto", got 13', "o26.json"],
  ["bad threads", ["fit", "data.csv", "-o", "o27.json", "--threads", "0"], 2, "invalid option --threads: expected an integer in [1, 256], got 0", "o27.json"],
  ["method unknown", ["sample", "model.json", "-n", "5", "-o", "o29.csv", "--method", "eм"], 2, 'invalid option --method: expected exp, em or ode, got "eм" (did you mean em?)', "o29.csv"],
  ["option without its value", ["sample", "model.json", "-o", "o30.csv", "-n"], 2, "option -n needs a value (N)", "o30.csv"],
  ["option value that is an option", ["sample", "model.json", "-n", "--quiet", "-o", "o31.csv"], 2, "option -n needs a value (N)", "o31.csv"],
  ["extra argument", ["fit", "data.csv", "more.csv", "-o", "o32.json"], 2, 'fit: unexpected argument "more.csv" (see: diffmix fit --help)', "o32.json"],
  ["spec and preset", ["gen", "ring.json", "--preset", "ring", "-n", "5", "-o", "o33.csv"], 2, "gen: give SPEC.json or --preset NAME, not both", "o33.csv"],
  ["eval without a truth", ["eval", "data.csv"], 2, "eval: missing --truth SPEC.json, --preset NAME or --reference DATA (see: diffmix eval --help)"],
];

describeFailures(dir, failures);

describe("after the failures", () => {
  it("no temporary file is left in the folder", () => {
    expect(leftovers()).toEqual([]);
  });
});
