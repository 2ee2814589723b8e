// Lloyd's iterations with Hamerly's bounds (src/kmeans.ts) against plain Lloyd written here:
// every row assigned to its nearest centre by exhaustive search, the centres the means of their
// rows. The bounds only skip work, so the centres must be equal to the bit, on data with exact
// ties (grid values), at tiny and huge scales, and with more centres than distinct points.
import { describe, expect, it } from "vitest";
import { lloyd } from "../src/kmeans.ts";
import { normals, streamState, uniforms } from "../src/random.ts";

/** Plain Lloyd from `start`: exhaustive assignment (the lowest index on ties), at most 30 iterations, to a fixed point. */
function plainLloyd(x: Float64Array, m: number, n: number, start: Float64Array, K: number): Float64Array {
  const c = start.slice();
  for (let iter = 0; iter < 30; iter++) {
    const sums = new Float64Array(K * n), counts = new Float64Array(K);
    for (let t = 0; t < m; t++) {
      let best = Infinity, arg = 0;
      for (let k = 0; k < K; k++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += (x[t * n + i] - c[k * n + i]) ** 2;
        if (d < best) [best, arg] = [d, k];
      }
      counts[arg]++;
      for (let i = 0; i < n; i++) sums[arg * n + i] += x[t * n + i];
    }
    let moved = false;
    for (let k = 0; k < K; k++) {
      if (counts[k] === 0) continue;
      for (let i = 0; i < n; i++) {
        const v = sums[k * n + i] / counts[k];
        moved ||= v !== c[k * n + i];
        c[k * n + i] = v;
      }
    }
    if (!moved) break;
  }
  return c;
}

/** m rows in n dimensions: clusters 6 apart along the first axis, optionally rounded to a grid, times `scale`. */
function data(m: number, n: number, seed: number, scale: number, grid: boolean): Float64Array {
  const s = streamState(seed, "kmeans-test"), x = normals(m * n, s), u = uniforms(m, s);
  for (let t = 0; t < m; t++) {
    x[t * n] += 6 * Math.floor(u[t] * 5);
    for (let i = 0; i < n; i++) x[t * n + i] = (grid ? Math.round(x[t * n + i]) : x[t * n + i]) * scale;
  }
  return x;
}

describe("Lloyd with Hamerly's bounds", () => {
  const cases = [
    { m: 4000, n: 2, K: 67, scale: 1, grid: false },
    { m: 2000, n: 2, K: 40, scale: 1, grid: true },
    { m: 3000, n: 3, K: 20, scale: 1e-8, grid: false },
    { m: 3000, n: 5, K: 12, scale: 1e8, grid: true },
    { m: 500, n: 13, K: 30, scale: 1, grid: false },
    { m: 300, n: 1, K: 50, scale: 1, grid: true }, // more centres than distinct values: empty and tied centres
    { m: 800, n: 30, K: 5, scale: 1, grid: false },
  ];
  for (const [j, c] of cases.entries()) {
    it(`m = ${c.m}, n = ${c.n}, K = ${c.K}, scale ${c.scale}${c.grid ? ", grid values" : ""}: the centres of plain Lloyd, to the bit`, () => {
      const x = data(c.m, c.n, j, c.scale, c.grid);
      // Start from K rows spread through the data (duplicated rows where values repeat).
      const rows = Array.from({ length: c.m }, (_, t) => t), start = new Float64Array(c.K * c.n);
      for (let k = 0; k < c.K; k++) start.set(x.subarray(Math.floor((k * c.m) / c.K) * c.n, Math.floor((k * c.m) / c.K) * c.n + c.n), k * c.n);
      const fast = start.slice();
      lloyd(x, rows, c.n, fast, c.K);
      const plain = plainLloyd(x, c.m, c.n, start, c.K);
      expect(Array.from(fast).every((v, i) => Object.is(v, plain[i]))).toBe(true);
    });
  }
});
