/**
 * k-means: k-means++ seeding (the first centre uniform, then proportional to the squared
 * distance to the nearest centre) and Lloyd iterations, on an evenly strided subsample of at
 * most `cap` rows so that sorted data is still represented. Used for the fit's micro-clusters
 * and the EM baseline's starts.
 */
import { uniforms } from "./random.ts";

const LLOYD_ITERATIONS = 30;

/** Evenly strided rows, at most `cap`. */
export function strided(m: number, cap: number): number[] {
  const k = Math.min(m, cap);
  return Array.from({ length: k }, (_, i) => Math.floor((i * m) / k));
}

/** The nearest of the K centres (K×n) to row `row` of x. */
export function nearest(x: Float64Array, row: number, n: number, centres: Float64Array, K: number): number {
  let best = Infinity, arg = 0;
  for (let k = 0; k < K; k++) {
    let d = 0;
    for (let i = 0; i < n; i++) d += (x[row * n + i] - centres[k * n + i]) ** 2;
    if (d < best) {
      best = d;
      arg = k;
    }
  }
  return arg;
}

/** K×n centres of the m×n rows x. */
export function kmeans(x: Float64Array, m: number, n: number, K: number, state: Uint32Array, cap: number): Float64Array {
  const rows = strided(m, cap);
  const u = uniforms(K + 1, state);
  const centres = new Float64Array(K * n);
  const d2 = new Float64Array(rows.length).fill(Infinity);
  let pick = rows[Math.floor(u[0] * rows.length)];
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < n; i++) centres[k * n + i] = x[pick * n + i];
    let total = 0;
    rows.forEach((row, s) => {
      let d = 0;
      for (let i = 0; i < n; i++) d += (x[row * n + i] - centres[k * n + i]) ** 2;
      d2[s] = Math.min(d2[s], d);
      total += d2[s];
    });
    if (!(total > 0)) {
      pick = rows[Math.floor(u[k + 1] * rows.length)]; // every row sits on a centre: any row will do
      continue;
    }
    let target = u[k + 1] * total, s = 0;
    while (s < rows.length - 1 && (target -= d2[s]) > 0) s++;
    pick = rows[s];
  }
  const sums = new Float64Array(K * n), counts = new Float64Array(K);
  for (let iter = 0; iter < LLOYD_ITERATIONS; iter++) {
    sums.fill(0);
    counts.fill(0);
    for (const row of rows) {
      const k = nearest(x, row, n, centres, K);
      counts[k]++;
      for (let i = 0; i < n; i++) sums[k * n + i] += x[row * n + i];
    }
    let moved = 0;
    for (let k = 0; k < K; k++) {
      if (counts[k] === 0) continue; // keep an empty centre where it is
      for (let i = 0; i < n; i++) {
        const c = sums[k * n + i] / counts[k];
        moved = Math.max(moved, Math.abs(c - centres[k * n + i]));
        centres[k * n + i] = c;
      }
    }
    // Converged when no centre moved (the assignments repeat): a fixed point, in any units (an
    // absolute tolerance such as 1e-6 stopped data ×1e-8 after one iteration).
    if (moved === 0) break;
  }
  return centres;
}
