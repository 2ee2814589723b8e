// The shard protocol on the command line (dist/cli/bin.js, spawned): diffmix plan, stats,
// merge, solve and rows, and the streamed diffmix fit. Shards cut anywhere, in CSV, NPY and
// Parquet, merged in any grouping, give the model of one `stats` over the whole file (1e-8),
// which is the streamed fit's; every refusal is one line naming the file, with no output left.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteFile } from "hyparquet-writer";
import { runDiffmix, type Run } from "./helpers/cli.ts";
import { GaussianMixture } from "../src/mixture.ts";
import { writeTable } from "../src/io/files.ts";

const dir = mkdtempSync(join(tmpdir(), "diffmix-shards-"));
const at = (f: string) => join(dir, f);
const diffmix = (args: string[], input?: string): Promise<Run> => runDiffmix(dir, args, input);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const M = 12000;
const truth = new GaussianMixture([0.4, 0.35, 0.25], [[-3, 0], [3, 1], [0, 4]]);
const data = truth.sample(M, 11).map((v, i) => (i % 2 ? Math.round(v * 2) / 2 + 0 : v));
const FIXED = ["--levels", "6", "--degree", "2", "--merge", "2", "--granularity", "30", "--map", "isotropic", "--scale", "1", "--seed", "3"];
const cuts = [0, 2999, 5000, 8191, M];
const rows = (lo: number, hi: number) => data.subarray(2 * lo, 2 * hi);
const csv = (x: Float64Array, header = "x,y\n") => header + Array.from({ length: x.length / 2 }, (_, r) => `${x[2 * r]},${x[2 * r + 1]}`).join("\n") + "\n";

const coefficients = (file: string) => (JSON.parse(readFileSync(at(file), "utf8")).levels as { W: number[][] }[]).flatMap((l) => l.W.flat());
const maxRel = (a: number[], b: number[]) => {
  expect(a.length).toBe(b.length);
  let d = 0, s = 1e-300;
  a.forEach((v, i) => {
    d = Math.max(d, Math.abs(v - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  });
  return d / s;
};
const ok = async (args: string[]) => {
  const r = await diffmix([...args, "-q"]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return r;
};

beforeAll(async () => {
  writeFileSync(at("data.csv"), csv(data));
  await writeTable(at("data.npy"), data, 2);
  // Shards in three formats, cut at rows that are no multiple of anything.
  writeFileSync(at("s0.csv"), csv(rows(cuts[0], cuts[1])));
  await writeTable(at("s1.npy"), rows(cuts[1], cuts[2]), 2);
  const p = rows(cuts[2], cuts[3]), m = p.length / 2;
  parquetWriteFile({
    filename: at("s2.parquet"), rowGroupSize: 1000,
    columnData: [{ name: "x", data: Float64Array.from({ length: m }, (_, r) => p[2 * r]), type: "DOUBLE" }, { name: "y", data: Float64Array.from({ length: m }, (_, r) => p[2 * r + 1]), type: "DOUBLE" }],
  });
  writeFileSync(at("s3.csv"), csv(rows(cuts[3], cuts[4]), ""));
});

describe("diffmix plan, stats, merge, solve, rows", () => {
  it("each command has --help with an example, and the top help lists them", async () => {
    const top = await diffmix(["--help"]);
    for (const cmd of ["plan", "stats", "merge", "solve", "rows"]) {
      expect(top.out).toContain(`diffmix ${cmd} `);
      const h = await diffmix([cmd, "--help"]);
      expect(h.code).toBe(0);
      expect(h.out).toMatch(new RegExp(`^Usage: diffmix ${cmd} `));
      expect(h.out).toMatch(/\nExample:\n {2}diffmix /);
    }
  });

  it("rows: each table's rows and columns as a JSON line", async () => {
    const r = await diffmix(["rows", "s0.csv", "s1.npy", "s2.parquet"]);
    expect(r).toEqual({
      code: 0, err: "",
      out: [["s0.csv", 2999], ["s1.npy", 2001], ["s2.parquet", 3191]].map(([file, n]) => JSON.stringify({ file, rows: n, columns: 2 })).join("\n") + "\n",
    });
  });

  it("shards cut anywhere, in CSV, NPY and Parquet, merged in any grouping, give the model of one stats over the file, which is the streamed fit's (1e-8)", async () => {
    const p = await diffmix(["plan", "data.npy", "--plan-rows", "4000", ...FIXED, "-o", "plan.json"]);
    expect(p.code).toBe(0);
    expect(p.err).toMatch(/^plan: 12000 rows × 2, chosen on a sample of 4000 → plan\.json: isotropic map, soft gates, σ₀ 1\.000, 30 micro-clusters, R 2 → \d+ regions, degree 2, 6 levels(; frame ranks( \d+×r\d+)+)?; dequantised 1 grid-valued column \(/);
    const plan = JSON.parse(readFileSync(at("plan.json"), "utf8"));
    expect([plan.format, plan.version, plan.config.planSample]).toEqual(["diffmix-plan", 1, { rows: 4000, seen: M }]);
    const shards = ["s0.csv", "s1.npy", "s2.parquet", "s3.csv"];
    for (const [k, s] of shards.entries()) {
      const r = await diffmix(["stats", "plan.json", s, "--first-row", String(cuts[k]), "-o", `s${k}.stats`, "--threads", String(1 + (k % 2))]);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(new RegExp(`^stats: ${cuts[k + 1] - cuts[k]} rows of ${s.replace(".", "\\.")} \\(rows ${cuts[k] + 1}–${cuts[k + 1]} of the whole\\) → s${k}\\.stats \\(`));
    }
    await ok(["merge", "s2.stats", "s0.stats", "-o", "a.stats"]);
    await ok(["merge", "s3.stats", "s1.stats", "-o", "b.stats"]);
    const m = await diffmix(["merge", "b.stats", "a.stats", "-o", "all.stats"]);
    expect(m.err).toMatch(/^merge: 2 files, 12000 rows \(rows 1–12000\) → all\.stats/);
    await ok(["merge", "s1.stats", "s3.stats", "s0.stats", "s2.stats", "-o", "flat.stats"]);
    await ok(["solve", "plan.json", "all.stats", "-o", "grouped.json"]);
    await ok(["solve", "plan.json", "flat.stats", "-o", "flat.json"]);
    await ok(["stats", "plan.json", "data.csv", "-o", "one.stats"]);
    await ok(["solve", "plan.json", "one.stats", "-o", "one.json"]);
    expect(maxRel(coefficients("grouped.json"), coefficients("one.json"))).toBeLessThan(1e-8);
    expect(maxRel(coefficients("flat.json"), coefficients("one.json"))).toBeLessThan(1e-8);
    const model = JSON.parse(readFileSync(at("grouped.json"), "utf8"));
    expect([model.rows, model.config.planSample, model.columns]).toEqual([M, { rows: 4000, seen: M }, null]); // the plan read data.npy: no header
    // The streamed fit of the whole file: the same plan (the same sample), the same sums.
    const f = await diffmix(["fit", "data.npy", "--mode", "stream", "--plan-rows", "4000", ...FIXED, "-o", "streamed.json"]);
    expect(f.err).toMatch(/^fit: 12000 rows × 2 \(streamed; the plan chosen on a sample of 4000\) → streamed\.json/);
    expect(maxRel(coefficients("streamed.json"), coefficients("one.json"))).toBeLessThan(1e-8);
  });

  it("fit --mode stream on a file of at most --plan-rows rows is fit --mode memory up to rounding", async () => {
    await ok(["fit", "data.csv", "--mode", "stream", ...FIXED, "-o", "stream.json"]);
    await ok(["fit", "data.csv", "--mode", "memory", ...FIXED, "-o", "memory.json"]);
    expect(maxRel(coefficients("stream.json"), coefficients("memory.json"))).toBeLessThan(1e-12);
    const s = JSON.parse(readFileSync(at("stream.json"), "utf8")), mm = JSON.parse(readFileSync(at("memory.json"), "utf8"));
    expect([s.rows, mm.rows, s.config.planSample, mm.config.planSample]).toEqual([M, M, { rows: M, seen: M }, undefined]);
  });
});

describe("refusals: one line naming the file, exit code, no output", () => {
  beforeAll(async () => {
    await writeTable(at("three.npy"), new Float64Array(300).map((_, i) => i % 7), 3);
    await writeTable(at("few.npy"), data.subarray(0, 60), 2);
    const stats = readFileSync(at("s1.stats"));
    writeFileSync(at("cut.stats"), stats.subarray(0, stats.length - 1000));
    const v2 = Buffer.from(stats);
    v2.write(stats.toString("latin1", 12, 60).replace('"version":2', '"version":9'), 12, "latin1");
    writeFileSync(at("v9.stats"), v2);
    const other = await diffmix(["plan", "data.npy", "--plan-rows", "4000", ...FIXED.slice(0, -1), "4", "-o", "other.json", "-q"]);
    expect(other.code).toBe(0);
    await ok(["stats", "other.json", "s1.npy", "--first-row", "2999", "-o", "other.stats"]);
    const edited = JSON.parse(readFileSync(at("plan.json"), "utf8"));
    edited.levels[0].t = 0.02;
    writeFileSync(at("edited.json"), JSON.stringify(edited));
    // A shard that fails to parse at row 1e6: a million good rows first.
    const good = Array.from({ length: 1000 }, (_, r) => `${data[2 * r]},${data[2 * r + 1]}`).join("\n") + "\n";
    writeFileSync(at("million.csv"), good.repeat(1000) + "1,2\n3,x4\n5,6\n");
  });

  it.each([
    ["a shard with another dimension", ["stats", "plan.json", "three.npy", "-o", "o1.stats"], 1, "three.npy: 3 columns, but the plan is for 2", "o1.stats"],
    ["stats from another plan", ["solve", "plan.json", "other.stats", "-o", "o2.json"], 1, /^other\.stats: made with another plan \(its plan digest is [0-9a-f]{12}, plan\.json's is [0-9a-f]{12}\)$/, "o2.json"],
    ["stats of another plan, merged", ["merge", "s0.stats", "other.stats", "-o", "o3.stats"], 1, /^other\.stats: made with another plan than s0\.stats \(plan digests [0-9a-f]{12} and [0-9a-f]{12}\)$/, "o3.stats"],
    ["a stats file of another version", ["merge", "s0.stats", "v9.stats", "-o", "o4.stats"], 1, "v9.stats: unsupported stats version 9 (this diffmix reads version 2)", "o4.stats"],
    ["a truncated stats file", ["solve", "plan.json", "cut.stats", "-o", "o5.json"], 1, /^cut\.stats: truncated: the header promises \d+ bytes, the file has \d+$/, "o5.json"],
    ["a truncated stats file, merged", ["merge", "s0.stats", "cut.stats", "-o", "o6.stats"], 1, /^cut\.stats: truncated: /, "o6.stats"],
    ["a shard counted twice", ["merge", "a.stats", "s0.stats", "-o", "o7.stats"], 1, "s0.stats: rows 1–2999 are also in a.stats (a shard counted twice?)", "o7.stats"],
    ["a shard that fails to parse at row 1e6", ["stats", "plan.json", "million.csv", "-o", "o8.stats"], 1, 'million.csv:1000002: column 2: "x4" is not a number', "o8.stats"],
    ["an edited plan", ["stats", "edited.json", "s1.npy", "-o", "o9.stats"], 1, "edited.json: the plan's content does not match its digest (edited or damaged? make it again with diffmix plan)", "o9.stats"],
    ["a model given as a plan", ["solve", "grouped.json", "all.stats", "-o", "o10.json"], 1, 'grouped.json: not a diffmix plan ("format" is "diffmix-model", expected "diffmix-plan")', "o10.json"],
    ["a plan given as stats", ["solve", "plan.json", "plan.json", "-o", "o11.json"], 1, "plan.json: not a diffmix stats file (made by diffmix stats or merge)", "o11.json"],
    ["a streamed fit of stdin", ["fit", "-", "--mode", "stream", "-o", "o12.json"], 2, "fit: --mode stream reads the file twice, so it needs a file, not - (stdin)", "o12.json"],
    ["--plan-rows in memory", ["fit", "data.csv", "--mode", "memory", "--plan-rows", "100", "-o", "o13.json"], 2, "fit: --plan-rows applies to a streamed fit (--mode stream, or a file above the threshold)", "o13.json"],
    ["an unknown mode", ["fit", "data.csv", "--mode", "streem", "-o", "o14.json"], 2, 'invalid option --mode: expected auto, memory or stream, got "streem" (did you mean stream?)', "o14.json"],
    ["a negative first row", ["stats", "plan.json", "s1.npy", "--first-row", "-1", "-o", "o15.stats"], 2, "invalid option --first-row: expected an integer in [0, 9007199254740991], got -1", "o15.stats"],
    ["a typo", ["stats", "plan.json", "s1.npy", "--first-rows", "1", "-o", "o16.stats"], 2, "unknown option --first-rows (did you mean --first-row?)", "o16.stats"],
    ["too few rows to plan", ["plan", "few.npy", "-o", "o17.json"], 1, "few.npy: 30 rows, but fit needs at least 50", "o17.json"],
    ["a missing shard", ["stats", "plan.json", "nope.npy", "-o", "o18.stats"], 1, "nope.npy: no such file", "o18.stats"],
  ] as const)("%s", async (_, args, code, message, output) => {
    const r = await diffmix([...args]);
    if (typeof message === "string") expect(r.err).toBe(`diffmix: ${message}\n`);
    else expect(r.err.replace(/^diffmix: /, "").trimEnd()).toMatch(message);
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    expect(r.code).toBe(code);
    expect(r.out).toBe("");
    expect(existsSync(at(output))).toBe(false);
  });

  it("leaves no temporary file", () => {
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
