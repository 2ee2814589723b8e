/**
 * Real data: held-out log-likelihood of diffmix against scikit-learn's GaussianMixture
 * (full covariance, k by BIC) and KernelDensity (bandwidth by 5-fold CV), both on z-scored
 * data with the Jacobian added back, and the exact density where it is known. Nats per row
 * of the raw data, higher is better.
 *
 *   npm run bench:realdata -- [--only moons,iris] [--json FILE] [--no-write] [--no-cli] [--no-zscored] [--fit JSON]
 *
 * Data sets: FFJORD's toys moons, pinwheel and checkerboard (10 000 rows, one fixed 80/20
 * split) and scikit-learn's copies of iris, wine, breast cancer, diabetes and Boston housing
 * (5 fixed 80/20 splits). bench/realdata_peers.py (run by /usr/bin/python3, one process per data set)
 * makes the rows, dequantises grid-valued columns, writes the splits, fits the peers and
 * computes the exact densities; this script fits diffmix on the same files:
 *   - "diffmix": `fit(train, {dim, seed, ...FIT_OPTIONS})`, then `model.logpdf(test)` — the
 *     library as a user calls it (the options live in FIT_OPTIONS below, or --fit '{"levels":20}');
 *   - "diffmix z-scored": the same on (x − mean)/sd of the training rows, −Σ log sd added back;
 *   - once per set (split 0), `diffmix fit` and `diffmix logpdf` through the command line
 *     (defaults, the same seed), timed, and their mean checked against the API's;
 *   - for the 10 000-row toys, also one fit of all 10 000 rows, timed (the ≤ 3 s target).
 * Writes the section between <!-- begin realdata --> and <!-- end realdata --> of
 * bench/RESULTS.md (not with --only, --fit, --no-zscored or --no-write) and, with --json, every number.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fit, type FitOptions, type ScoreModel } from "../src/index.ts";
import { markdownTable, revision, writeSection } from "./harness.ts";

/** The options of every diffmix fit in this benchmark: change them here (or with --fit JSON). */
const FIT_OPTIONS: FitOptions = {};
const SEED = 0;

const PYTHON = "/usr/bin/python3";
const BENCH = fileURLToPath(new URL(".", import.meta.url));
const PEERS = join(BENCH, "realdata_peers.py");
// The command as installed (package.json "bin"): the compiled package, built here first.
const CLI = fileURLToPath(new URL("../dist/cli/bin.js", import.meta.url));

interface SetInfo { name: string; label: string; target: boolean }
const SETS: SetInfo[] = [
  { name: "moons", label: "two moons, FFJORD's toy ×2", target: true },
  { name: "pinwheel", label: "pinwheel, FFJORD's toy", target: true },
  { name: "iris", label: "iris, scikit-learn's copy", target: true },
  { name: "wine", label: "wine, scikit-learn's copy", target: true },
  { name: "breast_cancer", label: "breast cancer, scikit-learn's copy", target: false },
  { name: "diabetes", label: "diabetes (raw features), scikit-learn's copy", target: false },
  { name: "checkerboard", label: "checkerboard, FFJORD's toy", target: false },
  { name: "boston", label: "Boston housing (13 features), scikit-learn's copy", target: false },
];

interface PeerSplit {
  train: number; test: number; zscoreLogJacobian: number;
  gmm: { mean: number; k: number; seconds: number; bic: number[]; converged: boolean };
  kde: { mean: number; bandwidth: number; seconds: number; grid: { log10Range: number[]; values: number; searches: number } };
  exact?: { mean: number; check?: unknown };
}
interface PeerOut { name: string; source: string; rows: number; dim: number; dequantised: { column: number; step: number; distinct: number; offGrid: number }[]; splits: PeerSplit[]; sklearn: string; [k: string]: unknown }

interface Fitted { mean: number; fitSeconds: number; fitCpuSeconds: number; logpdfSeconds: number; config: string; modelConfig: Record<string, unknown>; selection: unknown; rows: Float64Array }
interface SplitResult {
  peers: PeerSplit; diffmix: Omit<Fitted, "rows">; zscored: Omit<Fitted, "rows">;
  /** Per test row: diffmix − best peer of this set, its mean and standard error over rows. */
  rowDiff: { mean: number; se: number };
  load: number;
}
interface SetResult {
  name: string; label: string; target: boolean; rows: number; dim: number; source: string;
  dequantised: PeerOut["dequantised"]; splits: SplitResult[];
  mean: { diffmix: number; zscored: number; gmm: number; kde: number; exact?: number };
  bestPeer: "gmm" | "kde";
  /** diffmix − best peer: mean and paired standard error (over splits when 5, over test rows when 1). */
  diff: { mean: number; se: number; over: "splits" | "rows" };
  status: string;
  cli?: { fitSeconds: number; logpdfSeconds: number; mean: number; apiMean: number };
  full?: { rows: number; fitSeconds: number; fitCpuSeconds: number; config: string };
  peerSeconds: number;
}

function parseArgs(argv: string[]) {
  const o = { only: undefined as string[] | undefined, json: undefined as string | undefined, write: true, cli: true, zscored: true, fit: {} as FitOptions, fitText: "" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--only") o.only = (argv[++i] ?? "").split(",").filter(Boolean);
    else if (a === "--json") o.json = argv[++i];
    else if (a === "--no-write") o.write = false;
    else if (a === "--no-cli") o.cli = false;
    else if (a === "--no-zscored") o.zscored = false;
    else if (a === "--fit") o.fit = JSON.parse((o.fitText = argv[++i] ?? "{}")) as FitOptions;
    else if (a === "--help" || a === "-h") {
      console.log("usage: npm run bench:realdata -- [--only moons,iris] [--json FILE] [--no-write] [--no-cli] [--no-zscored] [--fit JSON]");
      process.exit(0);
    } else throw new Error(`unknown argument "${a}" (known: --only NAME,NAME, --json FILE, --no-write, --no-cli, --no-zscored, --fit JSON)`);
  }
  for (const n of o.only ?? []) if (!SETS.some((s) => s.name === n)) throw new Error(`unknown data set "${n}" (known: ${SETS.map((s) => s.name).join(", ")})`);
  return o;
}

const readF64 = (file: string) => {
  const b = readFileSync(file);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const mean = (a: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]; return s / a.length; };
const sd = (a: ArrayLike<number>) => { const mu = mean(a); let s = 0; for (let i = 0; i < a.length; i++) s += (a[i] - mu) ** 2; return Math.sqrt(s / (a.length - 1)); };
const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

/** Column means and population sds of the training rows (as scikit-learn's StandardScaler). */
function scaler(x: Float64Array, n: number) {
  const m = x.length / n, mu = new Float64Array(n), s = new Float64Array(n);
  for (let r = 0; r < m; r++) for (let i = 0; i < n; i++) mu[i] += x[r * n + i] / m;
  for (let r = 0; r < m; r++) for (let i = 0; i < n; i++) s[i] += (x[r * n + i] - mu[i]) ** 2 / m;
  for (let i = 0; i < n; i++) s[i] = Math.sqrt(s[i]);
  const apply = (y: Float64Array) => y.map((v, k) => (v - mu[k % n]) / s[k % n]);
  return { apply, logJacobian: -s.reduce((a, v) => a + Math.log(v), 0) };
}

function describeModel(model: ScoreModel): string {
  const c = model.config as { R?: number; degree?: number; granularity?: number; levels?: number; rMax?: number };
  const ranks = model.regions.ranks, G = ranks.length;
  const rankCount = new Map<number, number>();
  for (const r of ranks) rankCount.set(r, (rankCount.get(r) ?? 0) + 1);
  const rk = [...rankCount.entries()].sort((a, b) => a[0] - b[0]).map(([r, k]) => `${k}×r${r}`).join(" ");
  const tried = model.selection.length ? `; chosen of ${model.selection.filter((s) => s.loss !== null).length} by held-out log-likelihood` : "";
  const σ = Number(model.map.scale.toPrecision(4));
  return `${model.map.kind} map, ${model.gating} gates, σ₀ ${σ}, K=${c.granularity}, R=${c.R}: ${G} regions (${rk}), degree ${c.degree}, ${c.levels} levels${tried}`;
}

async function fitDiffmix(train: Float64Array, test: Float64Array, dim: number, options: FitOptions, logJacobian = 0): Promise<Fitted> {
  const c0 = cpuSeconds(), t0 = performance.now();
  const model = await fit(train, { ...options, dim, seed: SEED });
  const fitSeconds = (performance.now() - t0) / 1000, fitCpuSeconds = cpuSeconds() - c0;
  const t1 = performance.now();
  const rows = model.logpdf(test);
  if (logJacobian) for (let i = 0; i < rows.length; i++) rows[i] += logJacobian;
  return {
    mean: mean(rows), fitSeconds, fitCpuSeconds, logpdfSeconds: (performance.now() - t1) / 1000,
    config: describeModel(model), modelConfig: model.config, selection: model.selection, rows,
  };
}

function runPython(name: string, dir: string): PeerOut {
  const r = spawnSync(PYTHON, [PEERS, name, dir, "--seed", String(SEED)], {
    encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "inherit"],
    // one BLAS thread, as bench/harness.ts: threaded BLAS oversubscribes the 2 shared cores
    env: { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
  });
  if (r.status !== 0) throw new Error(`${PYTHON} ${PEERS} ${name} failed (exit ${r.status})`);
  return JSON.parse(r.stdout) as PeerOut;
}

function toCsv(x: Float64Array, n: number): string {
  const lines: string[] = [];
  for (let r = 0; r < x.length / n; r++) lines.push(Array.from(x.subarray(r * n, r * n + n), String).join(","));
  return lines.join("\n") + "\n";
}

/** `diffmix fit` and `diffmix logpdf` as a new user runs them, each timed as a whole process. */
function runCli(dir: string, train: Float64Array, test: Float64Array, n: number) {
  const trainCsv = join(dir, "train.csv"), testCsv = join(dir, "test.csv"), model = join(dir, "model.json"), out = join(dir, "logp.csv");
  writeFileSync(trainCsv, toCsv(train, n));
  writeFileSync(testCsv, toCsv(test, n));
  const run = (args: string[]) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`diffmix ${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
    return (performance.now() - t0) / 1000;
  };
  const fitSeconds = run(["fit", trainCsv, "-o", model, "--seed", String(SEED), "-q"]);
  const logpdfSeconds = run(["logpdf", model, testCsv, "-o", out, "-q"]);
  const values = readFileSync(out, "utf8").trim().split("\n").map(Number);
  return { fitSeconds, logpdfSeconds, mean: mean(values) };
}

const f3 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(3));
const fs = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.cli) spawnSync("npm", ["run", "-s", "build"], { stdio: "inherit" }); // the CLI below runs dist/
  const options: FitOptions = { ...FIT_OPTIONS, ...args.fit };
  const sets = SETS.filter((s) => !args.only || args.only.includes(s.name));
  const date = new Date().toISOString();
  const load0 = loadavg();
  const t00 = performance.now();
  const command = `npm run bench:realdata --${args.only ? ` --only ${args.only.join(",")}` : ""}${args.fitText ? ` --fit '${args.fitText}'` : ""}${args.cli ? "" : " --no-cli"}${args.json ? ` --json ${args.json}` : ""}`;
  console.log(`${date}: ${cpus().length} cores (${cpus()[0]?.model.trim()}), node ${process.version}, diffmix ${revision()}, load ${load0.map((v) => v.toFixed(2)).join(" ")}; fit options ${JSON.stringify(options)}`);
  const results: SetResult[] = [];
  let sklearn = "?";

  for (const set of sets) {
    const dir = mkdtempSync(join(tmpdir(), `diffmix-realdata-${set.name}-`));
    try {
      const p0 = performance.now();
      const py = runPython(set.name, dir);
      sklearn = py.sklearn;
      const peerSeconds = (performance.now() - p0) / 1000;
      const n = py.dim;
      const gm = mean(py.splits.map((s) => s.gmm.mean)), kd = mean(py.splits.map((s) => s.kde.mean));
      const bestPeer = gm >= kd ? "gmm" : "kde";
      const splits: SplitResult[] = [];
      let cli: SetResult["cli"], full: SetResult["full"];
      for (const [i, ps] of py.splits.entries()) {
        const train = readF64(join(dir, `split${i}.train.f64`)), test = readF64(join(dir, `split${i}.test.f64`));
        const peer = readF64(join(dir, `split${i}.${bestPeer}.f64`));
        const load = loadavg()[0];
        const d = await fitDiffmix(train, test, n, options);
        const sc = scaler(train, n);
        // --no-zscored (for quick comparisons): the z-scored column is left empty (NaN).
        const z = args.zscored ? await fitDiffmix(sc.apply(train), sc.apply(test), n, options, sc.logJacobian) : { ...d, mean: NaN, fitSeconds: NaN, fitCpuSeconds: NaN };
        const diffRows = d.rows.map((v, k) => v - peer[k]);
        const { rows: _a, ...dk } = d, { rows: _b, ...zk } = z;
        splits.push({ peers: ps, diffmix: dk, zscored: zk, rowDiff: { mean: mean(diffRows), se: sd(diffRows) / Math.sqrt(diffRows.length) }, load });
        console.log(`${set.name} split ${i}: diffmix ${d.mean.toFixed(4)} (fit ${d.fitSeconds.toFixed(2)} s; ${d.config}), z-scored ${z.mean.toFixed(4)} (fit ${z.fitSeconds.toFixed(2)} s), GMM ${ps.gmm.mean.toFixed(4)}, KDE ${ps.kde.mean.toFixed(4)}${ps.exact ? `, exact ${ps.exact.mean.toFixed(4)}` : ""}`);
        if (i === 0 && args.cli) {
          const c = runCli(dir, train, test, n);
          cli = { ...c, apiMean: d.mean };
          console.log(`${set.name} CLI: fit ${c.fitSeconds.toFixed(2)} s, logpdf ${c.logpdfSeconds.toFixed(2)} s, mean ${c.mean.toFixed(4)} (API ${d.mean.toFixed(4)})`);
        }
        if (i === 0 && py.rows >= 10000) {
          const all = new Float64Array(train.length + test.length);
          all.set(train);
          all.set(test, train.length);
          const c0 = cpuSeconds(), t0 = performance.now();
          const model = await fit(all, { ...options, dim: n, seed: SEED });
          full = { rows: all.length / n, fitSeconds: (performance.now() - t0) / 1000, fitCpuSeconds: cpuSeconds() - c0, config: describeModel(model) };
          console.log(`${set.name}: fit of all ${full.rows} rows ${full.fitSeconds.toFixed(2)} s (CPU ${full.fitCpuSeconds.toFixed(2)} s)`);
        }
      }
      const S = splits.length;
      const perSplit = splits.map((s) => s.diffmix.mean - s.peers[bestPeer].mean);
      const diff = S > 1
        ? { mean: mean(perSplit), se: sd(perSplit) / Math.sqrt(S), over: "splits" as const }
        : { mean: splits[0].rowDiff.mean, se: splits[0].rowDiff.se, over: "rows" as const };
      const exact = py.splits[0].exact ? mean(py.splits.map((s) => s.exact!.mean)) : undefined;
      const m = { diffmix: mean(splits.map((s) => s.diffmix.mean)), zscored: mean(splits.map((s) => s.zscored.mean)), gmm: gm, kde: kd, exact };
      const tie = Math.max(2 * diff.se, 0.005 * n);
      let status = diff.mean >= 0 ? "above" : -diff.mean <= tie ? "tie" : "below";
      if (set.name === "moons" && exact !== undefined) status += `; ${(exact - m.diffmix).toFixed(3)} below exact (target ≤ 0.02)`;
      results.push({ name: set.name, label: set.label, target: set.target, rows: py.rows, dim: n, source: py.source, dequantised: py.dequantised, splits, mean: m, bestPeer, diff, status, cli, full, peerSeconds });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const load1 = loadavg();
  const wall = (performance.now() - t00) / 1000;
  const machine = { cpu: cpus()[0]?.model.trim() ?? "?", cores: cpus().length, node: process.version, diffmix: revision(), loadStart: load0, loadEnd: load1 };

  // ------------------------------------------------------------------------------------------
  const peerName = { gmm: "GMM-BIC", kde: "KDE-CV" };
  const main = markdownTable(
    ["data (rows × dim)", "diffmix", "diffmix on z-scored data", "GMM-BIC", "KDE-CV", "exact", "diffmix − best peer (± paired SE)", "target: ≥ best peer"],
    results.map((r) => [
      `${r.label} (${r.rows} × ${r.dim})${r.target ? "" : " *"}`, f3(r.mean.diffmix), f3(r.mean.zscored), f3(r.mean.gmm), f3(r.mean.kde), f3(r.mean.exact),
      `${r.diff.mean >= 0 ? "+" : "−"}${Math.abs(r.diff.mean).toFixed(3)} ± ${r.diff.se.toFixed(3)} vs ${peerName[r.bestPeer]} (${r.diff.over === "splits" ? `${r.splits.length} splits` : `${r.splits[0].peers.test} rows`})`,
      r.status,
    ]));
  const times = markdownTable(
    ["data", "diffmix fit s (CPU s)", "z-scored fit s", "logpdf s", "GMM-BIC fit s (k)", "KDE-CV fit s (h, z units)", "CLI fit / logpdf s", "fit of all 10 000 rows s (CPU s)", "diffmix chosen configuration (split 0)"],
    results.map((r) => {
      const s = r.splits, avg = (f: (x: SplitResult) => number) => mean(s.map(f));
      const ks = [...new Set(s.map((x) => x.peers.gmm.k))].join("/"), hs = s.map((x) => x.peers.kde.bandwidth.toPrecision(2)).join("/");
      return [
        r.name, `${fs(avg((x) => x.diffmix.fitSeconds))} (${fs(avg((x) => x.diffmix.fitCpuSeconds))})`, fs(avg((x) => x.zscored.fitSeconds)), fs(avg((x) => x.diffmix.logpdfSeconds)),
        `${fs(avg((x) => x.peers.gmm.seconds))} (k=${ks})`, `${fs(avg((x) => x.peers.kde.seconds))} (h=${hs})`,
        r.cli ? `${fs(r.cli.fitSeconds)} / ${fs(r.cli.logpdfSeconds)}` : "—",
        r.full ? `${fs(r.full.fitSeconds)} (${fs(r.full.fitCpuSeconds)})` : "—",
        s[0].diffmix.config,
      ];
    }));
  const deq = results.map((r) => {
    if (!r.dequantised.length) return `${r.name}: none`;
    const bySteps = new Map<number, number[]>();
    for (const d of r.dequantised) bySteps.set(d.step, [...(bySteps.get(d.step) ?? []), d.column]);
    const off = r.dequantised.reduce((s, d) => s + Math.round(d.offGrid * r.rows), 0);
    const steps = [...bySteps.entries()].sort((a, b) => b[0] - a[0]).map(([st, cols]) => `${+st.toPrecision(6)} (col${cols.length > 1 ? "s" : ""} ${cols.join(",")})`).join(", ");
    return `${r.name}: ${r.dequantised.length} of ${r.dim} columns, step ${steps}${off ? `; ${off} value${off > 1 ? "s" : ""} off the grid` : ""}`;
  }).join("; ");
  const cliCheck = results.filter((r) => r.cli).map((r) => `${r.name} ${f3(r.cli!.mean)} vs ${f3(r.cli!.apiMean)}`).join(", ");
  const moons = results.find((r) => r.name === "moons")?.splits[0].peers.exact?.check as { maxAbsChangeAt256x20: number; monteCarlo: { points: number; drawsPerArc: number; maxAbsZ: number; meanDiff: number; meanSE: number } } | undefined;
  const opts = JSON.stringify(options);
  const atEnd = results.filter((r) => r.splits.some((x) => x.peers.gmm.k === 10)).map((r) => r.name);
  const md = `## Real data: held-out log-likelihood (\`${command}\`, owner: benchmarks)

${date}. ${machine.cpu}, ${machine.cores} cores shared with other jobs, node ${machine.node}, diffmix ${machine.diffmix}, scikit-learn ${sklearn} (Debian's /usr/bin/python3, one BLAS thread). Load average ${load0.map((v) => v.toFixed(2)).join(" / ")} at the start, ${load1.map((v) => v.toFixed(2)).join(" / ")} at the end (1/5/15 min); the run took ${wall.toFixed(0)} s.

Held-out mean log-likelihood, nats per row of the raw data (after dequantisation), higher is better. The 10 000-row toys: one fixed 80/20 split (8000 training rows); sets under 2000 rows: the mean over 5 fixed 80/20 splits, and the difference to the better peer with its paired standard error over the splits (over the test rows for one split). Target: each of the four upper sets at or above the better peer, a shortfall within two paired SEs or 0.005 nats per dimension counting as a tie; moons within 0.02 of the exact density; * = extra sets, not tuned to.

${main}

- **diffmix**: \`fit(train, {dim, seed: ${SEED}, ...${opts}})\` then \`model.logpdf(test)\` (50 ODE steps), in the units given; **z-scored**: the same on (x − mean)/sd of the training rows with −Σ log sd added back.
- **GMM-BIC**: scikit-learn GaussianMixture, full covariance, k = 1…10 by the training BIC, n_init = 3 (as the harness calls bench/sklearn_gmm.py), random_state ${SEED}${atEnd.length ? ` (the BIC chose k = 10, the end of the range, on ${atEnd.join(", ")}: it was still falling there)` : ""}; **KDE-CV**: KernelDensity (Gaussian), bandwidth by GridSearchCV (5-fold, no shuffle) over 26 log-spaced values from 10⁻² to 10 in z units (extended by a decade whenever the choice is at an end; ${results.some((r) => r.splits.some((x) => x.peers.kde.grid.searches > 1)) ? "it was for some" : "it never was"}), then 9 values between the chosen one's neighbours (ratio 1.07). Both on z-scored training data (scaler from the training rows only), −Σ log sd added back.
- **exact**: moons = uniform on the two half-circles of radius 2 (centres (−1, −0.2) and (1, 0.8)) convolved with N(0, 0.2² I), by composite Gauss–Legendre quadrature over the arc angle${moons ? ` (64 panels × 16 nodes; the change at 256 × 20 is ${moons.maxAbsChangeAt256x20.toExponential(1)}; against a Monte-Carlo mean over ${moons.monteCarlo.drawsPerArc} angles per arc at ${moons.monteCarlo.points} test rows: mean difference ${moons.monteCarlo.meanDiff.toExponential(1)}, mean SE ${moons.monteCarlo.meanSE.toFixed(4)}, largest |z| ${moons.monteCarlo.maxAbsZ.toFixed(2)})` : ""}; make_moons places the arc angles on a linspace of 5000 points, whose difference from the uniform arc is negligible at noise 0.2. Checkerboard = 1/32 on its eight 2 × 2 squares (−log 32 = −3.466).
- **Data**: moons, pinwheel and checkerboard as FFJORD's lib/toy_data.py makes them (moons: make_moons(n, noise=0.1) as float32, ×2 + [−1, −0.2]; pinwheel: radial sd 0.3, tangential sd 0.1, 5 classes, rate 0.25; checkerboard: x1 ~ U(−2, 2), x2 on alternating unit squares, ×2), every draw from one seeded RandomState; the tables read at run time from /usr/lib/python3/dist-packages/sklearn/datasets/data/ (numeric columns; diabetes: its 10 raw features; Boston: its 13 features, the target MEDV left out; its columns CRIM and B are compressed by asinh as heavy-tailed, src/prepare.ts).
- **Dequantisation** (every method alike, one fixed seed, all rows before the splits): a column is grid-valued when at least 99% of its values are integer multiples of 10⁻ᵈ for some d ≤ 10 (the precision it was recorded at: the smallest such d, so that one stray value such as wine's "9.899999" does not refine a whole column's grid); its step is g·10⁻ᵈ, g the gcd of those multiples; it gets U(−step/2, step/2) noise. Floating-point columns (the toys) are on no such grid. Applied: ${deq}. A column recorded at mixed precision (diabetes' bp and s4: 90% and 86% integers, the rest with two decimals) gets the finer step, so its integer values stay near-duplicates at that scale.
- The command line (\`diffmix fit train.csv -o model.json --seed ${SEED}\`, \`diffmix logpdf model.json test.csv\`, defaults, split 0) gives the API's numbers: ${cliCheck || "not run"}; its times include Node's start-up (the compiled command, dist/cli/bin.js). Data under 8192 rows (two 4096-row chunks) is fitted on the calling thread; the fit of all 10 000 rows uses the worker threads.

Fit times, wall seconds (mean over the splits), and the configuration diffmix chose:

${times}
`;
  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ date, command, machine, options, wallSeconds: wall, results }, null, 2) + "\n");
    console.log(`wrote ${args.json}`);
  }
  if (args.write && !args.only && !args.fitText && args.zscored) writeSection("realdata", md);
  else console.log(md);
}

await main();
