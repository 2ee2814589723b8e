/**
 * Kernel benchmarks: WASM vs the pure-TS reference vs native OpenBLAS (bench/openblas.py),
 * as ratios measured in the same run, medians of several samples, wall and CPU time.
 *
 *   npm run bench:kernels -- [--quick] [--json FILE] [--no-results] [--only gates,sde,…]
 *
 * - gram: G += ΦᵀΦ (upper triangle incl. diagonal, m·p·(p+1) flops) streamed through one
 *   256-row block with column stride 264 as the fit does (gramAccumulate called per block;
 *   the block is reused, so the rate depends on m only through per-call overhead). A sample
 *   times whole passes of m rows when a pass fits the sample budget, else a prefix of the
 *   pass's blocks ("subsampled"; rows timed are reported).
 * - basis rows/s (r=2, D=8 → p=45; r=4, D=6 → p=210), fused designBlock + gramAccumulate
 *   rows/s at p=45 on a packed level of a small fitted 2-D degree-8 model, reverse-SDE
 *   particle-steps/s (Evaluator.residual + sdeStep, 4096 particles, the sampler's ladder),
 *   choleskySolve time for p up to 500.
 * Writes its table between `<!-- kernels:start -->` and `<!-- kernels:end -->` of bench/RESULTS.md.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { createKernels, reference, type Kernels } from "../src/kernels/index.ts";
import { basisSize, multiIndexTable } from "../src/basis.ts";
import { fit } from "../src/node.ts";
import { Evaluator } from "../src/evaluator.ts";
import { noiseLadder } from "../src/ladder.ts";
import { packedLength, packLevel, shapeOf, workSize, type Regions } from "../src/level.ts";
import { kmeans, nearest } from "../src/kmeans.ts";
import { mixtureFromSpec } from "../src/mixture-spec.ts";
import { presets } from "../src/presets.ts";
import { streamState } from "../src/random.ts";
import type { ScoreModel } from "../src/model.ts";

const BLOCK = 256, LD = 264;
const PS = [15, 45, 210, 500];
const MS = [1e4, 1e5, 1e6];
const PYTHON = "/usr/bin/python3";
const RESULTS = fileURLToPath(new URL("./RESULTS.md", import.meta.url));
const OPENBLAS = fileURLToPath(new URL("./openblas.py", import.meta.url));
const START = "<!-- kernels:start -->", END = "<!-- kernels:end -->";

// ---------------------------------------------------------------------------------------
// Arguments

const argv = process.argv.slice(2);
let quick = false, jsonFile: string | undefined, writeResults = true, only: Set<string> | undefined;
const SECTIONS = ["gram", "basis", "fused", "sde", "gates", "cholesky"];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--quick") quick = true;
  else if (a === "--json") {
    jsonFile = argv[++i];
    if (!jsonFile) throw new Error('"--json" needs a file name');
  } else if (a === "--no-results") writeResults = false;
  else if (a === "--only") {
    only = new Set((argv[++i] ?? "").split(","));
    for (const o of only) if (!SECTIONS.includes(o)) throw new Error(`"--only": unknown section "${o}" (known: ${SECTIONS.join(", ")})`);
    writeResults = false; // a partial run never replaces the recorded table
  }
  else if (a === "--help" || a === "-h") {
    console.log(`usage: npm run bench:kernels -- [--quick] [--json FILE] [--no-results] [--only ${SECTIONS.join(",")}]`);
    process.exit(0);
  } else throw new Error(`unknown argument "${a}" (known: --quick, --json FILE, --no-results, --only LIST)`);
}
/** Samples per measurement and the seconds one sample aims at. */
const SAMPLES = quick ? 3 : 5;
const BUDGET = quick ? 0.05 : 0.2;
const WARM = quick ? 0.03 : 0.15;

// ---------------------------------------------------------------------------------------
// Timing

interface Timed { wall: number[]; cpu: number[] }

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b), k = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[k] : 0.5 * (s[k - 1] + s[k]);
};
const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

/** One sample: wall and CPU seconds of fn(). */
function time(fn: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage(), t0 = performance.now();
  fn();
  const wall = (performance.now() - t0) / 1e3, cpu = cpuSeconds(process.cpuUsage(c0));
  return { wall, cpu };
}

/** Call fn until both `calls` calls and `seconds` have passed (V8 tiers WASM and JS up between calls); seconds per call. */
function warm(fn: () => void, calls: number, seconds: number): number {
  const t0 = performance.now();
  let k = 0;
  while (k < calls || performance.now() - t0 < seconds * 1e3) {
    fn();
    k++;
  }
  // Calibrate on a second, shorter run (after tier-up).
  const t1 = performance.now();
  let j = 0;
  while (j < 3 || performance.now() - t1 < Math.min(seconds, 0.05) * 1e3) {
    fn();
    j++;
  }
  return (performance.now() - t1) / 1e3 / j;
}

/** Samples interleaved across implementations: round r times every implementation once. */
function interleave(samples: number, fns: (() => void)[]): Timed[] {
  const out = fns.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  for (let r = 0; r < samples; r++) {
    fns.forEach((fn, i) => {
      const s = time(fn);
      out[i].wall.push(s.wall);
      out[i].cpu.push(s.cpu);
    });
  }
  return out;
}

function fillUniform(a: Float64Array, seed: number, lo = -0.5, hi = 0.5): void {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    a[i] = lo + ((hi - lo) * s) / 4294967296;
  }
}

// ---------------------------------------------------------------------------------------
// Machine

function cpuFlags(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("flags"));
    const flags = new Set((line ?? "").split(":")[1]?.trim().split(/\s+/) ?? []);
    return ["avx512f", "avx2", "fma"].filter((f) => flags.has(f)).join(",") || "?";
  } catch {
    return "?";
  }
}

async function wasmHash(): Promise<string | null> {
  try {
    const m = (await import("../src/kernels/binary.ts")) as { wasmHash?: string };
    return m.wasmHash ?? null;
  } catch {
    return null;
  }
}

const machine = {
  cpu: cpus()[0]?.model.trim() ?? "?",
  cores: cpus().length,
  cpu_flags: cpuFlags(),
  memory_gb: +(totalmem() / 2 ** 30).toFixed(1),
  node: process.version,
  v8: process.versions.v8,
  platform: `${process.platform} ${process.arch}`,
  wasm_hash: await wasmHash(),
  loadavg_start: loadavg().map((x) => +x.toFixed(2)),
  loadavg_end: [] as number[],
};
const runStartWall = performance.now(), runStartCpu = process.cpuUsage();
const date = new Date().toISOString();
console.log(`machine: ${machine.cpu}, ${machine.cores} cores (${machine.cpu_flags}), node ${machine.node}, wasm ${machine.wasm_hash ?? "?"}`);
console.log(`load average at start: ${machine.loadavg_start.join(" ")}${quick ? " (quick run)" : ""}`);

// ---------------------------------------------------------------------------------------
// Native baseline (one python process per p, so it runs interleaved with the JS samples)

interface PyGram { p: number; m: number; method: string; rows_per_sample: number; flops_per_sample: number; subsampled: boolean; wall: number[]; cpu: number[] }
interface PyOut { numpy: string; scipy: string | null; env: Record<string, string | null>; blas: unknown; gram: PyGram[]; cholesky: { p: number; seconds: number[]; residual: number }[] }

let pythonNote: string | null = null;
function python(spec: object): PyOut | null {
  if (pythonNote) return null;
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" };
  delete env.OPENBLAS_CORETYPE; // unset for this run only: OpenBLAS then picks its kernel for this CPU
  delete env.OPENBLAS_L2_SIZE;
  if (!existsSync(PYTHON)) {
    pythonNote = `skipping OpenBLAS: ${PYTHON} not found (apt-get install -y python3-numpy python3-scipy)`;
    console.log(pythonNote);
    return null;
  }
  const r = spawnSync(PYTHON, [OPENBLAS, JSON.stringify(spec)], { env, encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || "").trim().split("\n").pop();
    pythonNote = `skipping OpenBLAS: ${PYTHON} ${OPENBLAS} failed (${why}); install python3-numpy (and python3-scipy for dsyrk)`;
    console.log(pythonNote);
    return null;
  }
  return JSON.parse(r.stdout) as PyOut;
}

// ---------------------------------------------------------------------------------------
// Gram accumulation

interface GramRow {
  p: number; m: number;
  wasm_gflops: number; reference_gflops: number; openblas_gflops: number | null;
  wasm_gflops_cpu: number; reference_gflops_cpu: number; openblas_gflops_cpu: number | null;
  wasm_over_reference: number; wasm_over_openblas: number | null;
  rows_timed: { wasm: number; reference: number; openblas: number | null };
  subsampled: boolean;
}

let sink = 0; // consumed results, printed at the end so nothing is optimised away
const wasmK = createKernels("wasm");
const gramWasm = wasmK.arena({ phi: ["f64", LD * 500], g: ["f64", 500 * 500] });
const gramRef = { phi: new Float64Array(LD * 500), g: new Float64Array(500 * 500) };
fillUniform(gramWasm.phi, 12345);
gramRef.phi.set(gramWasm.phi);

/** A sample closure: passes × (m rows in 256-row blocks) or a prefix of `calls` blocks. */
function gramPlan(k: Kernels, bufs: { phi: Float64Array; g: Float64Array }, p: number, m: number, warmed: Set<string>) {
  const g = bufs.g.subarray(0, p * p), phi = bufs.phi;
  const full = Math.floor(m / BLOCK), rest = m - full * BLOCK;
  const one = () => k.gramAccumulate(BLOCK, p, phi, LD, g, p);
  const key = `${k.name}:${p}`;
  const perCall = warm(one, warmed.has(key) ? 5 : 50, warmed.has(key) ? WARM / 4 : WARM);
  warmed.add(key);
  const pass = perCall * (m / BLOCK);
  let run: () => void, rows: number, sub = false;
  if (pass <= BUDGET) {
    const passes = Math.max(1, Math.floor(BUDGET / pass));
    rows = passes * m;
    run = () => {
      for (let q = 0; q < passes; q++) {
        for (let c = 0; c < full; c++) k.gramAccumulate(BLOCK, p, phi, LD, g, p);
        if (rest > 0) k.gramAccumulate(rest, p, phi, LD, g, p);
      }
    };
  } else {
    const calls = Math.max(1, Math.floor(BUDGET / perCall));
    rows = calls * BLOCK;
    sub = true;
    run = () => {
      for (let c = 0; c < calls; c++) k.gramAccumulate(BLOCK, p, phi, LD, g, p);
    };
  }
  return { run: () => { g.fill(0); run(); }, rows, sub, check: () => g[p - 1] };
}

function benchGram(): { rows: GramRow[]; py: PyOut[] } {
  const rows: GramRow[] = [], pys: PyOut[] = [];
  const warmed = new Set<string>();
  for (const p of PS) {
    const flopsPerRow = p * (p + 1);
    // One block through both backends: the upper triangles agree.
    const gw = gramWasm.g.subarray(0, p * p), gr = gramRef.g.subarray(0, p * p);
    gw.fill(0);
    gr.fill(0);
    wasmK.gramAccumulate(BLOCK, p, gramWasm.phi, LD, gw, p);
    reference.gramAccumulate(BLOCK, p, gramRef.phi, LD, gr, p);
    let diff = 0;
    for (let i = 0; i < p; i++) for (let j = i; j < p; j++) diff = Math.max(diff, Math.abs(gw[i * p + j] - gr[i * p + j]));
    if (diff > 1e-9) console.log(`warning: gram p=${p}: WASM and reference differ by ${diff} on one block`);
    const js: { m: number; w: Timed; r: Timed; rw: number; rr: number; sub: boolean }[] = [];
    for (const m of MS) {
      const w = gramPlan(wasmK, gramWasm, p, m, warmed), r = gramPlan(reference, gramRef, p, m, warmed);
      const [tw, tr] = interleave(SAMPLES, [w.run, r.run]);
      sink += w.check() + r.check(); // results consumed
      js.push({ m, w: tw, r: tr, rw: w.rows, rr: r.rows, sub: w.sub || r.sub });
    }
    const py = python({ gram: MS.map((m) => ({ p, m, samples: SAMPLES, budget: BUDGET })) });
    if (py) pys.push(py);
    for (const { m, w, r, rw, rr, sub } of js) {
      const b = py?.gram.find((g) => g.m === m);
      const gf = (rowsTimed: number, s: number) => (rowsTimed * flopsPerRow) / s / 1e9;
      const row: GramRow = {
        p, m,
        wasm_gflops: gf(rw, median(w.wall)), reference_gflops: gf(rr, median(r.wall)),
        openblas_gflops: b ? b.flops_per_sample / median(b.wall) / 1e9 : null,
        wasm_gflops_cpu: gf(rw, median(w.cpu)), reference_gflops_cpu: gf(rr, median(r.cpu)),
        openblas_gflops_cpu: b ? b.flops_per_sample / median(b.cpu) / 1e9 : null,
        wasm_over_reference: 0, wasm_over_openblas: null,
        rows_timed: { wasm: rw, reference: rr, openblas: b ? b.rows_per_sample : null },
        subsampled: sub || (b?.subsampled ?? false),
      };
      row.wasm_over_reference = row.wasm_gflops / row.reference_gflops;
      row.wasm_over_openblas = row.openblas_gflops ? row.wasm_gflops / row.openblas_gflops : null;
      rows.push(row);
      console.log(`gram p=${p} m=${m}: wasm ${row.wasm_gflops.toFixed(2)} ref ${row.reference_gflops.toFixed(2)} openblas ${row.openblas_gflops?.toFixed(2) ?? "—"} GF/s (wall); ` +
        `cpu-time ${row.wasm_gflops_cpu.toFixed(2)} / ${row.reference_gflops_cpu.toFixed(2)} / ${row.openblas_gflops_cpu?.toFixed(2) ?? "—"}`);
    }
  }
  return { rows, py: pys };
}

// ---------------------------------------------------------------------------------------
// Basis evaluation

interface RateRow { wasm: number; reference: number; wasm_cpu: number; reference_cpu: number; ratio: number }

function rates(tw: Timed, tr: Timed, unitsW: number, unitsR: number, scale: number): RateRow {
  const row = {
    wasm: unitsW / median(tw.wall) / scale, reference: unitsR / median(tr.wall) / scale,
    wasm_cpu: unitsW / median(tw.cpu) / scale, reference_cpu: unitsR / median(tr.cpu) / scale, ratio: 0,
  };
  row.ratio = row.wasm / row.reference;
  return row;
}

/** Repeat `one` (which processes `units` units) enough times for a sample of about BUDGET seconds. */
function plan(one: () => void, units: number, warmCalls = 20) {
  const per = warm(one, warmCalls, WARM);
  const reps = Math.max(1, Math.floor(BUDGET / per));
  return { run: () => { for (let q = 0; q < reps; q++) one(); }, units: reps * units };
}

function benchBasis() {
  const out: ({ r: number; D: number; p: number; unit: string } & RateRow)[] = [];
  for (const [r, D] of [[2, 8], [4, 6]]) {
    const p = basisSize(r, D), table = multiIndexTable(r, D);
    const k = createKernels("wasm");
    const A = k.arena({ u: ["f64", BLOCK * r], table: ["i32", table.length], phi: ["f64", p * BLOCK], dphi: ["f64", p * r * BLOCK] });
    const R = { u: new Float64Array(BLOCK * r), table, phi: new Float64Array(p * BLOCK), dphi: new Float64Array(p * r * BLOCK) };
    fillUniform(A.u, 99, -2.5, 2.5);
    R.u.set(A.u);
    A.table.set(table);
    const w = plan(() => k.basis(BLOCK, r, A.u, D, A.table, p, A.phi, A.dphi), BLOCK);
    const f = plan(() => reference.basis(BLOCK, r, R.u, D, R.table, p, R.phi, R.dphi), BLOCK);
    const [tw, tr] = interleave(SAMPLES, [w.run, f.run]);
    let diff = 0;
    for (let i = 0; i < p * BLOCK; i++) diff = Math.max(diff, Math.abs(A.phi[i] - R.phi[i]));
    if (diff > 1e-9) console.log(`warning: basis r=${r} D=${D}: WASM and reference differ by ${diff}`);
    const row = { r, D, p, unit: "M rows/s", ...rates(tw, tr, w.units, f.units, 1e6) };
    out.push(row);
    console.log(`basis r=${r} D=${D} (p=${p}): wasm ${row.wasm.toFixed(2)} ref ${row.reference.toFixed(2)} M rows/s (cpu-time ${row.wasm_cpu.toFixed(2)} / ${row.reference_cpu.toFixed(2)})`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// A small fitted model: 2-D, one region, degree 8 (p = 45)

async function smallModel(): Promise<ScoreModel> {
  const m = 20000, x = new Float64Array(2 * m);
  const st = streamState(1, "bench-kernels-data");
  const z = new Float64Array(2 * m);
  reference.normal(2 * m, z, st);
  for (let t = 0; t < m; t++) {
    // a skewed, correlated cloud: the fitted residual has non-trivial degree-8 terms
    const a = z[2 * t], b = z[2 * t + 1];
    x[2 * t] = 1.5 * a + 0.3 * a * a;
    x[2 * t + 1] = 1.6 * b + 0.5 * a; // both spreads above the rank threshold: r = 2, p = 45
  }
  return fit(x, { dim: 2, R: 0, degree: 8, granularity: 1, map: "none", scale: 1, levels: 2, seed: 3, backend: "wasm" });
}

function benchFused(model: ScoreModel) {
  const regions = model.regions, D = model.degree;
  const shape = shapeOf(regions, D);
  const { G, n, rmax, features: P } = shape;
  const table = multiIndexTable(rmax, D);
  const maxCols = 1 + 2 * n + P;
  const POOL = 32; // distinct row blocks cycled through
  const t = 0.3, a = Math.exp(-t), sigma = Math.sqrt(-Math.expm1(-2 * t));
  const setup = (k: Kernels) => {
    const A = k.arena({
      x0: ["f64", POOL * BLOCK * n], xt: ["f64", POOL * BLOCK * n], gamma: ["f64", POOL * BLOCK * G], cbar: ["f64", POOL * BLOCK * n],
      phi: ["f64", LD * maxCols], gc: ["f64", maxCols * maxCols], dsum: ["f64", Math.max(1, P * rmax)],
      level: ["f64", packedLength(shape)], table: ["i32", table.length], active: ["i32", G], work: ["f64", workSize(shape)], state: ["u32", 4],
    });
    A.table.set(table);
    A.active.set(Array.from({ length: G }, (_, g) => g));
    packLevel(A.level, shape, regions, t, model.gating, model.levels[0]);
    A.state.set(streamState(5, "bench-fused"));
    k.normal(POOL * BLOCK * n, A.x0, A.state);
    for (let i = 0; i < A.x0.length; i++) A.x0[i] = 2 * A.x0[i];
    for (let b = 0; b < POOL; b++) {
      const o = b * BLOCK;
      k.ouNoise(BLOCK * n, A.x0.subarray(o * n), a, sigma, A.state, A.xt.subarray(o * n));
      k.gates(BLOCK, A.xt.subarray(o * n), A.level, A.gamma.subarray(o * G), A.cbar.subarray(o * n));
    }
    let b = 0;
    const fused = () => {
      const o = b * BLOCK;
      k.designBlock(BLOCK, A.x0.subarray(o * n), A.xt.subarray(o * n), A.gamma.subarray(o * G), A.cbar.subarray(o * n),
        A.level, A.table, A.active, G, A.phi, LD, A.dsum, A.work);
      k.gramAccumulate(BLOCK, maxCols, A.phi, LD, A.gc, maxCols);
      b = (b + 1) % POOL;
    };
    // The fit's whole per-block pipeline: noise, gates, design block, Gram.
    let c = 0;
    const pipeline = () => {
      const o = c * BLOCK;
      k.ouNoise(BLOCK * n, A.x0.subarray(o * n), a, sigma, A.state, A.xt.subarray(o * n));
      k.gates(BLOCK, A.xt.subarray(o * n), A.level, A.gamma.subarray(o * G), A.cbar.subarray(o * n));
      k.designBlock(BLOCK, A.x0.subarray(o * n), A.xt.subarray(o * n), A.gamma.subarray(o * G), A.cbar.subarray(o * n),
        A.level, A.table, A.active, G, A.phi, LD, A.dsum, A.work);
      k.gramAccumulate(BLOCK, maxCols, A.phi, LD, A.gc, maxCols);
      c = (c + 1) % POOL;
    };
    return { fused, pipeline, gc: A.gc };
  };
  const W = setup(createKernels("wasm")), R = setup(reference);
  const fw = plan(W.fused, BLOCK), fr = plan(R.fused, BLOCK);
  const pw = plan(W.pipeline, BLOCK), pr = plan(R.pipeline, BLOCK);
  const [tfw, tfr, tpw, tpr] = interleave(SAMPLES, [fw.run, fr.run, pw.run, pr.run]);
  const fused = { p: shape.p[0], columns: maxCols, ...rates(tfw, tfr, fw.units, fr.units, 1e6) };
  const pipeline = { ...rates(tpw, tpr, pw.units, pr.units, 1e6) };
  console.log(`fused designBlock+gram p=${fused.p} (${maxCols} columns): wasm ${fused.wasm.toFixed(2)} ref ${fused.reference.toFixed(2)} M rows/s (cpu-time ${fused.wasm_cpu.toFixed(2)} / ${fused.reference_cpu.toFixed(2)})`);
  console.log(`fit block pipeline (ouNoise+gates+designBlock+gram): wasm ${pipeline.wasm.toFixed(2)} ref ${pipeline.reference.toFixed(2)} M rows/s (cpu-time ${pipeline.wasm_cpu.toFixed(2)} / ${pipeline.reference_cpu.toFixed(2)})`);
  return { fused, pipeline };
}

// ---------------------------------------------------------------------------------------
// Reverse SDE

function benchSde(model: ScoreModel) {
  const B = 4096, n = model.dim, STEPS = 160;
  const ts = [...noiseLadder(STEPS + 1, model.tMin, model.T).reverse(), 0];
  const setup = (k: Kernels) => {
    const ev = new Evaluator(k, model, B, { start: ["f64", B * n] });
    ev.state.set(streamState(9, "bench-sde"));
    k.normal(B * n, ev.extra.start, ev.state);
    ev.x.set(ev.extra.start);
    let s = 0;
    // One step of the sampler: residual at t_s (blended level) and an exponential-integrator step.
    const step = () => {
      ev.residual(B, ts[s]);
      k.sdeStep(B * n, ev.x, ev.r, ts[s] - ts[s + 1], 0, ev.state);
      if (++s + 1 >= ts.length) {
        s = 0;
        ev.x.set(ev.extra.start);
      }
    };
    const residualOnly = () => ev.residual(B, ts[40]);
    const sdeOnly = () => k.sdeStep(B * n, ev.x, ev.r, 0.01, 0, ev.state);
    return { step, residualOnly, sdeOnly, ev };
  };
  const W = setup(createKernels("wasm")), R = setup(reference);
  const sw = plan(W.step, B, 5), sr = plan(R.step, B, 5);
  const rw = plan(W.residualOnly, B, 5), rr = plan(R.residualOnly, B, 5);
  const dw = plan(W.sdeOnly, B, 5), dr = plan(R.sdeOnly, B, 5);
  const [tsw, tsr, trw, trr, tdw, tdr] = interleave(SAMPLES, [sw.run, sr.run, rw.run, rr.run, dw.run, dr.run]);
  const full = rates(tsw, tsr, sw.units, sr.units, 1e6);
  const residual = rates(trw, trr, rw.units, rr.units, 1e6);
  const sdeStep = rates(tdw, tdr, dw.units, dr.units, 1e6);
  let finite = true;
  for (const v of W.ev.x.subarray(0, B * n)) if (!Number.isFinite(v)) finite = false;
  if (!finite) console.log("warning: sde: non-finite particles");
  console.log(`sde residual+step (2-D, degree ${model.degree}): wasm ${full.wasm.toFixed(2)} ref ${full.reference.toFixed(2)} M particle-steps/s (cpu-time ${full.wasm_cpu.toFixed(2)} / ${full.reference_cpu.toFixed(2)}); ` +
    `residual alone ${residual.wasm.toFixed(2)} / ${residual.reference.toFixed(2)}, sdeStep alone ${sdeStep.wasm.toFixed(2)} / ${sdeStep.reference.toFixed(2)}`);
  return {
    wasm_msteps: full.wasm, reference_msteps: full.reference, wasm_msteps_cpu: full.wasm_cpu, reference_msteps_cpu: full.reference_cpu,
    ratio: full.ratio, residual_only: residual, sde_step_only: sdeStep,
    particles: B, degree: model.degree, dim: n, method: "exp (sample's default)",
  };
}

// ---------------------------------------------------------------------------------------
// Gates with many regions

/**
 * Gates of soft regions as the fit builds them: G k-means centres of 20 000 rows of a preset
 * (blobs2d for n = 2, mix10d for n = 10; model units = data units, as with the map's σ₀ = 1),
 * weights the clusters' shares. "EM": the regions' refinement, a = 1 on the data rows in
 * 4096-row chunks: the gates alone, and the EM sums (regions.ts responsibilitySums: gateMoments,
 * which computes the gates itself; before it took them from a gates call); "level": t = 0.5
 * (a = 0.61) on noised rows in 256-row blocks (system.ts chunkStats).
 */
function benchGates() {
  const out: { n: number; G: number; survivors_em: number; survivors_level: number; em_gates: RateRow; em_step: RateRow; level_gates: RateRow }[] = [];
  const CHUNK = 4096, LB = 256;
  for (const [name, n] of [["blobs2d", 2], ["mix10d", 10]] as const) {
    const truth = mixtureFromSpec(presets[name], name);
    const m = 20000, data = truth.sample(m, 1);
    for (const G of [5, 30, 100, 300]) {
      const c = kmeans(data, m, n, G, streamState(1, "bench-gates", G), m);
      const counts = new Float64Array(G);
      for (let t = 0; t < m; t++) counts[nearest(data, t, n, c, G)]++;
      const centres = Array.from({ length: G }, (_, g) => Array.from(c.subarray(g * n, (g + 1) * n)));
      const regions: Regions = { dim: n, weights: Array.from(counts, (k) => Math.max(k, 1) / m), centres, frames: centres.map(() => []), spreads: centres.map(() => []), ranks: centres.map(() => 0) };
      const shape = shapeOf(regions, 0), len = packedLength(shape);
      const t = 0.5, a = Math.exp(-t), sigma = Math.sqrt(-Math.expm1(-2 * t));
      const setup = (k: Kernels) => {
        const A = k.arena({
          x: ["f64", CHUNK * n], xt: ["f64", 4 * LB * n], em: ["f64", len], lv: ["f64", len],
          gamma: ["f64", CHUNK * G], cbar: ["f64", CHUNK * n], out: ["f64", G * (1 + n)], norm: ["f64", 2 * CHUNK], state: ["u32", 4],
        });
        A.x.set(data.subarray(0, CHUNK * n));
        packLevel(A.em, shape, regions, 0, "soft");
        packLevel(A.lv, shape, regions, t, "soft");
        A.state.set(streamState(3, "bench-gates-noise"));
        for (let q = 0; q < 4; q++) k.ouNoise(LB * n, A.x.subarray(q * LB * n), a, sigma, A.state, A.xt.subarray(q * LB * n));
        let q = 0;
        return {
          A,
          emGates: () => k.gates(CHUNK, A.x, A.em, A.gamma, A.cbar),
          emStep: () => {
            A.out.fill(0);
            k.gateMoments(CHUNK, A.x, A.em, A.out, A.norm);
          },
          levelGates: () => {
            k.gates(LB, A.xt.subarray(q * LB * n), A.lv, A.gamma, A.cbar);
            q = (q + 1) & 3;
          },
        };
      };
      const W = setup(createKernels("wasm")), R = setup(reference);
      const survivors = (k: Kernels, rows: number, x: Float64Array, level: Float64Array, A: typeof W.A) => {
        k.gates(rows, x, level, A.gamma, A.cbar);
        let s = 0;
        for (let i = 0; i < rows * G; i++) if (A.gamma[i] > 0) s++;
        return s / rows;
      };
      const se = survivors(reference, CHUNK, R.A.x, R.A.em, R.A), sl = survivors(reference, LB, R.A.xt, R.A.lv, R.A);
      W.emStep();
      R.emStep();
      if (relMax(W.A.out, R.A.out) > 1e-12) console.log(`warning: gates n=${n} G=${G}: EM sums differ between WASM and reference`);
      const plans = [plan(W.emGates, CHUNK, 3), plan(R.emGates, CHUNK, 3), plan(W.emStep, CHUNK, 3), plan(R.emStep, CHUNK, 3), plan(W.levelGates, LB), plan(R.levelGates, LB)];
      const tm = interleave(SAMPLES, plans.map((p) => p.run));
      const row = {
        n, G, survivors_em: se, survivors_level: sl,
        em_gates: rates(tm[0], tm[1], plans[0].units, plans[1].units, 1e6),
        em_step: rates(tm[2], tm[3], plans[2].units, plans[3].units, 1e6),
        level_gates: rates(tm[4], tm[5], plans[4].units, plans[5].units, 1e6),
      };
      sink += W.A.out[0] + R.A.out[0];
      out.push(row);
      console.log(`gates n=${n} G=${G} (survivors ${se.toFixed(1)} / ${sl.toFixed(1)}): EM gates wasm ${row.em_gates.wasm.toFixed(2)} (cpu ${row.em_gates.wasm_cpu.toFixed(2)}) ref ${row.em_gates.reference.toFixed(2)}; ` +
        `EM gates+moments wasm ${row.em_step.wasm.toFixed(2)} (cpu ${row.em_step.wasm_cpu.toFixed(2)}) ref ${row.em_step.reference.toFixed(2)}; level gates wasm ${row.level_gates.wasm.toFixed(2)} (cpu ${row.level_gates.wasm_cpu.toFixed(2)}) ref ${row.level_gates.reference.toFixed(2)} M rows/s`);
    }
  }
  return out;
}

/** max |a − b| / max(1, max |b|). */
function relMax(a: Float64Array, b: Float64Array): number {
  let d = 0, s = 1;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

// ---------------------------------------------------------------------------------------
// Cholesky

function benchCholesky(py: PyOut | null) {
  const out: { p: number; wasm_ms: number; reference_ms: number; openblas_ms: number | null; wasm_ms_cpu: number; reference_ms_cpu: number; wasm_gflops: number; reference_gflops: number }[] = [];
  for (const p of PS) {
    const X = new Float64Array((2 * p + 16) * p);
    fillUniform(X, 7 + p);
    const Asrc = new Float64Array(p * p), bsrc = new Float64Array(p);
    const rows = 2 * p + 16;
    for (let i = 0; i < p; i++) {
      for (let j = i; j < p; j++) {
        let s = 0;
        for (let t = 0; t < rows; t++) s += X[t * p + i] * X[t * p + j];
        Asrc[i * p + j] = Asrc[j * p + i] = s + (i === j ? 1 : 0);
      }
      bsrc[i] = Math.sin(i + 1);
    }
    const k = createKernels("wasm");
    const A = k.arena({ a: ["f64", p * p], b: ["f64", p] });
    const R = { a: new Float64Array(p * p), b: new Float64Array(p) };
    const samples = quick ? 3 : 7;
    const times = (kk: Kernels, bufs: { a: Float64Array; b: Float64Array }) => {
      const ws: number[] = [], cs: number[] = [];
      const w0 = performance.now();
      for (let s = 0; s < 2 * samples || performance.now() - w0 < WARM * 1e3; s++) {
        bufs.a.set(Asrc);
        bufs.b.set(bsrc);
        const c0 = process.cpuUsage(), t0 = performance.now();
        const status = kk.choleskySolve(p, 1, bufs.a, p, bufs.b, 1, 0, 0);
        const dt = performance.now() - t0;
        cs.push(cpuSeconds(process.cpuUsage(c0)) * 1e3);
        if (status !== 0) throw new Error(`choleskySolve p=${p} (${kk.name}): status ${status}`);
        ws.push(dt);
      }
      // the last samples: earlier ones warm the JIT up
      return { wall: median(ws.slice(-samples)), cpu: median(cs.slice(-samples)) };
    };
    const w = times(k, A), r = times(reference, R);
    let diff = 0;
    for (let i = 0; i < p; i++) diff = Math.max(diff, Math.abs(A.b[i] - R.b[i]) / Math.max(1, Math.abs(R.b[i])));
    if (diff > 1e-8) console.log(`warning: cholesky p=${p}: WASM and reference solutions differ by ${diff}`);
    const nat = py?.cholesky.find((c) => c.p === p);
    const flops = p ** 3 / 3 + 2 * p * p; // factor + two triangular solves
    out.push({
      p, wasm_ms: w.wall, reference_ms: r.wall, openblas_ms: nat ? median(nat.seconds) * 1e3 : null,
      wasm_ms_cpu: w.cpu, reference_ms_cpu: r.cpu, wasm_gflops: flops / w.wall / 1e6, reference_gflops: flops / r.wall / 1e6,
    });
  }
  for (const c of out) console.log(`cholesky p=${c.p}: wasm ${c.wasm_ms.toFixed(3)} ms (cpu ${c.wasm_ms_cpu.toFixed(3)}), ref ${c.reference_ms.toFixed(3)} ms (cpu ${c.reference_ms_cpu.toFixed(3)}), openblas ${c.openblas_ms?.toFixed(3) ?? "—"} ms`);
  return out;
}

// ---------------------------------------------------------------------------------------
// Run

const want = (section: string) => !only || only.has(section);
const gram = want("gram") ? benchGram() : { rows: [], py: [] };
const basis = want("basis") ? benchBasis() : [];
const model = want("fused") || want("sde") ? await smallModel() : undefined;
const fused = model && want("fused") ? benchFused(model) : undefined;
const sde = model && want("sde") ? benchSde(model) : undefined;
const gates = want("gates") ? benchGates() : [];
const pyChol = want("cholesky") ? python({ cholesky: PS, samples: quick ? 3 : 7 }) : null;
const cholesky = want("cholesky") ? benchCholesky(pyChol) : [];
const peakRssMb = process.resourceUsage().maxRSS / 1024;
machine.loadavg_end = loadavg().map((x) => +x.toFixed(2));
const run = { wall_seconds: (performance.now() - runStartWall) / 1e3, cpu_seconds: cpuSeconds(process.cpuUsage(runStartCpu)) };
const py0 = gram.py[0] ?? pyChol;
const openblas = py0
  ? { numpy: py0.numpy, scipy: py0.scipy, method: py0.gram[0]?.method ?? null, env: py0.env, blas: py0.blas }
  : { skipped: pythonNote };

const command = `npm run bench:kernels --${quick ? " --quick" : ""}${jsonFile ? ` --json ${jsonFile}` : ""}`;
const result = {
  gram: gram.rows, sde, machine, basis, fused: fused?.fused, fit_block_pipeline: fused?.pipeline, gates, cholesky, openblas, peak_rss_mb: peakRssMb,
  settings: { quick, samples: SAMPLES, sample_budget_seconds: BUDGET, block: BLOCK, ld: LD, statistic: "median" },
  run, command, date,
};
if (jsonFile) {
  writeFileSync(jsonFile, JSON.stringify(result, null, 2) + "\n");
  console.log(`wrote ${jsonFile}`);
}

// ---------------------------------------------------------------------------------------
// Table

const f = (v: number | null | undefined, d = 2) => (v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(d));
const table = (headers: string[], rows: string[][]) =>
  [`| ${headers.join(" | ")} |`, `|${headers.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
const blasLine = (() => {
  if (!py0) return `OpenBLAS: ${pythonNote}`;
  const b = (py0.blas as { threadpoolctl?: { internal_api: string; version: string; architecture: string; num_threads: number }[] | null }).threadpoolctl;
  const k = b && b[0] ? `${b[0].internal_api} ${b[0].version}, kernel "${b[0].architecture}" (threadpoolctl), ${b[0].num_threads} thread` : "kernel unknown (no threadpoolctl)";
  return `OpenBLAS: numpy ${py0.numpy}${py0.scipy ? `, scipy ${py0.scipy}` : ""}, ${py0.gram[0]?.method ?? "—"} on a contiguous 256-row block, ${k}, ` +
    `OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for that run.`;
})();
const md = only ? "(a partial run: --only writes no table)" : [
  `## Kernels (\`${command}\`, owner: benchmarks)`,
  "",
  `${date}. ${machine.cpu}, ${machine.cores} cores (${machine.cpu_flags}), node ${machine.node} (V8 ${machine.v8}), WASM build ${machine.wasm_hash ?? "?"}. ` +
  `Load average ${machine.loadavg_start.join(" / ")} at start, ${machine.loadavg_end.join(" / ")} at the end (1/5/15 min) on this shared 2-core machine: ` +
  `wall-time rates are what a process got while sharing; CPU-time rates (process.cpuUsage / process_time) are beside them. ` +
  `Medians of ${SAMPLES} samples of ~${BUDGET} s each, implementations interleaved sample by sample; ratios are of the wall medians of the same run. ` +
  `Run took ${run.wall_seconds.toFixed(0)} s wall, ${run.cpu_seconds.toFixed(0)} s CPU.`,
  "",
  `Gram G += ΦᵀΦ (upper triangle incl. diagonal, m·p·(p+1) flops), one 256-row block with column stride 264 reused per call, ` +
  `GFLOP/s wall (CPU-time in parentheses). * = subsampled: a sample times a prefix of the m/256 blocks (rows timed per sample given as WASM / reference / OpenBLAS). ${blasLine}`,
  "",
  table(["p", "m", "WASM", "reference", "OpenBLAS", "WASM / ref", "WASM / OpenBLAS", "rows timed"],
    gram.rows.map((r) => [String(r.p), r.m.toExponential(0), `${f(r.wasm_gflops)} (${f(r.wasm_gflops_cpu)})`, `${f(r.reference_gflops)} (${f(r.reference_gflops_cpu)})`,
      `${f(r.openblas_gflops)} (${f(r.openblas_gflops_cpu)})`, f(r.wasm_over_reference, 1), f(r.wasm_over_openblas), `${r.rows_timed.wasm} / ${r.rows_timed.reference} / ${r.rows_timed.openblas ?? "—"}${r.subsampled ? " *" : ""}`])),
  "",
  "Other kernels, wall (CPU-time in parentheses):",
  "",
  table(["kernel", "unit", "WASM", "reference", "WASM / ref"], [
    ...basis.map((b) => [`basis r=${b.r} D=${b.D} (p=${b.p}), 256-row blocks, with derivatives`, "M rows/s", `${f(b.wasm)} (${f(b.wasm_cpu)})`, `${f(b.reference)} (${f(b.reference_cpu)})`, f(b.ratio, 1)]),
    [`designBlock + gramAccumulate, p=${fused!.fused.p} (${fused!.fused.columns} columns), 2-D degree-8 level`, "M rows/s", `${f(fused!.fused.wasm)} (${f(fused!.fused.wasm_cpu)})`, `${f(fused!.fused.reference)} (${f(fused!.fused.reference_cpu)})`, f(fused!.fused.ratio, 1)],
    ["fit block: ouNoise + gates + designBlock + gramAccumulate, same level", "M rows/s", `${f(fused!.pipeline.wasm)} (${f(fused!.pipeline.wasm_cpu)})`, `${f(fused!.pipeline.reference)} (${f(fused!.pipeline.reference_cpu)})`, f(fused!.pipeline.ratio, 1)],
    [`reverse SDE: Evaluator.residual + sdeStep (exp), 2-D degree ${sde!.degree}, ${sde!.particles} particles`, "M particle-steps/s", `${f(sde!.wasm_msteps)} (${f(sde!.wasm_msteps_cpu)})`, `${f(sde!.reference_msteps)} (${f(sde!.reference_msteps_cpu)})`, f(sde!.ratio, 1)],
    ["  of which residual alone", "M particle-steps/s", `${f(sde!.residual_only.wasm)} (${f(sde!.residual_only.wasm_cpu)})`, `${f(sde!.residual_only.reference)} (${f(sde!.residual_only.reference_cpu)})`, f(sde!.residual_only.ratio, 1)],
    ["  of which sdeStep alone (normals included)", "M particle-steps/s", `${f(sde!.sde_step_only.wasm)} (${f(sde!.sde_step_only.wasm_cpu)})`, `${f(sde!.sde_step_only.reference)} (${f(sde!.sde_step_only.reference_cpu)})`, f(sde!.sde_step_only.ratio, 1)],
  ]),
  "",
  "choleskySolve (p×p, one right-hand side, p³/3 + 2p² flops), median ms per solve, wall (CPU-time in parentheses; sub-millisecond CPU times are coarse); OpenBLAS = scipy cho_factor + cho_solve, wall:",
  "",
  table(["p", "WASM ms", "reference ms", "OpenBLAS ms", "WASM GFLOP/s (wall)", "WASM / ref", "WASM / OpenBLAS"], cholesky.map((c) => [String(c.p),
    `${f(c.wasm_ms, 3)} (${f(c.wasm_ms_cpu, 3)})`, `${f(c.reference_ms, 3)} (${f(c.reference_ms_cpu, 3)})`, f(c.openblas_ms, 3), f(c.wasm_gflops),
    f(c.reference_ms / c.wasm_ms, 1), c.openblas_ms ? f(c.openblas_ms / c.wasm_ms, 2) : "—"])),
].join("\n");
console.log("\n" + md + "\n");
console.log(`(checksum ${sink.toPrecision(6)})`);

if (writeResults) {
  const text = existsSync(RESULTS) ? readFileSync(RESULTS, "utf8") : "# Benchmark results\n";
  const i = text.indexOf(START), j = text.indexOf(END);
  const block = `${START}\n${md}\n${END}`;
  const next = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + END.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(RESULTS, next);
  console.log(`wrote the kernels section of ${RESULTS}`);
}
