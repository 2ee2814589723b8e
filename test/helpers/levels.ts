/** Random packed levels (the layout of src/kernels/types.ts) for the kernel tests, built independently of src/level.ts. */
import { HEADER } from "../../src/kernels/types.ts";
import { rng } from "./rng.ts";

export function binom(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

/** Multi-indices of rmax variables, total degree ≤ D, sorted by (last nonzero, degree, lexicographic). */
export function multiIndices(rmax: number, D: number): Int32Array {
  const all: number[][] = [];
  const rec = (pre: number[], left: number) => {
    if (pre.length === rmax) return void all.push(pre);
    for (let k = 0; k <= left; k++) rec([...pre, k], left - k);
  };
  rec([], D);
  const last = (a: number[]) => a.reduce((l, v, i) => (v > 0 ? i : l), -1);
  const deg = (a: number[]) => a.reduce((s, v) => s + v, 0);
  const lex = (x: number[], y: number[]) => {
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return 0;
  };
  all.sort((x, y) => last(x) - last(y) || deg(x) - deg(y) || lex(x, y));
  const t = new Int32Array(Math.max(1, all.length * rmax));
  all.forEach((a, f) => a.forEach((v, j) => (t[f * rmax + j] = v)));
  return t;
}

export interface LevelSpec { n: number; D: number; ranks: number[]; hard: boolean; a: number; seed: number }

export function makeLevel({ n, D, ranks, hard, a, seed }: LevelSpec) {
  const r = rng(seed);
  const G = ranks.length, rmax = Math.max(...ranks), pmax = binom(rmax + D, D);
  const gs = 4 + n + n * rmax + 3 * rmax + n * pmax;
  const level = new Float64Array(HEADER + G * gs);
  level.set([G, n, D, rmax, pmax, a, hard ? 1 : 0, gs], 0);
  const centres: number[][] = [];
  let foff = 0;
  for (let g = 0; g < G; g++) {
    const b = HEADER + g * gs, rg = ranks[g], p = binom(rg + D, D);
    const cOff = b + 4, pOff = cOff + n, sOff = pOff + n * rmax, loOff = sOff + rmax, hiOff = loOff + rmax, wOff = hiOff + rmax;
    level[b] = rg;
    level[b + 1] = p;
    level[b + 2] = Math.log(0.2 + r.u());
    level[b + 3] = foff;
    foff += p;
    const c = Array.from({ length: n }, () => 3 * r.n()); // spread: some gates floor to 0
    centres.push(c);
    c.forEach((v, i) => (level[cOff + i] = v));
    // Orthonormal directions by Gram–Schmidt.
    const dirs: number[][] = [];
    for (let j = 0; j < rg; j++) {
      let v = Array.from({ length: n }, () => r.n());
      for (const d of dirs) {
        const dot = v.reduce((s, x, i) => s + x * d[i], 0);
        v = v.map((x, i) => x - dot * d[i]);
      }
      const norm = Math.hypot(...v);
      dirs.push(v.map((x) => x / norm));
    }
    for (let j = 0; j < rmax; j++) {
      for (let i = 0; i < n; i++) level[pOff + i * rmax + j] = j < rg ? dirs[j][i] : 0;
      level[sOff + j] = j < rg ? 0.6 + r.u() : 1;
      level[loOff + j] = j < rg ? -0.4 - r.u() : -1e300; // |u| is often > 1: some rows clip
      level[hiOff + j] = j < rg ? 0.4 + r.u() : 1e300;
    }
    for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) level[wOff + i * pmax + f] = r.n() / (1 + f);
  }
  const work = G + n + 2 * (D + 1) * rmax + 2 * rmax + pmax * (1 + rmax);
  return { level, table: multiIndices(rmax, D), G, n, D, rmax, pmax, features: foff, work, centres };
}
