/**
 * The pieces of the piecewise-polynomial score (algorithm.md, "Regions"): k-means
 * micro-clusters, agglomerative merging by a dimension-free separation estimate, centres
 * refined by identity-covariance EM, and a local frame per group.
 */
import { symmetricEigen } from "./linalg.ts";
import { packedLength, packLevel, shapeOf, type Regions } from "./level.ts";
import type { Kernels } from "./kernels/types.ts";
import { uniforms } from "./random.ts";

const SUBSAMPLE = 20000; // rows for k-means; EM refinement uses all rows (subsampled centres cost 2× in score error)

export interface RegionOptions {
  /** Merge while the closest pair's separation estimate is below R (0: keep the micro-clusters). */
  R: number;
  mode: "merged" | "single";
  basis: "projected" | "full";
  rMax: number;
  emIterations: number;
}

/** Evenly strided rows, at most `cap`, so that sorted data is still represented. */
function strided(m: number, cap: number): number[] {
  const k = Math.min(m, cap);
  return Array.from({ length: k }, (_, i) => Math.floor((i * m) / k));
}

function nearest(x: Float64Array, row: number, n: number, centres: Float64Array, K: number): number {
  let best = Infinity, arg = 0;
  for (let k = 0; k < K; k++) {
    let d = 0;
    for (let i = 0; i < n; i++) d += (x[row * n + i] - centres[k * n + i]) ** 2;
    if (d < best) { best = d; arg = k; }
  }
  return arg;
}

/** k-means++ seeding and Lloyd iterations on a strided subsample; returns K×n centres. */
export function microClusters(x: Float64Array, m: number, n: number, K: number, state: Uint32Array): Float64Array {
  const rows = strided(m, SUBSAMPLE);
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
    let target = u[k + 1] * total, s = 0;
    while (s < rows.length - 1 && (target -= d2[s]) > 0) s++;
    pick = rows[s];
  }
  const sums = new Float64Array(K * n), counts = new Float64Array(K);
  for (let iter = 0; iter < 30; iter++) {
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
    if (moved < 1e-6) break;
  }
  return centres;
}

interface Group { count: number; sum: Float64Array; outer: Float64Array }

/** Δ̂(g, h) = √(max(vᵀΣv − 1, 0) / (w(1 − w))): two unit blobs Δ apart give Δ. */
function separation(g: Group, h: Group, n: number): number {
  const N = g.count + h.count, w = g.count / N;
  const v = new Float64Array(n);
  let norm = 0;
  for (let i = 0; i < n; i++) {
    v[i] = g.sum[i] / g.count - h.sum[i] / h.count;
    norm += v[i] * v[i];
  }
  norm = Math.sqrt(norm);
  if (norm === 0) return 0;
  let q = 0, mv = 0;
  for (let i = 0; i < n; i++) {
    v[i] /= norm;
    mv += v[i] * (g.sum[i] + h.sum[i]) / N;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) q += v[i] * v[j] * (g.outer[i * n + j] + h.outer[i * n + j]) / N;
  const variance = q - mv * mv;
  return Math.sqrt(Math.max(variance - 1, 0) / (w * (1 - w)));
}

function mergeGroups(x: Float64Array, m: number, n: number, micro: Float64Array, R: number): Group[] {
  const K = micro.length / n;
  let groups: Group[] = Array.from({ length: K }, () => ({ count: 0, sum: new Float64Array(n), outer: new Float64Array(n * n) }));
  for (let row = 0; row < m; row++) {
    const g = groups[nearest(x, row, n, micro, K)];
    g.count++;
    for (let i = 0; i < n; i++) {
      g.sum[i] += x[row * n + i];
      for (let j = 0; j < n; j++) g.outer[i * n + j] += x[row * n + i] * x[row * n + j];
    }
  }
  groups = groups.filter((g) => g.count > 0);
  for (;;) {
    let best = Infinity, bi = -1, bj = -1;
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        const d = separation(groups[i], groups[j], n);
        if (d < best) { best = d; bi = i; bj = j; }
      }
    }
    if (bi < 0 || !(best < R)) break;
    const a = groups[bi], b = groups[bj];
    a.count += b.count;
    for (let i = 0; i < n; i++) a.sum[i] += b.sum[i];
    for (let i = 0; i < n * n; i++) a.outer[i] += b.outer[i];
    groups.splice(bj, 1);
  }
  return groups;
}

/**
 * Identity-covariance responsibilities of every row (the soft gates at a = 1, computed by
 * the kernels in blocks), handed to `visit(row, gamma, offset)` with gamma[offset + g].
 */
function eachResponsibility(kernels: Kernels, x: Float64Array, m: number, n: number, weights: number[], centres: number[][],
  visit: (row: number, gamma: Float64Array, offset: number) => void): void {
  const G = weights.length;
  const regions: Regions = { dim: n, weights, centres, frames: centres.map(() => []), spreads: centres.map(() => []), ranks: centres.map(() => 0) };
  const shape = shapeOf(regions, 0);
  const B = Math.min(m, 4096);
  const A = kernels.arena({ x: ["f64", m * n], gamma: ["f64", B * G], cbar: ["f64", B * n], level: ["f64", packedLength(shape)] });
  A.x.set(x.subarray(0, m * n));
  packLevel(A.level, shape, regions, 0, false);
  for (let start = 0; start < m; start += B) {
    const b = Math.min(B, m - start);
    kernels.gates(b, A.x.subarray(start * n), A.level, A.gamma, A.cbar);
    for (let k = 0; k < b; k++) visit(start + k, A.gamma, k * G);
  }
}

export function buildRegions(kernels: Kernels, x: Float64Array, m: number, n: number, micro: Float64Array, opt: RegionOptions): Regions {
  let weights: number[], centres: number[][];
  if (opt.mode === "single") {
    const c = new Array(n).fill(0);
    for (let row = 0; row < m; row++) for (let i = 0; i < n; i++) c[i] += x[row * n + i] / m;
    weights = [1];
    centres = [c];
  } else {
    const groups = mergeGroups(x, m, n, micro, opt.R);
    weights = groups.map((g) => g.count / m);
    centres = groups.map((g) => Array.from(g.sum, (s) => s / g.count));
    for (let iter = 0; iter < opt.emIterations; iter++) {
      const nw = new Array(weights.length).fill(0);
      const nc = centres.map(() => new Array(n).fill(0));
      eachResponsibility(kernels, x, m, n, weights, centres, (row, gamma, o) => {
        for (let g = 0; g < nw.length; g++) {
          const w = gamma[o + g];
          if (w === 0) continue;
          nw[g] += w;
          for (let i = 0; i < n; i++) nc[g][i] += w * x[row * n + i];
        }
      });
      // A group that EM empties carries no data: drop it rather than divide by zero.
      const keep = nw.map((w) => w >= 2);
      const next = nc.map((c, g) => c.map((v) => v / nw[g]));
      const settled = next.every((c, g) => !keep[g] || c.every((v, i) => Math.abs(v - centres[g][i]) < 1e-5));
      centres = next.filter((_, g) => keep[g]);
      const total = nw.filter((_, g) => keep[g]).reduce((s, w) => s + w, 0);
      weights = nw.filter((_, g) => keep[g]).map((w) => w / total);
      if (settled) break;
    }
  }
  // Local frames from the responsibility-weighted covariance over all rows.
  const G = weights.length;
  const mass = new Float64Array(G), cov = centres.map(() => new Float64Array(n * n));
  eachResponsibility(kernels, x, m, n, weights, centres, (row, gamma, o) => {
    for (let g = 0; g < G; g++) {
      const w = gamma[o + g];
      if (w === 0) continue;
      mass[g] += w;
      for (let i = 0; i < n; i++) {
        const di = x[row * n + i] - centres[g][i];
        for (let j = 0; j < n; j++) cov[g][i * n + j] += w * di * (x[row * n + j] - centres[g][j]);
      }
    }
  });
  const frames: number[][] = [], spreads: number[][] = [], ranks: number[] = [];
  for (let g = 0; g < G; g++) {
    for (let i = 0; i < n * n; i++) cov[g][i] /= Math.max(mass[g], 1);
    const { values, vectors } = symmetricEigen(cov[g], n);
    const threshold = 1 + Math.max(0.2, 3 * Math.sqrt(n / Math.max(mass[g], 1)));
    let r = 0;
    if (opt.basis === "full") r = n;
    else while (r < Math.min(n, opt.rMax) && values[r] > threshold) r++;
    frames.push(Array.from(vectors));
    spreads.push(Array.from(values, (v) => Math.max(v, 1)));
    ranks.push(r);
  }
  return { dim: n, weights, centres, frames, spreads, ranks };
}
