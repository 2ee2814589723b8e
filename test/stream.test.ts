// Fits streamed from files and the shard protocol's library half (src/stream.ts, src/shards.ts,
// src/io/blocks.ts, src/io/shard-files.ts): block readers that give readTable's rows, the plan's
// sample the same however the table is cut, shards cut anywhere whose merged sums are the
// whole file's to 1e-12 and whose model is the whole's to 1e-8, and the stats file's checks.
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteFile } from "hyparquet-writer";
import { fit, solve } from "../src/node.ts";
import { fitFile, planFiles, statsFile, readStats, writeStats, readPlan, writePlan, openTable, addInto } from "../src/files.ts";
import { PlanSample, unionRanges } from "../src/shards.ts";
import { decodeStats, encodeStats, mergeShards, statsShape, type ShardStats } from "../src/io/shard-files.ts";
import { readTable, writeTable } from "../src/io/files.ts";
import { npyData, npyHeader } from "../src/io/npy.ts";
import { GaussianMixture } from "../src/mixture.ts";
import type { FitStats } from "../src/fit.ts";

const dir = mkdtempSync(join(tmpdir(), "diffmix-stream-"));
const at = (f: string) => join(dir, f);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const truth = new GaussianMixture([0.5, 0.3, 0.2], [[-3, 0], [3, 1], [0, 4]]);
// A rounded second column: dequantised, each row's noise from its id.
const M = 9000;
const data = truth.sample(M, 5).map((v, i) => (i % 2 ? Math.round(v * 4) / 4 + 0 : v)); // + 0: no -0, which CSV writes as 0
const options = { seed: 2, levels: 6, degree: 2, R: 2, granularity: 30, map: "isotropic", scale: 1 } as const;

const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0, s = 1e-300;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
};
/** The largest relative difference over all arrays of two stats (each array against its own largest entry). */
const statsRel = (a: FitStats, b: FitStats) => Math.max(
  maxRel(a.sum, b.sum), maxRel(a.outer, b.outer),
  ...a.levels.flatMap((s, l) => (["S", "Rx", "Rc", "csum", "dsum"] as const).map((k) => maxRel(s[k], b.levels[l][k])))
);
const coefficients = (m: { levels: { W: number[][] }[] }) => m.levels.flatMap((l) => l.W.flat());
const slice = (lo: number, hi: number) => data.subarray(2 * lo, 2 * hi);

const csvText = (x: Float64Array, header = "") => header + Array.from({ length: x.length / 2 }, (_, r) => `${x[2 * r]},${x[2 * r + 1]}`).join("\n") + "\n";

describe("block readers: one parser, two drivers", () => {
  it("CSV, NPY and Parquet blocks are readTable's rows, with the index of each block's first row", async () => {
    writeFileSync(at("d.csv"), "\ufeffx,y\r\n" + csvText(data).replaceAll("\n", "\r\n") + "\n\n");
    await writeTable(at("d.npy"), data, 2);
    parquetWriteFile({
      filename: at("d.parquet"), rowGroupSize: 2500,
      columnData: [{ name: "x", data: Float64Array.from({ length: M }, (_, r) => data[2 * r]), type: "DOUBLE" }, { name: "y", data: Array.from({ length: M }, (_, r) => data[2 * r + 1]), type: "DOUBLE" }],
    });
    const whole = await readTable(at("d.csv"));
    expect(whole.x).toEqual(data);
    expect((await readTable(at("d.parquet"))).x).toEqual(data);
    for (const f of ["d.csv", "d.npy", "d.parquet"]) {
      for (const blockRows of [1000, 4096, 1 << 16]) {
        const t = await openTable(at(f));
        const out = new Float64Array(2 * M);
        let next = 0;
        for await (const b of t.blocks(blockRows)) {
          expect(b.first).toBe(next);
          if (f !== "d.csv") expect(b.rows).toBeLessThanOrEqual(blockRows); // CSV: whole chunks of the file
          out.set(b.x, 2 * b.first);
          next = b.first + b.rows;
        }
        expect(next).toBe(M);
        expect(out).toEqual(data);
        expect(t.seen()).toEqual({ cols: 2, header: f === "d.npy" ? null : ["x", "y"] });
      }
    }
  });

  it("names the file and the row (CSV: the line) of a bad value, in any block", async () => {
    const bad = csvText(data).split("\n");
    bad[7000] = "1,oops";
    writeFileSync(at("bad.csv"), bad.join("\n"));
    const read = async (f: string) => {
      for await (const _ of (await openTable(at(f))).blocks(1000));
    };
    await expect(read("bad.csv")).rejects.toThrow(`${at("bad.csv")}:7001: column 2: "oops" is not a number`);
    const x = data.slice();
    x[2 * 8000 + 1] = NaN;
    writeFileSync(at("nan.npy"), Buffer.concat([npyHeader(x.length / 2, 2), npyData(x)])); // writeTable refuses NaN
    await expect(read("nan.npy")).rejects.toThrow(`${at("nan.npy")}: row 8001, column 2 is NaN (expected a finite number)`);
    parquetWriteFile({ filename: at("null.parquet"), columnData: [{ name: "a", data: [1, 2, null, 4] }, { name: "b", data: [1, 2, 3, 4] }] });
    await expect(read("null.parquet")).rejects.toThrow(`${at("null.parquet")}: row 3, column 1 ("a") is empty (null) (expected a number)`);
    parquetWriteFile({ filename: at("text.parquet"), columnData: [{ name: "a", data: [1, 2] }, { name: "name", data: ["p", "q"], type: "STRING" }] });
    await expect(openTable(at("text.parquet"))).rejects.toThrow(`${at("text.parquet")}: column 2 ("name") is BYTE_ARRAY (UTF8), not numbers`);
    writeFileSync(at("cut.parquet"), readFileSync(at("d.parquet")).subarray(0, 3000));
    await expect(openTable(at("cut.parquet"))).rejects.toThrow(`${at("cut.parquet")}: not a readable Parquet file (parquet file invalid (footer != PAR1))`);
    await expect(openTable(at("none.parquet"))).rejects.toThrow(`${at("none.parquet")}: no such file`);
  });
});

describe("the plan's sample", () => {
  it("is the same rows however the table is cut into blocks, in file order, and uniform", () => {
    const a = new PlanSample(500, 2, 7), b = new PlanSample(500, 2, 7);
    a.add(data, M, 0);
    for (const [lo, hi] of [[0, 1], [1, 4000], [4000, 4001], [4001, M]]) b.add(slice(lo, hi), hi - lo, lo);
    const ra = a.rows(), rb = b.rows();
    expect(ra.m).toBe(500);
    expect(rb.ids).toEqual(ra.ids);
    expect(rb.x).toEqual(ra.x);
    expect([...ra.ids].every((v, k) => k === 0 || v > ra.ids[k - 1])).toBe(true);
    for (let k = 0; k < 500; k++) expect(ra.x.subarray(2 * k, 2 * k + 2)).toEqual(slice(ra.ids[k], ra.ids[k] + 1));
    const mean = ra.ids.reduce((s, v) => s + v, 0) / 500; // uniform ids: mean M/2 ± 3 standard errors
    expect(Math.abs(mean - M / 2)).toBeLessThan(3 * (M / Math.sqrt(12)) / Math.sqrt(500));
    const all = new PlanSample(2 * M, 2, 7);
    all.add(data, M, 0);
    expect(all.rows().x).toEqual(data); // a table smaller than the sample: all of it, in order
  });
});

describe("streamed fits and shards", () => {
  it("fitFile on a file of at most planRows rows gives fit()'s model up to rounding, for CSV, NPY and Parquet", async () => {
    const whole = await fit(data, { ...options, dim: 2 });
    for (const f of ["d.csv", "d.npy", "d.parquet"]) {
      const m = await fitFile(at(f), { ...options, blockRows: 1500 });
      expect(m.rows).toBe(M);
      expect(m.config.planSample).toEqual({ rows: M, seen: M });
      expect(m.dequantised).toEqual(whole.dequantised);
      expect(maxRel(coefficients(m), coefficients(whole))).toBeLessThan(1e-12);
      expect(m.columns).toEqual(f === "d.npy" ? null : ["x", "y"]);
    }
  });

  it("shards cut anywhere, merged in any order or grouping, give the whole file's sums to 1e-12 and its model to 1e-8", async () => {
    const { plan, rows } = await planFiles([at("d.npy")], { ...options, planRows: 3000 });
    expect(rows).toBe(M);
    expect(plan.config.planSample).toEqual({ rows: 3000, seen: M });
    const whole = await statsFile(plan, at("d.npy"), { blockRows: 2048 });
    const cuts = [0, 1, 1235, 4096 + 17, 7000, M];
    const shards = await Promise.all(cuts.slice(0, -1).map(async (lo, s) => {
      const f = at(`shard-${s}.npy`);
      await writeTable(f, slice(lo, cuts[s + 1]), 2);
      return statsFile(plan, f, { firstRow: lo, blockRows: 1000 + 333 * s });
    }));
    const shape = statsShape(plan);
    const file = (s: ShardStats) => decodeStats(encodeStats(s, shape), "x.stats");
    const merged = file(shards[3]);
    for (const k of [0, 4, 2, 1]) mergeShards(merged, "a", file(shards[k]), "b", (x, y) => void addInto(x, y));
    expect(merged.ranges).toEqual([[0, M]]);
    expect(merged.stats.rows).toBe(M);
    expect(statsRel(merged.stats, whole.stats)).toBeLessThan(1e-12);
    // Another grouping: (0 + 1) + (2 + (3 + 4)).
    const left = file(shards[0]), right = file(shards[2]), inner = file(shards[3]);
    mergeShards(left, "a", file(shards[1]), "b", (x, y) => void addInto(x, y));
    mergeShards(inner, "a", file(shards[4]), "b", (x, y) => void addInto(x, y));
    mergeShards(right, "a", inner, "b", (x, y) => void addInto(x, y));
    mergeShards(left, "a", right, "b", (x, y) => void addInto(x, y));
    expect(statsRel(left.stats, whole.stats)).toBeLessThan(1e-12);
    const a = solve(plan, merged.stats), b = solve(plan, whole.stats);
    expect(maxRel(coefficients(a), coefficients(b))).toBeLessThan(1e-8);
    expect(a.rows).toBe(M);
    expect(a.config.planSample).toEqual({ rows: 3000, seen: M });
    // And the streamed fit of the file is that model too.
    const streamed = await fitFile(at("d.npy"), { ...options, planRows: 3000 });
    expect(maxRel(coefficients(streamed), coefficients(b))).toBeLessThan(1e-8);
  });

  it("stats files: round trip bit for bit; refused when truncated, damaged, of another version, of another plan, or sharing rows", async () => {
    const { plan } = await planFiles([at("d.npy")], { ...options, planRows: 2000 });
    await writePlan(at("plan.json"), plan);
    const back = await readPlan(at("plan.json"));
    expect(back.digest).toBe(plan.digest);
    expect(back.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const s = await statsFile(plan, at("shard-1.npy"), { firstRow: 1 });
    await writeStats(at("s1.stats"), s, plan);
    const r = readStats(at("s1.stats"));
    expect(r.stats).toEqual(s.stats);
    expect(r.ranges).toEqual([[1, 1235]]);
    const bytes = readFileSync(at("s1.stats"));
    writeFileSync(at("cut.stats"), bytes.subarray(0, bytes.length - 100));
    expect(() => readStats(at("cut.stats"))).toThrow(`${at("cut.stats")}: truncated: the header promises ${bytes.length} bytes, the file has ${bytes.length - 100}`);
    const damaged = Buffer.from(bytes);
    damaged[bytes.length - 500] ^= 1;
    writeFileSync(at("damaged.stats"), damaged);
    expect(() => readStats(at("damaged.stats"))).toThrow(`${at("damaged.stats")}: checksum mismatch: the file is damaged`);
    const v3 = Buffer.from(bytes);
    v3.write(bytes.toString("latin1", 12, 80).replace('"version":2', '"version":3'), 12, "latin1");
    writeFileSync(at("v3.stats"), v3);
    expect(() => readStats(at("v3.stats"))).toThrow(`${at("v3.stats")}: unsupported stats version 3 (this diffmix reads version 2)`);
    writeFileSync(at("plan.stats"), readFileSync(at("plan.json")));
    expect(() => readStats(at("plan.stats"))).toThrow(`${at("plan.stats")}: not a diffmix stats file (made by diffmix stats or merge)`);
    const edited = JSON.parse(readFileSync(at("plan.json"), "utf8"));
    edited.ridge = 0.5;
    writeFileSync(at("edited.json"), JSON.stringify(edited));
    await expect(readPlan(at("edited.json"))).rejects.toThrow(`${at("edited.json")}: the plan's content does not match its digest (edited or damaged? make it again with diffmix plan)`);
    const other = await planFiles([at("d.npy")], { ...options, seed: 3, planRows: 2000 });
    const t = await statsFile(other.plan, at("shard-2.npy"), { firstRow: 1235 });
    expect(() => mergeShards(r, "s1.stats", { ...t, header: { ...r.header, plan: t.plan } }, "t.stats", () => undefined)).toThrow(/^t\.stats: made with another plan than s1\.stats \(plan digests [0-9a-f]{12} and [0-9a-f]{12}\)$/);
    expect(() => mergeShards(readStats(at("s1.stats")), "s1.stats", readStats(at("s1.stats")), "again.stats", () => undefined)).toThrow("again.stats: rows 2–1235 are also in s1.stats (a shard counted twice?)");
    expect(unionRanges([[0, 5], [9, 12]], [[5, 9]])).toEqual({ ranges: [[0, 12]] });
  });

  it("refuses a shard with another dimension or other columns, by name, before any sums", async () => {
    const { plan } = await planFiles([at("d.csv")], { ...options, planRows: 2000 });
    await writeTable(at("three.npy"), new Float64Array(300), 3);
    await expect(statsFile(plan, at("three.npy"))).rejects.toThrow(`${at("three.npy")}: 3 columns, but the plan is for 2`);
    writeFileSync(at("three.csv"), "1,2,3\n4,5,6\n");
    await expect(statsFile(plan, at("three.csv"))).rejects.toThrow(`${at("three.csv")}: 3 columns, but the plan is for 2`);
    writeFileSync(at("swapped.csv"), "y,x\n1,2\n");
    await expect(statsFile(plan, at("swapped.csv"))).rejects.toThrow(`${at("swapped.csv")}: column 1 is "y", but the plan has "x" there (columns: x, y)`);
    const far = data.slice(0, 400);
    far[2 * 150] = 1e300;
    await writeTable(at("far.npy"), far, 2);
    await expect(statsFile(plan, at("far.npy"), { firstRow: 5000 })).rejects.toThrow(`${at("far.npy")}: row 151, column 1: 1e+300 is 1.0e+300 noise scales from the plan's centre (at most 1e+12)`);
  });
});
