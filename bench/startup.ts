/**
 * Start-up, as a user meets it (`npm run bench:startup`): builds dist/, packs it and installs
 * the tarball into an empty folder (test/helpers/package.ts), then, in one run, interleaved:
 *   - a 10-row `diffmix gen --preset blobs2d -n 10 -o -` by the installed bin
 *     (node_modules/.bin/diffmix, not through npx), `diffmix --version`, and Node alone
 *     (`node -e ""`); beside them the sources through tsx, as bin/diffmix.js ran them before
 *     the package was compiled;
 *   - a worker thread from `new Worker(…)` to its first reply (a request that needs the
 *     fitting code loaded), started from dist/threads/worker.js (what the package does) and
 *     from src/threads/boot.js (tsx: what every worker did before, and what the suite does);
 *     one at a time, and two at once as a pool of 2 starts them.
 * Medians (and the range) of RUNS runs each; writes the "startup" section of bench/RESULTS.md.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { packAndInstall, ROOT } from "../test/helpers/package.ts";
import { machine, markdownTable, writeSection } from "./harness.ts";

const RUNS = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 15);
const TARGET_GEN = 0.15; // s, issue 11

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const range = (xs: number[]) => `${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)}`;

const load0 = loadavg()[0];
const built = spawnSync(process.execPath, ["scripts/build.js"], { cwd: ROOT, encoding: "utf8" });
if (built.status !== 0) throw new Error(`npm run build failed:\n${built.stdout}${built.stderr}`);
const pkg = await packAndInstall();
const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;
const bin = join(pkg.app, "node_modules", ".bin", "diffmix");
const GEN = ["gen", "--preset", "blobs2d", "-n", "10", "-o", "-"];
// What bin/diffmix.js did before the package was compiled: register tsx, import the sources.
const TSX_BIN = `import { register } from "tsx/esm/api"; register();
const { main } = await import(${JSON.stringify(join(ROOT, "src/cli/main.ts"))});
process.exitCode = await main(process.argv.slice(1));`;

interface Command { name: string; cmd: string; args: string[]; cwd: string; out?: RegExp }
const commands: Command[] = [
  { name: "node -e \"\" (Node alone)", cmd: process.execPath, args: ["-e", ""], cwd: pkg.app },
  { name: "installed bin: diffmix gen … -n 10 -o -", cmd: bin, args: GEN, cwd: pkg.app, out: /^(-?[\d.e+-]+,-?[\d.e+-]+\n){10}$/ },
  { name: "installed bin: diffmix --version", cmd: bin, args: ["--version"], cwd: pkg.app, out: new RegExp(`^${version.replace(/\./g, "\\.")}\\n$`) },
  { name: "sources through tsx (before): diffmix gen … -n 10 -o -", cmd: process.execPath, args: ["--input-type=module", "-e", TSX_BIN, ...GEN], cwd: ROOT, out: /^(-?[\d.e+-]+,-?[\d.e+-]+\n){10}$/ },
];

const wall: number[][] = commands.map(() => []);
for (let r = 0; r < RUNS + 1; r++) {
  commands.forEach((c, i) => {
    const t0 = performance.now();
    const p = spawnSync(c.cmd, c.args, { cwd: c.cwd, encoding: "utf8" });
    const s = (performance.now() - t0) / 1000;
    if (p.status !== 0 || (c.out && !c.out.test(p.stdout))) throw new Error(`${c.name}: exit ${p.status}, stdout ${JSON.stringify(p.stdout.slice(0, 200))}, stderr ${p.stderr}`);
    if (r > 0) wall[i].push(s); // the first round warms the file cache (and tsx's)
  });
}

/** ms from new Worker(entry) until each of `count` workers started together has replied. */
function startWorkers(entry: URL, count: number): Promise<number> {
  const t0 = performance.now();
  return Promise.all(Array.from({ length: count }, () => new Promise<void>((resolve, reject) => {
    const w = new Worker(entry);
    w.once("error", reject);
    w.once("message", (m: { error?: string }) => {
      // The reply to a job whose spec is missing: an error, sent after tasks.ts (the fit, the
      // sampler, the kernels) has loaded; what a real first item waits for too.
      if (typeof m?.error !== "string") reject(new Error(`unexpected first reply ${JSON.stringify(m)}`));
      void w.terminate().then(() => resolve());
    });
    w.postMessage({ job: { id: 1, task: "sample", spec: null }, params: null, item: 0 });
  }))).then(() => performance.now() - t0);
}

const entries = [
  { name: "dist/threads/worker.js (the package)", url: new URL("../dist/threads/worker.js", import.meta.url) },
  { name: "src/threads/boot.js, tsx (before; the suite)", url: new URL("../src/threads/boot.js", import.meta.url) },
];
const one: number[][] = entries.map(() => []), two: number[][] = entries.map(() => []);
for (let r = 0; r < RUNS + 1; r++) {
  for (let i = 0; i < entries.length; i++) {
    const a = await startWorkers(entries[i].url, 1), b = await startWorkers(entries[i].url, 2);
    if (r > 0) {
      one[i].push(a);
      two[i].push(b);
    }
  }
}
const tarballBytes = statSync(pkg.tarball).size;
rmSync(pkg.tmp, { recursive: true, force: true });

const gen = median(wall[1]);
const rows = commands.map((c, i) => [c.name, median(wall[i]).toFixed(3), range(wall[i])]);
const workerRows = entries.map((e, i) => [e.name, median(one[i]).toFixed(0), `${Math.min(...one[i]).toFixed(0)}–${Math.max(...one[i]).toFixed(0)}`, median(two[i]).toFixed(0)]);
const md = `## Start-up (\`npm run bench:startup\`, owner: packaging)

${machine()}; load average (1 min) ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end.
The package packed and installed into an empty folder (tarball ${(tarballBytes / 1024).toFixed(0)} KB, ${pkg.files.length} files);
${RUNS} runs of each command, interleaved, after one warm-up round. Wall time in seconds, spawn to exit:

${markdownTable(["command", "median s", "range s"], rows)}

The target for a 10-row \`diffmix gen\` by the installed bin is ≤ ${TARGET_GEN} s: **${gen.toFixed(3)} s**
(${gen <= TARGET_GEN ? "met" : "not met"}; Node alone is ${median(wall[0]).toFixed(3)} s of it). \`diffmix --version\` printed ${version}, the package's version.

Worker threads, from \`new Worker(…)\` to the first reply (ms; the modules of the fit and the
sampler loaded), ${RUNS} runs each, interleaved:

${markdownTable(["worker entry", "one worker, median ms", "range ms", "two at once (a pool of 2), median ms"], workerRows)}
`;
console.log(md);
writeSection("startup", md);
