// examples/dask/diffmix_dask.py on a LocalCluster of 2 worker processes (Debian's
// python3-distributed through /usr/bin/python3): the model it fits over a folder of shards
// equals the single-process `diffmix stats` + `solve` over the whole file (1e-8), its samples,
// drawn in parts with --start, are the rows of one `diffmix sample` call, and they pass the
// quality check of `diffmix fit`'s samples. Skipped with a message where the package is missing;
// in CI (.ci/run installs it) a missing package is a failure.
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parquetWriteFile } from "hyparquet-writer";
import { BIN, runDiffmix } from "./helpers/cli.ts";
import { mixtureFromSpec } from "../src/mixture-spec.ts";
import { presets } from "../src/presets.ts";
import { readTable, writeTable } from "../src/io/files.ts";

const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("../examples/dask/diffmix_dask.py", import.meta.url));
const probe = spawnSync(PYTHON, ["-c", "import distributed; print(distributed.__version__)"], { encoding: "utf8" });
const HAVE = probe.status === 0;
const RUN = HAVE || !!process.env.CI; // in CI a missing package is a failure
if (!RUN) console.log(`[dask] skipped: ${PYTHON} cannot import distributed (apt-get install -y python3-distributed; .ci/run installs it)`);

const dir = mkdtempSync(join(tmpdir(), "diffmix-dask-"));
const at = (f: string) => join(dir, f);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const diffmix = async (args: string[]) => {
  const r = await runDiffmix(dir, args[0] === "eval" ? args : [...args, "-q"]); // eval has no --quiet
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return r.out;
};

const FIT = ["--degree", "2", "--levels", "12", "--merge", "2", "--map", "isotropic", "--scale", "1", "--granularity", "30", "--seed", "5"];
const M = 24000, SAMPLES = 20000;

describe.runIf(RUN)("examples/dask on a LocalCluster of 2 workers", () => {
  it("fits over a folder of shards as one process would, and samples in parts as one call would", async () => {
    expect(HAVE, `${PYTHON} cannot import distributed: ${probe.stderr.trim().split("\n").pop()}`).toBe(true);
    const truth = mixtureFromSpec(presets.blobs2d, "blobs2d");
    const data = truth.sample(M, 21);
    await writeTable(at("all.npy"), data, 2);
    // Four shards, cut at rows that are multiples of nothing, in three formats.
    const cuts = [0, 5003, 11000, 17777, M];
    mkdirSync(at("shards"));
    const part = (k: number) => data.subarray(2 * cuts[k], 2 * cuts[k + 1]);
    await writeTable(at("shards/part-0.csv"), part(0), 2);
    await writeTable(at("shards/part-1.npy"), part(1), 2);
    const p2 = part(2), m2 = p2.length / 2;
    parquetWriteFile({
      filename: at("shards/part-2.parquet"),
      columnData: [0, 1].map((j) => ({ name: `c${j}`, data: Float64Array.from({ length: m2 }, (_, r) => p2[2 * r + j]), type: "DOUBLE" as const })),
    });
    await writeTable(at("shards/part-3.npy"), part(3), 2);

    const t0 = performance.now();
    const r = spawnSync(PYTHON, [
      SCRIPT, at("shards"), at("out"), "--workers", "2", "--diffmix", `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}`,
      "--plan-rows", "8000", "--fit-args", FIT.join(" "), "--threads", "1",
      "--samples", String(SAMPLES), "--sample-parts", "3", "--sample-seed", "9", "--sample-args", "--method ode",
    ], { encoding: "utf8", timeout: 120_000 });
    const seconds = (performance.now() - t0) / 1000;
    expect(r.status, r.stderr.trim().split("\n").slice(-3).join("\n")).toBe(0);
    const report = JSON.parse(r.stdout.trim().split("\n").pop()!);
    console.log(`[dask] LocalCluster of 2 workers: ${M} rows in 4 shards, ${SAMPLES} samples in 3 parts: ${seconds.toFixed(1)} s (${JSON.stringify(report.seconds)})`);
    expect(report).toMatchObject({ rows: M, shards: 4, first_rows: cuts.slice(0, -1) });

    // The single-process stats + solve over the whole file, with the same plan.
    await diffmix(["stats", at("out/plan.json"), "all.npy", "-o", "one.stats"]);
    await diffmix(["solve", at("out/plan.json"), "one.stats", "-o", "one.json"]);
    const W = (f: string) => (JSON.parse(readFileSync(f, "utf8")).levels as { W: number[][] }[]).flatMap((l) => l.W.flat());
    const a = W(at("out/model.json")), b = W(at("one.json"));
    expect(a.length).toBe(b.length);
    const scale = Math.max(...b.map(Math.abs));
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale).toBeLessThan(1e-8);
    const model = JSON.parse(readFileSync(at("out/model.json"), "utf8"));
    expect([model.rows, model.config.planSample]).toEqual([M, { rows: 8000, seen: M }]);

    // The parts, in order, are the rows of one sample call.
    await diffmix(["sample", at("out/model.json"), "-n", String(SAMPLES), "--seed", "9", "--method", "ode", "-o", "one-sample.npy"]);
    const joined = new Float64Array(2 * SAMPLES);
    let off = 0;
    for (const f of report.samples as string[]) {
      const t = await readTable(f);
      joined.set(t.x, off);
      off += t.x.length;
    }
    expect(off).toBe(2 * SAMPLES);
    expect(joined).toEqual((await readTable(at("one-sample.npy"))).x);
    writeFileSync(at("dask-samples.csv"), Array.from({ length: SAMPLES }, (_, k) => `${joined[2 * k]},${joined[2 * k + 1]}`).join("\n") + "\n");

    // The quality check of fit's samples: the same data fitted in one process, the same draw.
    await diffmix(["fit", "all.npy", ...FIT, "-o", "fit.json"]);
    await diffmix(["sample", "fit.json", "-n", String(SAMPLES), "--seed", "9", "--method", "ode", "-o", "fit-samples.npy"]);
    const tv = async (f: string) => (JSON.parse(await diffmix(["eval", f, "--preset", "blobs2d", "--seed", "3"])).metrics.tv2d as { value: number; floor: number });
    const dask = await tv("dask-samples.csv"), single = await tv("fit-samples.npy");
    console.log(`[dask] histogram TV: dask ${dask.value.toFixed(4)}, fit ${single.value.toFixed(4)}, floor ${dask.floor.toFixed(4)}`);
    for (const q of [dask, single]) expect(q.value).toBeLessThan(q.floor + 0.02);
    expect(dask.value).toBeLessThan(single.value + 0.01);
  }, 180_000);
});
