/**
 * k-means: k-means++ seeding (the first centre uniform, then proportional to the squared
 * distance to the nearest centre) and Lloyd iterations, on an evenly strided subsample of at
 * most `cap` rows so that sorted data is still represented. Used for the fit's micro-clusters
 * and the EM baseline's starts.
 */
import { uniforms } from "./random.ts";

const LLOYD_ITERATIONS = 30;
/**
 * A skipped row's bounds must clear its nearest centre by this share of the rows' extent: the
 * bounds' rounding (a few ulps per iteration) is far below it, so a skipped row is one whose
 * nearest centre by `nearest` cannot have changed, and the centres are Lloyd's to the bit.
 */
const BOUND_MARGIN = 1e-9;

/** Evenly strided rows, at most `cap`. */
export function strided(m: number, cap: number): number[] {
  const k = Math.min(m, cap);
  return Array.from({ length: k }, (_, i) => Math.floor((i * m) / k));
}

/** The squared distance from row `row` of x to centre k (K×n): every k-means comparison uses this one sum. */
function squared(x: Float64Array, row: number, n: number, centres: Float64Array, k: number): number {
  let d = 0;
  for (let i = 0; i < n; i++) d += (x[row * n + i] - centres[k * n + i]) ** 2;
  return d;
}

/** The nearest of the K centres (K×n) to row `row` of x. */
export function nearest(x: Float64Array, row: number, n: number, centres: Float64Array, K: number): number {
  let best = Infinity, arg = 0;
  for (let k = 0; k < K; k++) {
    const d = squared(x, row, n, centres, k);
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
      d2[s] = Math.min(d2[s], squared(x, row, n, centres, k));
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
  lloyd(x, rows, n, centres, K);
  return centres;
}

/**
 * Lloyd iterations on `rows` from `centres` (in place), to a fixed point or LLOYD_ITERATIONS.
 * Hamerly's bounds skip the rows whose assignment cannot change: an upper bound u on the distance
 * to the assigned centre, a lower bound l on the distance to every other, moved by the centres'
 * drifts; a row is searched again only when u + margin ≥ max(l, half the distance from its centre
 * to the nearest other). Searched rows compare squared distances as `nearest` does, so ties go as
 * in plain Lloyd; the centres' sums run in row order every iteration, so they are its sums to the
 * bit (blobs6, K = 100 on 4000 rows: most rows are searched only in the first few of the 30
 * iterations).
 */
export function lloyd(x: Float64Array, rows: number[], n: number, centres: Float64Array, K: number): void {
  const R = rows.length, assign = new Int32Array(R), upper = new Float64Array(R), lower = new Float64Array(R);
  const sums = new Float64Array(K * n), counts = new Float64Array(K), half = new Float64Array(K), drift = new Float64Array(K);
  // The margin in the rows' units: the diagonal of their bounding box, which holds every centre.
  let extent = 0;
  for (let i = 0; i < n; i++) {
    let lo = Infinity, hi = -Infinity;
    for (const row of rows) [lo, hi] = [Math.min(lo, x[row * n + i]), Math.max(hi, x[row * n + i])];
    extent += (hi - lo) ** 2;
  }
  const margin = BOUND_MARGIN * Math.sqrt(extent);
  /** The row's nearest centre by `nearest`, its distance, and the distance to the next nearest. */
  const search = (s: number) => {
    const row = rows[s];
    // nearest's arithmetic and tie rule, with the runner-up's squared distance from the same pass.
    let best = Infinity, next = Infinity, arg = 0;
    for (let k = 0; k < K; k++) {
      const d = squared(x, row, n, centres, k);
      if (d < best) [next, best, arg] = [best, d, k];
      else if (d < next) next = d;
    }
    [assign[s], upper[s], lower[s]] = [arg, Math.sqrt(best), Math.sqrt(next)];
  };
  for (let s = 0; s < R; s++) search(s);
  for (let iter = 0; iter < LLOYD_ITERATIONS; iter++) {
    if (iter > 0) {
      for (let k = 0; k < K; k++) {
        let d = Infinity;
        for (let j = 0; j < K; j++) if (j !== k) d = Math.min(d, squared(centres, k, n, centres, j));
        half[k] = Math.sqrt(d) / 2;
      }
      for (let s = 0; s < R; s++) {
        const bound = Math.max(lower[s], half[assign[s]]);
        if (upper[s] + margin < bound) continue;
        upper[s] = Math.sqrt(squared(x, rows[s], n, centres, assign[s]));
        if (upper[s] + margin < bound) continue;
        search(s);
      }
    }
    sums.fill(0);
    counts.fill(0);
    for (let s = 0; s < R; s++) {
      const row = rows[s], k = assign[s];
      counts[k]++;
      for (let i = 0; i < n; i++) sums[k * n + i] += x[row * n + i];
    }
    let moved = 0, most = 0;
    for (let k = 0; k < K; k++) {
      drift[k] = 0;
      if (counts[k] === 0) continue; // keep an empty centre where it is
      let q = 0;
      for (let i = 0; i < n; i++) {
        const c = sums[k * n + i] / counts[k];
        moved = Math.max(moved, Math.abs(c - centres[k * n + i]));
        q += (c - centres[k * n + i]) ** 2;
        centres[k * n + i] = c;
      }
      most = Math.max(most, (drift[k] = Math.sqrt(q)));
    }
    // Converged when no centre moved (the assignments repeat): a fixed point, in any units (an
    // absolute tolerance such as 1e-6 stopped data ×1e-8 after one iteration).
    if (moved === 0) break;
    for (let s = 0; s < R; s++) {
      upper[s] += drift[assign[s]];
      lower[s] -= most;
    }
  }
}
