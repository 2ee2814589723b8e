/** Row utilities shared by the metrics: seeded subsets, random unit directions, projections. */
import { normals, streamState, uniforms } from "../random.ts";

export function rowCount(x: Float64Array, n: number, what = "samples"): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what}: dim must be a positive integer, got ${n}`);
  if (x.length % n !== 0) throw new Error(`${what}: length ${x.length} is not a multiple of dim ${n}`);
  return x.length / n;
}

/**
 * A seeded permutation's first `count` rows (partial Fisher–Yates): a uniform subset without
 * replacement, in random order. Returns x itself when count ≥ its rows and `shuffle` is false.
 */
export function subsetRows(x: Float64Array, n: number, count: number, seed: number, label: string, shuffle = false): Float64Array {
  const m = x.length / n;
  if (count >= m && !shuffle) return x;
  const k = Math.min(count, m);
  const idx = new Int32Array(m);
  for (let i = 0; i < m; i++) idx[i] = i;
  const u = uniforms(k, streamState(seed, "metrics-subset", label));
  const out = new Float64Array(k * n);
  for (let i = 0; i < k; i++) {
    const j = i + Math.min(m - i - 1, Math.floor(u[i] * (m - i)));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
    out.set(x.subarray(idx[i] * n, idx[i] * n + n), i * n);
  }
  return out;
}

/** `count` unit vectors uniform on the sphere in Rⁿ from the stream (seed, label), row-major. */
export function randomDirections(n: number, count: number, seed: number, label: string): Float64Array {
  const v = normals(count * n, streamState(seed, "metrics-directions", label, n));
  for (let d = 0; d < count; d++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += v[d * n + i] ** 2;
    s = Math.sqrt(s) || 1;
    for (let i = 0; i < n; i++) v[d * n + i] /= s;
  }
  return v;
}

/** ⟨v, x_t⟩ for every row. */
export function project(x: Float64Array, n: number, v: ArrayLike<number>, vOff = 0): Float64Array {
  const m = x.length / n, out = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[t * n + i] * v[vOff + i];
    out[t] = s;
  }
  return out;
}
