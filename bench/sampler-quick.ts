/**
 * Quick timing of the sampler kernels, WASM vs reference: gates (n = 2, G = 5 and 30, soft,
 * a = 1 as in the regions' EM), normal, sdeStep alone (4096 2-D particles); the whole reverse
 * SDE step is in bench/kernels.ts. Medians of interleaved samples
 * after warm-up; wall and CPU rates. Not a test; writes nothing. Run: npx tsx bench/sampler-quick.ts
 */
import { createKernels, reference, type Kernels } from "../src/kernels/index.ts";
import { Evaluator } from "../src/evaluator.ts";
import { fit } from "../src/fit.ts";
import { noiseLadder } from "../src/ladder.ts";
import { packedLength, packLevel, shapeOf, type Regions } from "../src/level.ts";
import { streamState } from "../src/random.ts";

const SAMPLES = 5, BUDGET = 0.2;
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Repetitions of `one` for a ~BUDGET s sample, after warm-up (V8 tiers WASM up between calls). */
function plan(one: () => void): number {
  const t0 = performance.now();
  let k = 0;
  while (k < 20 || performance.now() - t0 < 150) { one(); k++; }
  const t1 = performance.now();
  for (let j = 0; j < 10; j++) one();
  return Math.max(1, Math.round((BUDGET * 1e3 * 10) / (performance.now() - t1)));
}

/** Interleaved samples of each fn; units per call → M units/s (wall, cpu). */
function compare(label: string, units: number, fns: [string, () => void][]): void {
  const reps = fns.map(([, f]) => plan(f));
  const wall: number[][] = fns.map(() => []), cpus: number[][] = fns.map(() => []);
  for (let s = 0; s < SAMPLES; s++) {
    fns.forEach(([, f], i) => {
      const c0 = cpu(), t0 = performance.now();
      for (let q = 0; q < reps[i]; q++) f();
      wall[i].push((performance.now() - t0) / 1e3 / reps[i]);
      cpus[i].push((cpu() - c0) / reps[i]);
    });
  }
  const cols = fns.map(([name], i) => `${name} ${(units / median(wall[i]) / 1e6).toFixed(2)} (cpu ${(units / median(cpus[i]) / 1e6).toFixed(2)})`);
  console.log(`${label.padEnd(26)} ${cols.join("   ")}   M/s`);
}

function lcg(seed: number) {
  let s = seed >>> 0 || 1;
  return () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; };
}

function benchGates(G: number): void {
  const n = 2, B = 256, POOL = 16, u = lcg(G);
  const centres = Array.from({ length: G }, () => [10 * u() - 5, 10 * u() - 5]);
  const regions: Regions = { dim: n, weights: centres.map(() => 1 / G), centres, frames: centres.map(() => []), spreads: centres.map(() => []), ranks: centres.map(() => 0) };
  const shape = shapeOf(regions, 0);
  const setup = (k: Kernels) => {
    const A = k.arena({ x: ["f64", POOL * B * n], level: ["f64", packedLength(shape)], gamma: ["f64", B * G], cbar: ["f64", B * n] });
    packLevel(A.level, shape, regions, 0, "soft");
    const v = lcg(7);
    for (let t = 0; t < POOL * B; t++) {
      const c = centres[Math.floor(v() * G)];
      for (let i = 0; i < n; i++) A.x[t * n + i] = c[i] + 2 * (v() - 0.5);
    }
    let b = 0;
    return () => { k.gates(B, A.x.subarray(b * B * n), A.level, A.gamma, A.cbar); b = (b + 1) % POOL; };
  };
  compare(`gates n=2 G=${G} (rows)`, B, [["wasm", setup(createKernels("wasm"))], ["ref", setup(reference)]]);
}

function benchNormals(): void {
  const P = 4096, n = 2;
  const setup = (k: Kernels, which: "normal" | "sde") => {
    const A = k.arena({ y: ["f64", P * n], r: ["f64", P * n], s: ["u32", 4] });
    A.s.set(streamState(9, "bench-sde"));
    k.normal(P * n, A.y, A.s);
    k.normal(P * n, A.r, A.s);
    return which === "normal" ? () => k.normal(P * n, A.y, A.s) : () => k.sdeStep(P * n, A.y, A.r, 0.01, 0, A.s);
  };
  const w = createKernels("wasm");
  compare("normal (normals)", P * n, [["wasm", setup(w, "normal")], ["ref", setup(reference, "normal")]]);
  compare("sdeStep alone (particles)", P, [["wasm", setup(w, "sde")], ["ref", setup(reference, "sde")]]);
}

/** bench/kernels.ts benchSde: the same small model and step. */
const only = process.argv[2];
if (!only || only === "gates") { benchGates(5); benchGates(30); }
if (!only || only === "sde") benchNormals();
