/**
 * Memory of a large fit: 1e6 × 8 rows (the mix8d preset), default options and threads.
 * Reports the data's size, the process's resident set before the fit (data in memory) and its
 * peak (Node's process.resourceUsage().maxRSS: all threads of the process), and the fit's time.
 *
 *   npm run bench:memory -- [--rows M] [--threads T] [--no-results]
 */
import { cpus, loadavg } from "node:os";
import { fit } from "../src/fit.ts";
import { presets, mixtureFromSpec } from "../src/mixture.ts";
import { machine, writeSection } from "./harness.ts";

const argv = process.argv.slice(2);
const arg = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const m = Number(arg("--rows") ?? 1e6), threads = arg("--threads") === undefined ? undefined : Number(arg("--threads"));
const truth = mixtureFromSpec(presets.mix8d, "mix8d"), n = truth.dim;
const data = truth.sample(m, 1);
const mb = (bytes: number) => bytes / 2 ** 20;
const rssBefore = mb(process.memoryUsage().rss);
const load = loadavg()[0];
const t0 = performance.now(), c0 = process.cpuUsage();
let last = 0;
const model = await fit(data, {
  dim: n, seed: 7, threads,
  onProgress: (p) => {
    if (performance.now() - last > 5000) {
      last = performance.now();
      console.log(`${p.phase} ${p.done}/${p.total} ${p.message}`);
    }
  },
});
const wall = (performance.now() - t0) / 1e3, cpu = (() => { const u = process.cpuUsage(c0); return (u.user + u.system) / 1e6; })();
const peak = process.resourceUsage().maxRSS / 1024;
const rank = Math.max(...model.regions.ranks), groups = model.regions.weights.length;
const line = `fit ${m.toLocaleString("en")} × ${n} (${mb(data.byteLength).toFixed(0)} MB of data), threads ${threads ?? `default (${cpus().length})`}: ` +
  `${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU (all threads), load ${load.toFixed(2)} at start; RSS ${rssBefore.toFixed(0)} MB before the fit, ` +
  `peak ${peak.toFixed(0)} MB; ${groups} regions, largest frame rank ${rank}, degree ${model.degree}, R=${(model.config as { R: number }).R}.`;
console.log(line);
if (!argv.includes("--no-results")) {
  writeSection("memory", [
    `## Memory of a large fit (\`npm run bench:memory${argv.length ? ` -- ${argv.join(" ")}` : ""}\`)`,
    "",
    `${new Date().toISOString()}. ${machine()}.`,
    "",
    line,
    "",
    "The fit keeps one working copy of the data (sorted by micro-cluster, in shared memory so the worker threads read it without copies); " +
    "each worker holds one 4096-row chunk in its WASM memory plus the Gram buffers of one level (O(features²)); the main thread holds the " +
    "per-level sums (O(features²)). The peak above the data is therefore that copy, the threads' WASM instances and Node itself.",
  ].join("\n"));
}
