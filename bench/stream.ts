/**
 * Streamed fits from disk against the in-memory fit (src/stream.ts, `diffmix fit --mode stream`).
 *
 *   npm run bench:stream -- [--rows 1e6,4e6] [--formats npy,csv] [--plan-rows 2e4,1e5,1e6]
 *                           [--skip memory|quality] [--no-results]
 *
 * Data: the mix8d preset (5 unit-variance Gaussians in 8-D), written to a temporary NPY (and
 * CSV) file in chunks; default fit options, seed 7, default threads (the cores).
 *
 * 1. Memory and time: each fit in a process of its own (process.resourceUsage().maxRSS: the
 *    peak of all its threads), streamed (fitFile: a plan from a seeded sample of 100 000 rows,
 *    then the sums block by block) and in memory (readTable, then fit) at each row count.
 * 2. Quality of a plan chosen on a sample: on the first row count, the in-memory fit (plan from
 *    all rows) beside streamed fits whose plans saw 2e4, 1e5 and 1e6 rows: the relative score
 *    error ∫E|ŝ−s|²/∫E|s|² over the model's levels (src/metrics/score-error.ts, 5000 points per
 *    level) and the sliced TV of 1e5 samples (ODE, 50 steps) beside the floor of a fresh
 *    sample of the truth.
 * Writes the section "stream" of bench/RESULTS.md.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fit, sample, ScoreModel } from "../src/node.ts";
import { fitFile } from "../src/files.ts";
import { readTable } from "../src/io/files.ts";
import { csvChunks } from "../src/io/csv.ts";
import { mixtureFromSpec } from "../src/mixture-spec.ts";
import { presets } from "../src/presets.ts";
import { scoreError } from "../src/metrics/score-error.ts";
import { slicedTV } from "../src/metrics/sliced.ts";
import { machine, writeSection } from "./harness.ts";

const SELF = fileURLToPath(import.meta.url);
const argv = process.argv.slice(2);
const arg = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const list = (s: string | undefined, dflt: number[]) => (s ? s.split(",").map(Number) : dflt);
const mb = (bytes: number) => bytes / 2 ** 20;
const truth = mixtureFromSpec(presets.mix8d, "mix8d"), n = truth.dim;
const SEED = 7, CHUNK = 100_000;

interface Run { mode: string; file: string; rows: number; wall: number; cpu: number; peak: number; before: number; load: number; detail: string; model?: string }

// ---------------------------------------------------------------------------------------
// Child: one fit, one RESULT line.

async function child(mode: string, file: string, planRows: number | undefined, save: string | undefined) {
  const load = loadavg()[0];
  const t0 = performance.now(), c0 = process.cpuUsage();
  let model: ScoreModel, before: number;
  if (mode === "stream") {
    before = mb(process.memoryUsage().rss);
    model = await fitFile(file, { seed: SEED, ...(planRows ? { planRows } : {}) });
  } else {
    const table = await readTable(file);
    before = mb(process.memoryUsage().rss);
    model = await fit(table.x, { dim: table.cols, seed: SEED });
  }
  const wall = (performance.now() - t0) / 1e3, u = process.cpuUsage(c0);
  if (save) writeFileSync(save, JSON.stringify(model));
  const c = model.config as Record<string, unknown>;
  const plan = c.planSample as { rows: number } | undefined;
  const detail = `${model.regions.weights.length} regions, degree ${model.degree}, σ₀ ${model.map.scale.toPrecision(3)}; plan from ${plan ? plan.rows : model.rows} rows`;
  const r: Run = { mode, file, rows: model.rows, wall, cpu: (u.user + u.system) / 1e6, peak: process.resourceUsage().maxRSS / 1024, before, load, detail };
  console.log(`RESULT ${JSON.stringify(r)}`);
}

if (argv[0] === "--child") {
  await child(argv[1], argv[2], arg("--plan-rows") ? Number(arg("--plan-rows")) : undefined, arg("--save"));
  process.exit(0);
}

function run(mode: string, file: string, extra: string[] = []): Run {
  const r = spawnSync(process.execPath, [...process.execArgv, SELF, "--child", mode, file, ...extra], { encoding: "utf8", maxBuffer: 1 << 24 });
  const out = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (r.status !== 0 || !out) throw new Error(`child ${mode} ${file} failed (exit ${r.status}): ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
  const res = JSON.parse(out.slice(7)) as Run;
  console.log(`${mode} ${file}: ${res.wall.toFixed(1)} s wall, ${res.cpu.toFixed(1)} s CPU, peak RSS ${res.peak.toFixed(0)} MB; ${res.detail}`);
  return res;
}

/** m rows of mix8d written in chunks (the parent never holds them all). */
function writeData(dir: string, m: number, format: "npy" | "csv"): string {
  const file = join(dir, `mix8d-${m}.${format}`);
  const fd = openSync(file, "w");
  const put = (b: string | Uint8Array) => void writeSync(fd, typeof b === "string" ? Buffer.from(b) : b);
  if (format === "npy") {
    // The v1.0 header of an m × n little-endian float64 array (as src/io/npy.ts writes it).
    let dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${m}, ${n}), }`;
    dict = dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 10 - 1, " ") + "\n";
    const head = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
    head.writeUInt16LE(dict.length, 8);
    put(head);
    put(Buffer.from(dict, "latin1"));
  }
  for (let c = 0; c * CHUNK < m; c++) {
    const x = truth.sample(Math.min(CHUNK, m - c * CHUNK), 1000 + c);
    if (format === "npy") put(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    else for (const s of csvChunks(x, n)) put(s);
  }
  closeSync(fd);
  return file;
}

const rows = list(arg("--rows"), [1e6, 4e6]);
const formats = (arg("--formats") ?? "npy").split(",") as ("npy" | "csv")[];
const planSizes = list(arg("--plan-rows"), [2e4, 1e5, 1e6]);
const skip = new Set((arg("--skip") ?? "").split(","));
const dir = mkdtempSync(join(tmpdir(), "diffmix-bench-stream-"));
const lines: string[] = [];
try {
  const started = new Date().toISOString(), load0 = loadavg()[0];
  const files: Record<string, string> = {};
  for (const m of rows) for (const f of formats) files[`${m}.${f}`] = writeData(dir, m, f);
  const size = (f: string) => `${mb(statSync(f).size).toFixed(0)} MB`;
  if (!skip.has("memory")) {
    lines.push("| rows × 8 | file | mode | wall | CPU | peak RSS | RSS before the fit | load at start | model |", "|---|---|---|---|---|---|---|---|---|");
    for (const m of rows) for (const f of formats) {
      const file = files[`${m}.${f}`];
      for (const mode of ["stream", "memory"]) {
        const r = run(mode, file);
        lines.push(`| ${m.toExponential(0)} | ${f.toUpperCase()}, ${size(file)} | ${mode === "stream" ? "streamed" : "in memory"} | ${r.wall.toFixed(1)} s | ${r.cpu.toFixed(1)} s | **${r.peak.toFixed(0)} MB** | ${r.before.toFixed(0)} MB | ${r.load.toFixed(1)} | ${r.detail} |`);
      }
    }
  }
  const quality: string[] = [];
  if (!skip.has("quality")) {
    const m = rows[0], file = files[`${m}.${formats[0]}`];
    const models: { label: string; file: string; r: Run }[] = [];
    const ref = join(dir, "memory.json");
    models.push({ label: "in memory (plan from all rows)", file: ref, r: run("memory", file, ["--save", ref]) });
    for (const k of planSizes) {
      const out = join(dir, `plan-${k}.json`);
      models.push({ label: `streamed, plan from ${k.toExponential(0)} rows`, file: out, r: run("stream", file, ["--plan-rows", String(k), "--save", out]) });
    }
    const floorSample = truth.sample(100_000, 424242);
    const floor = slicedTV(floorSample, truth).value;
    quality.push("| model | plan rows | regions, degree | score error (relative, ∫ over the levels) | worst level | sliced TV of 1e5 samples (floor " + floor.toFixed(4) + ") | fit wall |", "|---|---|---|---|---|---|---|");
    for (const { label, file: f, r } of models) {
      const model = ScoreModel.fromJSON(JSON.parse(readFileSync(f, "utf8")));
      const se = scoreError(model, truth, { points: 5000, seed: 3 });
      const worst = Math.max(...se.levels.map((l) => l.error));
      const xs = await sample(model, 100_000, { seed: 11, method: "ode" });
      const tv = slicedTV(xs, truth).value;
      const planRows = (model.config.planSample as { rows: number } | undefined)?.rows ?? model.rows;
      quality.push(`| ${label} | ${planRows} | ${model.regions.weights.length}, ${model.degree} | ${se.relative.toExponential(2)} | ${worst.toExponential(2)} | ${tv.toFixed(4)} (+${(tv - floor).toFixed(4)}) | ${r.wall.toFixed(1)} s |`);
      console.log(quality[quality.length - 1]);
    }
  }
  const command = `npm run bench:stream${argv.length ? ` -- ${argv.join(" ")}` : ""}`;
  const md = [
    `## Streamed fits from disk (\`${command}\`)`,
    "",
    `${started}. ${machine()}; load ${load0.toFixed(1)} at the start (${cpus().length} cores shared with other jobs: wall times are long and noisy, CPU times and RSS are the comparable numbers).`,
    "",
    "mix8d rows (5 unit-variance Gaussians in 8-D) in a file on local disk; default options, seed 7, the default threads (2). Each fit in a process of its own; peak RSS is process.resourceUsage().maxRSS (all threads, Node included). " +
    "Streamed: `fitFile` (= `diffmix fit --mode stream`), a plan from a seeded sample of 100 000 rows (pass 1), then the sums of every row, 65 536-row blocks sorted by region (pass 2). In memory: readTable, then fit.",
    "",
    ...lines,
    "",
    ...(quality.length ? [
      `Quality of a plan chosen on a sample (${rows[0].toExponential(0)} rows): the in-memory fit's plan saw every row; the streamed fits' plans a seeded sample of the given size (the stats always sum every row). ` +
      "Score error: ∫E|ŝ_t−s_t|²dt / ∫E|s_t|²dt over the model's levels, 5000 noised truth points per level; worst level: the largest E|ŝ−s|²/E|s|². Sliced TV: 8 principal + 16 random directions.",
      "",
      ...quality,
    ] : []),
  ].join("\n");
  console.log(md);
  if (!argv.includes("--no-results")) writeSection("stream", md);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
