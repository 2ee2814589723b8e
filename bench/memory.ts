/**
 * Memory and threads on a large fit: 1e6 × 8 rows (the mix8d preset), default options, run
 * once with the default threads (the cores) and once with one thread, each in its own process.
 * Reports the data's size, the resident set before the fit (data in memory) and its peak
 * (process.resourceUsage().maxRSS: all threads of the process), wall and CPU time, and the
 * speed-up of the cores over one thread.
 *
 *   npm run bench:memory -- [--rows M] [--no-results]
 */
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { fit } from "../src/node.ts";
import { mixtureFromSpec } from "../src/mixture-spec.ts";
import { presets } from "../src/presets.ts";
import { machine, writeSection } from "./harness.ts";

const argv = process.argv.slice(2);
const mb = (bytes: number) => bytes / 2 ** 20;
const arg = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const m = Number(arg("--rows") ?? 1e6);

/** One fit in this process; prints a RESULT line. */
async function child(threads: number | undefined) {
  const truth = mixtureFromSpec(presets.mix8d, "mix8d"), n = truth.dim;
  const data = truth.sample(m, 1);
  const rssBefore = mb(process.memoryUsage().rss);
  const load = loadavg()[0];
  const t0 = performance.now(), c0 = process.cpuUsage();
  const model = await fit(data, { dim: n, seed: 7, threads });
  const wall = (performance.now() - t0) / 1e3, u = process.cpuUsage(c0), cpu = (u.user + u.system) / 1e6;
  const peak = process.resourceUsage().maxRSS / 1024;
  const line = `fit ${m.toLocaleString("en")} × ${n} (${mb(data.byteLength).toFixed(0)} MB of data), threads ${threads ?? `default (${cpus().length})`}: ` +
    `${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU (all threads), load ${load.toFixed(2)} at start; RSS ${rssBefore.toFixed(0)} MB before the fit, ` +
    `peak ${peak.toFixed(0)} MB; ${model.regions.weights.length} regions, largest frame rank ${Math.max(...model.regions.ranks)}, degree ${model.degree}, R=${(model.config as { R: number }).R}.`;
  console.log(`RESULT ${JSON.stringify({ wall, line })}`);
}

if (argv.includes("--child")) {
  const t = arg("--threads");
  await child(t === undefined ? undefined : Number(t));
  process.exit(0);
}
const run = (extra: string[]) => {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--child", "--rows", String(m), ...extra], { encoding: "utf8", maxBuffer: 1 << 24 });
  const out = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (r.status !== 0 || !out) throw new Error(`child failed (exit ${r.status}): ${r.stderr.trim().split("\n").pop()}`);
  return JSON.parse(out.slice(7)) as { wall: number; line: string };
};
const many = run([]), one = run(["--threads", "1"]);
const lines = [many.line, one.line, `Speed-up of ${cpus().length} threads over one: ${(one.wall / many.wall).toFixed(2)}× wall.`];
for (const l of lines) console.log(l);
if (!argv.includes("--no-results")) {
  writeSection("memory", [
    `## Memory of a large fit (\`npm run bench:memory${argv.length ? ` -- ${argv.join(" ")}` : ""}\`)`,
    "",
    `${new Date().toISOString()}. ${machine()}.`,
    "",
    ...lines.flatMap((l) => [`- ${l}`]),
    "",
    "The fit keeps one working copy of the data (sorted by micro-cluster, in shared memory so the worker threads read it without copies); " +
    "each worker holds one 4096-row chunk in its WASM memory plus the Gram buffers of one level (O(features²)); the main thread holds the " +
    "per-level sums (O(features²)). The peak above the data is therefore that copy, the threads' WASM instances and Node itself.",
  ].join("\n"));
}
