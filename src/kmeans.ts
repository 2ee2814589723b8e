/**
 * k-means: greedy k-means++ seeding (the first centre uniform, then of a few rows drawn in
 * proportion to the squared distance to the nearest centre, the one that lowers the total most)
 * and Lloyd iterations, on an evenly strided subsample of at most `cap` rows so that sorted data
 * is still represented. Used for the fit's micro-clusters
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

/**
 * Greedy k-means++'s candidates per centre (scikit-learn's choice, 2 + ⌊ln K⌋): of that many
 * rows drawn in proportion to d², the one that lowers Σd² most. Plain k-means++ (one draw) put two
 * seeds in one of five unit Gaussians in 8-D (mix8d) often enough that all three starts of a
 * covariance-gate fit merged two components (1 fit seed in 20; held out 0.70 nats per row below
 * the exact density).
 */
const localTrials = (K: number) => 2 + Math.floor(Math.log(K));

/** K×n centres of the m×n rows x. */
export function kmeans(x: Float64Array, m: number, n: number, K: number, state: Uint32Array, cap: number): Float64Array {
  const rows = strided(m, cap), L = localTrials(K);
  const u = uniforms(1 + K * L, state);
  const centres = new Float64Array(K * n);
  const d2 = new Float64Array(rows.length).fill(Infinity), trial = new Float64Array(rows.length), best = new Float64Array(rows.length);
  // d² from each row to row `pick` into out, and their sum with the current d² (the potential were pick a centre).
  const potential = (pick: number, out: Float64Array) => {
    let total = 0;
    rows.forEach((row, s) => {
      let d = 0;
      for (let i = 0; i < n; i++) d += (x[row * n + i] - x[pick * n + i]) ** 2;
      total += out[s] = Math.min(d2[s], d);
    });
    return total;
  };
  let pick = rows[Math.floor(u[0] * rows.length)], total = potential(pick, d2);
  for (let i = 0; i < n; i++) centres[i] = x[pick * n + i];
  for (let k = 1; k < K; k++) {
    let chosen = -1, lowest = Infinity;
    for (let l = 0; l < L; l++) {
      const v = u[1 + (k - 1) * L + l];
      let s = Math.floor(v * rows.length); // every row on a centre (total 0): any row will do
      if (total > 0) {
        let target = v * total;
        s = 0;
        while (s < rows.length - 1 && (target -= d2[s]) > 0) s++;
      }
      const p = potential(rows[s], trial);
      if (p < lowest) {
        [lowest, chosen] = [p, rows[s]];
        best.set(trial);
      }
    }
    pick = chosen;
    d2.set(best);
    total = lowest;
    for (let i = 0; i < n; i++) centres[k * n + i] = x[pick * n + i];
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
