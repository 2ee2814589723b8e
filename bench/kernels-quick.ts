/**
 * Quick timing of gramAccumulate, WASM vs reference: 256-row blocks (ld = 264, padded against
 * cache-set aliasing) repeated to ~1e6 rows. Not a test. Run: npx tsx bench/kernels-quick.ts
 * Flops: m·p·(p+1) per call (upper triangle incl. diagonal).
 */
import { createKernels, reference, type Kernels } from "../src/kernels/index.ts";

const M = 256, LD = 264;

function run(k: Kernels, p: number, rows: number): { gflops: number; check: number } {
  const A = k.arena({ phi: ["f64", LD * p], g: ["f64", p * p] });
  let s = 12345;
  for (let i = 0; i < A.phi.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    A.phi[i] = s / 4294967296 - 0.5;
  }
  const calls = Math.max(1, Math.round(rows / M));
  for (let i = 0; i < Math.min(50, calls); i++) k.gramAccumulate(M, p, A.phi, LD, A.g, p); // warm-up (tier-up)
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) k.gramAccumulate(M, p, A.phi, LD, A.g, p);
  const sec = (performance.now() - t0) / 1e3;
  return { gflops: (calls * M * p * (p + 1)) / sec / 1e9, check: A.g[p - 1] };
}

const wasm = createKernels("wasm");
console.log("kernel:p            wasm GF/s   reference GF/s   ratio");
for (const p of [45, 210]) {
  const best = (k: Kernels, rows: number) => Math.max(...[0, 1, 2].map(() => run(k, p, rows).gflops));
  const w = best(wasm, 1e6);
  const r = best(reference, p > 100 ? 2e5 : 1e6);
  console.log(`gramAccumulate:p=${p}`.padEnd(20), w.toFixed(2).padStart(9), r.toFixed(2).padStart(16), (w / r).toFixed(1).padStart(7));
}
