/**
 * The row-pair (f64x2) feature kernels against the reference twin at the edges of the
 * pairing: odd m, m = 1, 8-row blocks of basis, gates that are zero in one lane of a pair or in
 * both, constant-only groups (r = 0), r = 1..4, D = 0..8, clipped coordinates, feature chunks.
 * Tolerances: basis and residual do per lane exactly the reference's operations, so basis must
 * agree bit for bit (max |difference| = 0) and so must residual with hard gates; soft gates
 * use Math.exp, whose last bit differs between AssemblyScript and V8: 1e-12 relative to the
 * largest entry. designBlock multiplies γ into the 1-D tables first and sums derivative terms
 * per lane: 1e-12 relative.
 */
import { describe, expect, it } from "vitest";
import { createKernels, reference } from "../src/kernels/index.ts";
import { basisSize, multiIndexTable } from "../src/basis.ts";
import { rng } from "./helpers/rng.ts";
import { makeLevel } from "./helpers/levels.ts";

const wasm = createKernels("wasm");


/** max |a − b| (Infinity if NaN-ness differs); -0 and +0 count as different (bitwise check). */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Infinity;
    if (Number.isNaN(b[i])) continue;
    if (a[i] === 0 && b[i] === 0 && Object.is(a[i], -0) !== Object.is(b[i], -0)) return Infinity;
    d = Math.max(d, Math.abs(a[i] - b[i]));
  }
  return d;
}
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 1;
  for (let i = 0; i < b.length; i++) if (Math.abs(b[i]) > s) s = Math.abs(b[i]);
  return maxDiff(a, b) / s;
}


describe("basis: row pairs and 8-row blocks, bitwise", () => {
  const cases: [number, number, number][] = [];
  for (const [r, D] of [[0, 3], [1, 0], [1, 8], [2, 0], [2, 1], [2, 8], [3, 4], [4, 6]]) for (const m of [0, 1, 2, 3, 7, 8, 9, 17, 33]) cases.push([r, D, m]);
  it.each(cases)("r=%i D=%i m=%i", (r, D, m) => {
    const p = basisSize(r, D), table = multiIndexTable(r, D), g = rng(31 * m + 7 * r + D);
    const W = wasm.arena({ u: ["f64", Math.max(1, m * r)], table: ["i32", table.length], phi: ["f64", p * m + 3], dphi: ["f64", p * r * m + 3] });
    const R = { u: new Float64Array(W.u.length), phi: new Float64Array(W.phi.length), dphi: new Float64Array(W.dphi.length) };
    for (let i = 0; i < W.u.length; i++) W.u[i] = 2.5 * g.n();
    R.u.set(W.u);
    W.table.set(table);
    W.phi.fill(7);
    W.dphi.fill(7);
    R.phi.fill(7);
    R.dphi.fill(7);
    wasm.basis(m, r, W.u, D, W.table, p, W.phi, W.dphi);
    reference.basis(m, r, R.u, D, table, p, R.phi, R.dphi);
    expect(maxDiff(W.phi, R.phi)).toBe(0);
    expect(maxDiff(W.dphi, R.dphi)).toBe(0);
    expect(W.phi[p * m]).toBe(7); // nothing written past the columns
    expect(W.dphi[p * r * m]).toBe(7);
  });
});

interface Case { name: string; n: number; D: number; ranks: number[]; hard?: boolean }
const levels: Case[] = [
  { name: "r=0..4, D=3", n: 4, D: 3, ranks: [2, 0, 4, 1, 3] },
  { name: "2-D degree 8", n: 2, D: 8, ranks: [2, 2, 1] },
  { name: "D=0", n: 3, D: 0, ranks: [1, 3, 0] },
  { name: "hard gates", n: 3, D: 4, ranks: [3, 2, 1], hard: true },
  { name: "feature chunks (p=1820 > one chunk)", n: 4, D: 12, ranks: [4] },
  { name: "many groups (the gates one row at a time over groups)", n: 3, D: 2, ranks: Array.from({ length: 41 }, (_, g) => g % 3) },
];

describe.each(levels)("level $name", ({ n, D, ranks, hard }) => {
  const L = makeLevel({ n, D, ranks, hard: hard ?? false, a: 0.7, seed: 5 + n + D });

  /** Gates with every lane pattern of a pair: both on, one off (either lane), both off. */
  function gatesFor(m: number, g: ReturnType<typeof rng>): Float64Array {
    const gamma = new Float64Array(m * L.G);
    for (let t = 0; t < m; t++) {
      for (let k = 0; k < L.G; k++) {
        const pattern = (t >> 1) % 4; // pair-level pattern
        const lane = t & 1;
        const off = pattern === 1 ? lane === 0 : pattern === 2 ? lane === 1 : pattern === 3;
        gamma[t * L.G + k] = off && k % 2 === 0 ? 0 : 0.05 + g.u();
      }
    }
    return gamma;
  }

  it.each([1, 2, 3, 8, 9, 16, 31])("designBlock m=%i (1e-12 relative)", (m) => {
    const g = rng(m + 100 * n + D);
    const active = Array.from({ length: L.G }, (_, k) => L.G - 1 - k);
    const cols = 1 + 2 * n + L.features, ld = m + 1;
    const spec = {
      x0: ["f64", m * n], x: ["f64", m * n], gamma: ["f64", m * L.G], cbar: ["f64", m * n], level: ["f64", L.level.length],
      table: ["i32", L.table.length], active: ["i32", L.G], phi: ["f64", ld * cols], dsum: ["f64", L.features * L.rmax], work: ["f64", L.work],
    } as const;
    const W = wasm.arena(spec), R = reference.arena(spec);
    for (let i = 0; i < m * n; i++) {
      W.x0[i] = g.n();
      W.x[i] = 1.5 * g.n();
      W.cbar[i] = g.n();
    }
    W.gamma.set(gatesFor(m, g));
    W.level.set(L.level);
    W.table.set(L.table);
    W.active.set(active);
    for (let i = 0; i < W.dsum.length; i++) W.dsum[i] = g.n();
    W.phi.fill(NaN);
    for (const k of ["x0", "x", "gamma", "cbar", "level", "table", "active", "dsum", "phi"] as const) (R[k] as Float64Array).set(W[k] as Float64Array);
    wasm.designBlock(m, W.x0, W.x, W.gamma, W.cbar, W.level, W.table, W.active, L.G, W.phi, ld, W.dsum, W.work);
    reference.designBlock(m, R.x0, R.x, R.gamma, R.cbar, R.level, R.table, R.active, L.G, R.phi, ld, R.dsum, R.work);
    expect(relDiff(W.phi, R.phi)).toBeLessThanOrEqual(1e-12);
    expect(relDiff(W.dsum, R.dsum)).toBeLessThanOrEqual(1e-12);
    // Gated-off rows hold +0 exactly, as the reference writes them.
    for (let i = 0; i < W.phi.length; i++) if (R.phi[i] === 0) expect(Object.is(W.phi[i], 0)).toBe(true);
  });

  it.each([[1, 0], [1, 1], [2, 0], [2, 1], [7, 0], [7, 1], [32, 1]])("residual m=%i withDiv=%i (bitwise with hard gates, else 1e-12)", (m, withDiv) => {
    const g = rng(m + 7 * withDiv + D);
    const spec = { x: ["f64", m * n], level: ["f64", L.level.length], table: ["i32", L.table.length], out: ["f64", m * n + 1], div: ["f64", m + 1], work: ["f64", L.work] } as const;
    const W = wasm.arena(spec), R = reference.arena(spec);
    for (let i = 0; i < m * n; i++) W.x[i] = 1.2 * g.n();
    W.level.set(L.level);
    W.table.set(L.table);
    R.x.set(W.x);
    R.level.set(W.level);
    R.table.set(W.table);
    W.out.fill(5);
    W.div.fill(5);
    R.out.fill(5);
    R.div.fill(5);
    wasm.residual(m, W.x, W.level, W.table, W.out, W.div, withDiv, W.work);
    reference.residual(m, R.x, R.level, R.table, R.out, R.div, withDiv, R.work);
    // Soft gates come from Math.exp, which AssemblyScript and V8 round differently in the last
    // bit; with hard gates (no exp) the row-pair residual is bitwise the reference's.
    const tol = hard ? 0 : 1e-12;
    expect(relDiff(W.out, R.out)).toBeLessThanOrEqual(tol);
    expect(relDiff(W.div, R.div)).toBeLessThanOrEqual(tol);
  });
});

describe("levels beyond the static scratch", () => {
  it("designBlock and residual fall back to the reference (30000 groups)", () => {
    const L = makeLevel({ n: 1, D: 2, ranks: Array.from({ length: 30000 }, (_, g) => g % 2), hard: false, a: 0.7, seed: 3 });
    const m = 3, n = 1;
    const W = wasm.arena({ x: ["f64", m], level: ["f64", L.level.length], table: ["i32", L.table.length], out: ["f64", m], div: ["f64", m], work: ["f64", L.work] });
    W.x.set([0.1, -0.3, 0.7]);
    W.level.set(L.level);
    W.table.set(L.table);
    const out = new Float64Array(m), div = new Float64Array(m);
    wasm.residual(m, W.x, W.level, W.table, W.out, W.div, 1, W.work);
    reference.residual(m, W.x.slice(), L.level, L.table, out, div, 1, new Float64Array(L.work));
    expect(maxDiff(W.out, out)).toBe(0);
    expect(maxDiff(W.div, div)).toBe(0);
    void n;
  });
});

describe("choleskySolve in panels, bitwise", () => {
  /** A random SPD matrix (p×p, leading dimension ld) with some exact zeros off the diagonal. */
  function spd(p: number, ld: number, seed: number, zeros: boolean): Float64Array {
    const g = rng(seed), rows = p + 3, X = new Float64Array(rows * p), A = new Float64Array(p * ld).fill(-9);
    for (let i = 0; i < X.length; i++) X[i] = g.n();
    for (let i = 0; i < p; i++) {
      for (let j = i; j < p; j++) {
        let s = 0;
        for (let t = 0; t < rows; t++) s += X[t * p + i] * X[t * p + j];
        A[i * ld + j] = zeros && i !== j && (i * 7 + j) % 5 === 0 ? 0 : s + (i === j ? p : 0);
      }
    }
    return A;
  }
  it.each([[1, 1], [3, 2], [4, 1], [5, 3], [9, 1], [37, 2], [64, 1], [130, 1]])("p=%i q=%i (factor and solution bitwise)", (p, q) => {
    for (const zeros of [false, true]) {
      const ld = p + 1, ldB = q + 1, A = spd(p, ld, p + q, zeros), g = rng(p * q);
      const W = wasm.arena({ a: ["f64", p * ld], b: ["f64", p * ldB] });
      W.a.set(A);
      for (let i = 0; i < W.b.length; i++) W.b[i] = g.n();
      const R = { a: W.a.slice(), b: W.b.slice() };
      expect(wasm.choleskySolve(p, q, W.a, ld, W.b, ldB, 1e-8, 1e-12)).toBe(0);
      expect(reference.choleskySolve(p, q, R.a, ld, R.b, ldB, 1e-8, 1e-12)).toBe(0);
      expect(maxDiff(W.a, R.a)).toBe(0);
      expect(maxDiff(W.b, R.b)).toBe(0);
    }
  });
  it("reports the same failing pivot (in a later panel)", () => {
    const p = 11, A = spd(p, p, 4, false);
    A[6 * p + 6] = -1; // pivot 6 is not positive
    const W = wasm.arena({ a: ["f64", p * p], b: ["f64", p] });
    W.a.set(A);
    expect(wasm.choleskySolve(p, 1, W.a, p, W.b, 1, 0, 0)).toBe(reference.choleskySolve(p, 1, A.slice(), p, new Float64Array(p), 1, 0, 0));
    expect(wasm.choleskySolve(p, 1, W.a.fill(0), p, W.b, 1, 0, 0)).toBe(1);
  });
});
