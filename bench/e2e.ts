/**
 * End to end: fit m samples + draw m samples, wall and CPU time, peak RSS, and quality, for
 * diffmix (defaults; WASM, and the pure-TS reference on the 2-D instance), diffmix's own EM
 * baseline (identity covariance, nInit 5) and scikit-learn's GaussianMixture (n_init=5,
 * default full covariance; Debian's python3-sklearn through /usr/bin/python3, skipped with
 * a message when absent).
 *
 *   npm run bench:e2e -- [--quick] [--json FILE] [--no-results] [--only blobs6-2d,mix10d]
 *
 * m = 1e5 (2e4 with --quick). Instances: "blobs6-2d" (defined here: 6 unit-variance
 * components on a hexagon of radius 4, unequal weights) and "mix10d" (src/mixture.ts
 * preset). Each diffmix/EM run is its own Node process (so peak RSS is that method's own,
 * Node's ~45 MB included) that draws the same data from the same seed. Quality: 2-D
 * histogramTV (cell 0.5) and 10-D sliced TV (src/metrics/sliced.ts, 8 principal + 16 random
 * directions, bins 0.25) against the known truth, each beside its floor (a fresh sample of
 * the same size from the truth itself). Writes its table between `<!-- e2e:start -->` and
 * `<!-- e2e:end -->` of bench/RESULTS.md.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fit, logpdf as logpdfOn, sample, DEFAULT_STEPS } from "../src/node.ts";
import { LOGPDF_STEPS } from "../src/flow.ts";
import { fitEM, sampleEM } from "../src/em.ts";
import { type Mixture, type MixtureSpec } from "../src/mixture.ts";
import { mixtureFromSpec } from "../src/mixture-spec.ts";
import { presets } from "../src/presets.ts";
import { histogramTV } from "../src/metrics/tv.ts";
import { slicedTV } from "../src/metrics/sliced.ts";

const SELF = fileURLToPath(import.meta.url);
const RESULTS = fileURLToPath(new URL("./RESULTS.md", import.meta.url));
const SKLEARN = fileURLToPath(new URL("./sklearn_e2e.py", import.meta.url));
const PYTHON = "/usr/bin/python3";
const START = "<!-- e2e:start -->", END = "<!-- e2e:end -->";
const DATA_SEED = 1, FIT_SEED = 7, FLOOR_SEED = 12345;

const INSTANCES: Record<string, { spec: MixtureSpec; k: number; notes: string }> = {
  "blobs6-2d": {
    spec: {
      kind: "discrete", dim: 2, weights: [0.3, 0.2, 0.15, 0.15, 0.12, 0.08],
      means: Array.from({ length: 6 }, (_, j) => [4 * Math.cos((j * Math.PI) / 3), 4 * Math.sin((j * Math.PI) / 3)].map((v) => +v.toFixed(6))),
    },
    k: 6,
    notes: "6 unit-variance Gaussians on a hexagon of radius 4 (neighbours 4 sd apart), weights 0.3/0.2/0.15/0.15/0.12/0.08",
  },
  mix10d: { spec: presets.mix10d, k: 5, notes: "src/mixture.ts preset: 5 unit-variance Gaussians in 10-D, weights 0.3…0.1" },
};

type Method = "diffmix" | "diffmix-1t" | "diffmix-sde" | "diffmix-reference" | "em" | "sklearn";

interface Result {
  instance: string; method: Method; label: string;
  fit_wall: number; fit_cpu: number; sample_wall: number; sample_cpu: number;
  total_wall: number; total_cpu: number; max_rss_mb: number;
  quality: number; quality_metric: string; floor: number;
  load_1min: number; detail: string; digest?: string;
  /** Log-density of the m data rows, timed (diffmix: logpdf on the pool; scikit-learn: score_samples). */
  logpdf?: { wall: number; cpu: number; rows: number };
}

/** Options per diffmix method: threads default to the cores; "diffmix-1t" pins one thread. */
const DIFFMIX: Partial<Record<Method, { fit: object; sample: object }>> = {
  diffmix: { fit: {}, sample: {} },
  "diffmix-1t": { fit: { threads: 1 }, sample: { threads: 1 } },
  "diffmix-sde": { fit: {}, sample: { method: "exp" } },
  "diffmix-reference": { fit: { backend: "reference" }, sample: {} },
};

/** A fingerprint of a model and samples: equal digests mean bitwise-equal outputs. */
function digest(model: unknown, samples: Float64Array): string {
  let h = 0x811c9dc5;
  const bytes = [Buffer.from(JSON.stringify(model)), Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)];
  for (const b of bytes) for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

function truthOf(name: string): Mixture {
  return mixtureFromSpec(INSTANCES[name].spec, name);
}

/** Quality of samples against the truth: 2-D histogram TV, else sliced TV. */
function quality(samples: Float64Array, truth: Mixture): { value: number; metric: string } {
  return truth.dim === 2
    ? { value: histogramTV(samples, truth), metric: "histogram TV (cell 0.5)" }
    : { value: slicedTV(samples, truth).value, metric: "sliced TV (8 principal + 16 random directions)" };
}

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

// ---------------------------------------------------------------------------------------
// Child: one method on one instance, in its own process

async function child(job: { instance: string; method: Method; m: number }): Promise<void> {
  const truth = truthOf(job.instance), n = truth.dim, k = INSTANCES[job.instance].k;
  const data = truth.sample(job.m, DATA_SEED);
  let c0 = process.cpuUsage(), t0 = performance.now();
  let samples: Float64Array, detail: string, fingerprint: string | undefined;
  let fitWall: number, fitCpu: number, logpdf: { wall: number; cpu: number; rows: number } | undefined;
  if (job.method === "em") {
    const model = fitEM(data, { dim: n, k, covariance: "identity", nInit: 5, seed: FIT_SEED });
    fitWall = (performance.now() - t0) / 1e3;
    fitCpu = cpuSeconds(process.cpuUsage(c0));
    c0 = process.cpuUsage();
    t0 = performance.now();
    samples = sampleEM(model, job.m, FIT_SEED + 1);
    detail = `k=${model.k}, ${model.iterations} iterations (best run), converged ${model.converged}`;
  } else {
    // Phase marks from the progress callback: end of the degree/R selection, then the final levels.
    let selectEnd = NaN;
    const onProgress = (pr: { phase: string }) => {
      if (pr.phase === "select") selectEnd = performance.now();
    };
    const opts = DIFFMIX[job.method]!;
    const model = await fit(data, { dim: n, seed: FIT_SEED, onProgress, ...opts.fit });
    fitWall = (performance.now() - t0) / 1e3;
    const selectSeconds = (selectEnd - t0) / 1e3, levelsSeconds = fitWall - selectSeconds;
    fitCpu = cpuSeconds(process.cpuUsage(c0));
    c0 = process.cpuUsage();
    t0 = performance.now();
    samples = await sample(model, job.m, { seed: FIT_SEED + 1, ...opts.sample });
    fingerprint = digest(model, samples);
    if (job.method === "diffmix" || job.method === "diffmix-1t") {
      // logpdf throughput (the probability-flow ODE, default steps, exact divergence) on the data
      // rows, on the pool's threads as `diffmix logpdf` runs it (model.logpdf's numbers); with one
      // thread too, for the threads' gain.
      const l0 = process.cpuUsage(), w0 = performance.now();
      await logpdfOn(model, data, opts.fit);
      logpdf = { wall: (performance.now() - w0) / 1e3, cpu: cpuSeconds(process.cpuUsage(l0)), rows: job.m };
    }
    const cfg = model.config as { R?: number; levels?: number; backend?: string };
    detail = `${model.regions.weights.length} regions (ranks ${[...new Set(model.regions.ranks)].join("/")}), degree ${model.degree}, R=${cfg.R}, ${cfg.levels} levels, backend ${model.backend}; ` +
      `fit = ${Number.isFinite(selectSeconds) ? `${selectSeconds.toFixed(1)} s selecting the configuration (${model.selection.length} candidates) + ${levelsSeconds.toFixed(1)} s regions and final levels` : "no selection"} (wall)`;
  }
  const sampleWall = (performance.now() - t0) / 1e3, sampleCpu = cpuSeconds(process.cpuUsage(c0));
  const maxRss = process.resourceUsage().maxRSS / 1024;
  const q = quality(samples, truth);
  const out = {
    fit_wall: fitWall, fit_cpu: fitCpu, sample_wall: sampleWall, sample_cpu: sampleCpu, max_rss_mb: maxRss,
    quality: q.value, quality_metric: q.metric, detail, digest: fingerprint, logpdf,
  };
  process.stdout.write(`\nRESULT ${JSON.stringify(out)}\n`);
}

// ---------------------------------------------------------------------------------------
// Parent

function runChild(instance: string, method: Method, m: number): Omit<Result, "instance" | "method" | "label" | "floor" | "total_wall" | "total_cpu" | "load_1min"> | string {
  const r = spawnSync(process.execPath, [...process.execArgv, SELF, "--child", JSON.stringify({ instance, method, m })],
    { encoding: "utf8", maxBuffer: 1 << 26, stdio: ["ignore", "pipe", "pipe"] });
  const line = r.stdout?.split("\n").find((l) => l.startsWith("RESULT "));
  if (r.status !== 0 || !line) return `failed (exit ${r.status}): ${(r.stderr || r.error?.message || "").trim().split("\n").slice(-3).join(" ")}`;
  return JSON.parse(line.slice(7));
}

let sklearnNote: string | null | undefined;
function sklearnAvailable(): boolean {
  if (sklearnNote !== undefined) return sklearnNote === null;
  const r = existsSync(PYTHON) ? spawnSync(PYTHON, ["-c", "import sklearn, numpy"], { encoding: "utf8" }) : null;
  sklearnNote = r && r.status === 0 ? null
    : `skipping scikit-learn: \`${PYTHON} -c "import sklearn"\` failed (apt-get install -y python3-sklearn to include it)`;
  if (sklearnNote) console.log(sklearnNote);
  return sklearnNote === null;
}

interface SkOut { sklearn: string; fit_wall: number; fit_cpu: number; sample_wall: number; sample_cpu: number; score_wall: number; score_cpu: number; score_rows: number; max_rss_kb: number; converged: boolean; iterations: number; covariance_type: string; blas: unknown }

function runSklearn(instance: string, m: number): { out: SkOut; samples: Float64Array } | string {
  const truth = truthOf(instance), n = truth.dim;
  const data = truth.sample(m, DATA_SEED);
  const dir = mkdtempSync(join(tmpdir(), "diffmix-e2e-"));
  try {
    const inFile = join(dir, "data.f64"), outFile = join(dir, "samples.f64");
    writeFileSync(inFile, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    const r = spawnSync(PYTHON, [SKLEARN, inFile, String(n), String(INSTANCES[instance].k), "5", String(FIT_SEED), String(m), outFile],
      { encoding: "utf8", maxBuffer: 1 << 26 });
    if (r.status !== 0) return `failed (exit ${r.status}): ${(r.stderr || "").trim().split("\n").pop()}`;
    const buf = readFileSync(outFile);
    const samples = new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    return { out: JSON.parse(r.stdout) as SkOut, samples };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function parent(argv: string[]): Promise<void> {
  let quick = false, jsonFile: string | undefined, writeResults = true, only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") quick = true;
    else if (a === "--json") jsonFile = argv[++i];
    else if (a === "--no-results") writeResults = false;
    else if (a === "--only") only = (argv[++i] ?? "").split(",").filter(Boolean);
    else if (a === "--help" || a === "-h") {
      console.log("usage: npm run bench:e2e -- [--quick] [--json FILE] [--no-results] [--only blobs6-2d,mix10d]");
      return;
    } else throw new Error(`unknown argument "${a}" (known: --quick, --json FILE, --no-results, --only NAME,NAME)`);
  }
  const names = only ?? Object.keys(INSTANCES);
  for (const name of names) if (!INSTANCES[name]) throw new Error(`unknown instance "${name}" (known: ${Object.keys(INSTANCES).join(", ")})`);
  const m = quick ? 20000 : 100000;
  const date = new Date().toISOString();
  const machine = { cpu: cpus()[0]?.model.trim() ?? "?", cores: cpus().length, node: process.version, loadavg_start: loadavg().map((x) => +x.toFixed(2)), loadavg_end: [] as number[] };
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}; load average at start ${machine.loadavg_start.join(" ")}; m = ${m}`);
  const results: Result[] = [], failures: string[] = [];
  const floors: Record<string, { value: number; metric: string }> = {};

  for (const name of names) {
    const truth = truthOf(name);
    floors[name] = quality(truth.sample(m, FLOOR_SEED), truth);
    const methods: [Method, string][] = [
      ["diffmix", `diffmix (WASM, ${cpus().length} threads)`],
      ["diffmix-1t", "diffmix (WASM, 1 thread)"],
      ["diffmix-sde", `diffmix (WASM, ${cpus().length} threads, reverse SDE ${DEFAULT_STEPS.exp} steps)`],
      ...(truth.dim === 2 ? [["diffmix-reference", "diffmix (reference)"] as [Method, string]] : []),
      ["em", "diffmix EM baseline (identity, nInit 5)"],
      ["sklearn", "scikit-learn GaussianMixture (full, n_init=5)"],
    ];
    for (const [method, label] of methods) {
      const load = loadavg()[0];
      let r: Omit<Result, "instance" | "method" | "label" | "floor" | "total_wall" | "total_cpu" | "load_1min">;
      if (method === "sklearn") {
        if (!sklearnAvailable()) continue;
        const s = runSklearn(name, m);
        if (typeof s === "string") {
          failures.push(`${name} ${label}: ${s}`);
          console.log(`${name} ${label}: ${s}`);
          continue;
        }
        const q = quality(s.samples, truth);
        const b = (s.out.blas as { architecture: string; num_threads: number }[] | null)?.[0];
        r = {
          fit_wall: s.out.fit_wall, fit_cpu: s.out.fit_cpu, sample_wall: s.out.sample_wall, sample_cpu: s.out.sample_cpu,
          max_rss_mb: s.out.max_rss_kb / 1024, quality: q.value, quality_metric: q.metric,
          logpdf: { wall: s.out.score_wall, cpu: s.out.score_cpu, rows: s.out.score_rows },
          detail: `sklearn ${s.out.sklearn}, ${s.out.iterations} iterations (best init), converged ${s.out.converged}` +
            (b ? `, OpenBLAS "${b.architecture}" ${b.num_threads} threads` : ""),
        };
      } else {
        const c = runChild(name, method, m);
        if (typeof c === "string") {
          failures.push(`${name} ${label}: ${c}`);
          console.log(`${name} ${label}: ${c}`);
          continue;
        }
        r = c;
      }
      const row: Result = {
        instance: name, method, label, ...r, floor: floors[name].value, load_1min: +load.toFixed(2),
        total_wall: r.fit_wall + r.sample_wall, total_cpu: r.fit_cpu + r.sample_cpu,
      };
      results.push(row);
      console.log(`${name} ${label}: fit ${row.fit_wall.toFixed(2)} s (cpu ${row.fit_cpu.toFixed(2)}), sample ${row.sample_wall.toFixed(2)} s (cpu ${row.sample_cpu.toFixed(2)}), ` +
        `${row.quality_metric} ${row.quality.toFixed(4)} (floor ${row.floor.toFixed(4)}), max RSS ${row.max_rss_mb.toFixed(0)} MB, load ${row.load_1min}; ${row.detail}`);
    }
  }
  machine.loadavg_end = loadavg().map((x) => +x.toFixed(2));

  const ratio = (inst: string, a: Method, b: Method, key: "total_wall" | "total_cpu") => {
    const x = results.find((r) => r.instance === inst && r.method === a), y = results.find((r) => r.instance === inst && r.method === b);
    return x && y ? y[key] / x[key] : null;
  };
  const ratios = Object.fromEntries(names.map((inst) => [inst, {
    reference_over_wasm_wall: ratio(inst, "diffmix", "diffmix-reference", "total_wall"),
    reference_over_wasm_cpu: ratio(inst, "diffmix", "diffmix-reference", "total_cpu"),
    sklearn_over_diffmix_wall: ratio(inst, "diffmix", "sklearn", "total_wall"),
    sklearn_over_diffmix_cpu: ratio(inst, "diffmix", "sklearn", "total_cpu"),
    em_over_diffmix_wall: ratio(inst, "diffmix", "em", "total_wall"),
    sklearn_over_diffmix_sde_wall: ratio(inst, "diffmix-sde", "sklearn", "total_wall"),
    one_over_two_threads_wall: ratio(inst, "diffmix", "diffmix-1t", "total_wall"),
    one_over_two_threads_fit_wall: (() => {
      const x = results.find((r) => r.instance === inst && r.method === "diffmix"), y = results.find((r) => r.instance === inst && r.method === "diffmix-1t");
      return x && y ? y.fit_wall / x.fit_wall : null;
    })(),
    // Amdahl's serial fraction s from the p-thread speed-up S = T₁/T_p: 1/S = s + (1 − s)/p.
    serial_fraction_fit: (() => {
      const x = results.find((r) => r.instance === inst && r.method === "diffmix"), y = results.find((r) => r.instance === inst && r.method === "diffmix-1t");
      const p = cpus().length;
      return x && y && p > 1 ? (p * x.fit_wall / y.fit_wall - 1) / (p - 1) : null;
    })(),
    one_over_two_threads_logpdf_wall: (() => {
      const x = results.find((r) => r.instance === inst && r.method === "diffmix")?.logpdf, y = results.find((r) => r.instance === inst && r.method === "diffmix-1t")?.logpdf;
      return x && y ? y.wall / x.wall : null;
    })(),
    threads_identical: (() => {
      const x = results.find((r) => r.instance === inst && r.method === "diffmix"), y = results.find((r) => r.instance === inst && r.method === "diffmix-1t");
      return x && y ? x.digest === y.digest : null;
    })(),
  }]));
  const command = `npm run bench:e2e --${quick ? " --quick" : ""}${only ? ` --only ${only.join(",")}` : ""}${jsonFile ? ` --json ${jsonFile}` : ""}`;
  if (jsonFile) {
    writeFileSync(jsonFile, JSON.stringify({ m, results, ratios, floors, machine, failures, sklearn: sklearnNote ?? "available", command, date }, null, 2) + "\n");
    console.log(`wrote ${jsonFile}`);
  }

  const f = (v: number | null | undefined, d = 2) => (v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(d));
  const rows = results.map((r) => [r.instance, r.label, `${f(r.fit_wall)} (${f(r.fit_cpu)})`, `${f(r.sample_wall)} (${f(r.sample_cpu)})`,
    `${f(r.total_wall)} (${f(r.total_cpu)})`, f(r.quality, 4), f(r.floor, 4), f(r.max_rss_mb, 0), f(r.load_1min), r.detail]);
  const md = [
    `## End to end (\`${command}\`, owner: benchmarks)`,
    "",
    `${date}. ${machine.cpu}, ${machine.cores} cores, node ${machine.node}; load average ${machine.loadavg_start.join(" / ")} at start, ` +
    `${machine.loadavg_end.join(" / ")} at the end (1/5/15 min), 1-min load at the start of each run in the table: this machine is shared, so ` +
    `CPU time (all threads) stands beside wall time. Fit ${m.toLocaleString("en")} rows drawn from the truth, then sample ${m.toLocaleString("en")}; one run each. ` +
    `diffmix: \`fit(data, {dim, seed})\` with defaults (map, σ₀, granularity, R and degree chosen by held-out log-likelihood), \`sample(model, m)\` (the default probability-flow ODE, ${DEFAULT_STEPS.ode} steps); ` +
    `each diffmix/EM run in its own Node process (max RSS includes Node's ~45 MB). scikit-learn: fit/sample timed inside Python (start-up and ` +
    `file reading excluded), BLAS threads as the machine sets them. Quality: lower is better, beside the floor a perfect sampler scores at this size.`,
    "",
    ...names.map((n) => `- ${n}: ${INSTANCES[n].notes}; quality = ${floors[n].metric}.`),
    ...(sklearnNote ? [`- ${sklearnNote}`] : []),
    ...failures.map((x) => `- failed: ${x}`),
    "",
    [`| instance | method | fit s (CPU s) | sample s (CPU s) | total s (CPU s) | quality | floor | max RSS MB | load | model |`,
      `|---|---|---|---|---|---|---|---|---|---|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n"),
    "",
    ...names.map((n) => {
      const r = ratios[n];
      return `${n}: reference / WASM total ${f(r.reference_over_wasm_wall)}× wall (${f(r.reference_over_wasm_cpu)}× CPU); ` +
        `scikit-learn / diffmix total ${f(r.sklearn_over_diffmix_wall)}× wall (${f(r.sklearn_over_diffmix_cpu)}× CPU), with the reverse SDE sampler ${f(r.sklearn_over_diffmix_sde_wall)}× wall; ` +
        `EM baseline / diffmix ${f(r.em_over_diffmix_wall)}× wall; 1 thread / ${cpus().length} threads: fit ${f(r.one_over_two_threads_fit_wall)}× (serial fraction ${f(r.serial_fraction_fit)} by Amdahl's law; the load makes it noisy), ` +
        `logpdf ${f(r.one_over_two_threads_logpdf_wall)}×, total ${f(r.one_over_two_threads_wall)}× wall, ` +
        `model and samples ${r.threads_identical === null ? "—" : r.threads_identical ? "bitwise identical" : "DIFFERENT"} (digest).`;
    }),
    "",
    ...names.map((n) => {
      const rate = (method: Method) => {
        const l = results.find((r) => r.instance === n && r.method === method)?.logpdf;
        return l ? { wall: l.rows / l.wall, cpu: l.rows / l.cpu } : undefined;
      };
      const ours = rate("diffmix"), theirs = rate("sklearn");
      const k = (v: number | undefined) => (v === undefined ? "—" : `${(v / 1e3).toFixed(1)} k`);
      return `${n}: log-density of the ${m.toLocaleString("en")} data rows — diffmix \`logpdf\` (probability-flow ODE, ${LOGPDF_STEPS} steps, exact divergence, ${cpus().length} threads) ` +
        `${k(ours?.wall)} rows/s wall (${k(ours?.cpu)} per CPU s), scikit-learn \`score_samples\` ${k(theirs?.wall)} rows/s wall (${k(theirs?.cpu)} per CPU s): ` +
        `diffmix / scikit-learn ${ours && theirs ? f(ours.wall / theirs.wall, 3) : "—"}× (target ≥ 0.3×).`;
    }),
  ].join("\n");
  console.log("\n" + md + "\n");
  if (writeResults) {
    const text = existsSync(RESULTS) ? readFileSync(RESULTS, "utf8") : "# Benchmark results\n";
    const i = text.indexOf(START), j = text.indexOf(END);
    const block = `${START}\n${md}\n${END}`;
    writeFileSync(RESULTS, i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + END.length) : `${text.trimEnd()}\n\n${block}\n`);
    console.log(`wrote the e2e section of ${RESULTS}`);
  }
}

const args = process.argv.slice(2);
if (args[0] === "--child") await child(JSON.parse(args[1]));
else await parent(args);
