/**
 * The WASM kernels against their pure-TS twins (src/kernels/reference.ts, the specification)
 * on the same seeded inputs, with sizes that hit every loop remainder; plus checks against
 * mathematics where cheap (normal moments, Hermite orthonormality, derivatives).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createKernels, HEADER, reference, wasmAvailable, type ArenaSpec, type Kernels } from "../src/kernels/index.ts";
import { createWasmKernels } from "../src/kernels/wasm.ts";
import { rng } from "./helpers/rng.ts";
import { binom, makeLevel, multiIndices, type LevelSpec } from "./helpers/levels.ts";

const TOL = 1e-10;
const NOT_IN_ARENA =
  "array passed to a wasm kernel is not a view of its arena (allocate with kernels.arena; views made before a later arena call are invalid)";


/** max |a − b| / max(1, max |b|) over the first len entries. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0, s = 1;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Infinity;
    if (Number.isNaN(b[i])) continue;
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

/** One arena on each backend with the same spec. */
function pair<S extends ArenaSpec>(w: Kernels, spec: S) {
  return { W: w.arena(spec), R: reference.arena(spec) };
}

function copyInto<T extends { [k: string]: Float64Array | Int32Array | Uint32Array }>(to: T, from: T, keys: (keyof T)[]) {
  for (const k of keys) (to[k] as Float64Array).set(from[k] as Float64Array);
}

const seedState = (s: Uint32Array, seed: number) => {
  const r = rng(seed);
  for (let i = 0; i < 4; i++) s[i] = (r.u() * 4294967296) >>> 0 || 1;
};

// ---------- packed levels built by hand (layout: src/kernels/types.ts) ----------


/** Rows near a·c_g for random groups (so that gates overlap), row-major m×n. */
function rowsNear(m: number, L: ReturnType<typeof makeLevel>, a: number, seed: number): Float64Array {
  const r = rng(seed), x = new Float64Array(m * L.n);
  for (let t = 0; t < m; t++) {
    const c = L.centres[r.int(L.G)];
    for (let i = 0; i < L.n; i++) x[t * L.n + i] = a * c[i] + 0.9 * r.n();
  }
  return x;
}

const levelCases: LevelSpec[] = [
  { n: 3, D: 3, ranks: [2, 0, 3, 1], hard: false, a: 0.8, seed: 11 },
  { n: 3, D: 3, ranks: [2, 0, 3, 1], hard: true, a: 0.8, seed: 11 },
  { n: 5, D: 4, ranks: [1, 2, 2], hard: false, a: 0.35, seed: 12 },
  { n: 2, D: 6, ranks: [2, 2, 1, 2, 2, 1, 2], hard: false, a: 1, seed: 13 },
  { n: 4, D: 2, ranks: [4, 3], hard: true, a: 0.5, seed: 14 },
];
const rowCounts = [0, 1, 7, 64, 257];

// ---------------------------------------------------------------------------

describe.runIf(wasmAvailable())("wasm kernels agree with the reference", () => {
  const wasm = createKernels("wasm");

  it("is the wasm backend", () => {
    expect(wasm.name).toBe("wasm");
    expect(createKernels("reference")).toBe(reference);
  });

  it.each([0, 1, 2, 7, 8, 1001])("uniform: bitwise identical stream and state, n=%i", (n) => {
    const { W, R } = pair(wasm, { out: ["f64", n + 1], s: ["u32", 4] });
    seedState(W.s, n + 1);
    R.s.set(W.s);
    for (let rep = 0; rep < 3; rep++) {
      wasm.uniform(n, W.out, W.s);
      reference.uniform(n, R.out, R.s);
      expect(Array.from(W.out)).toEqual(Array.from(R.out));
      expect(Array.from(W.s)).toEqual(Array.from(R.s));
    }
    expect(W.out[n]).toBe(0); // nothing written past n
    for (let i = 0; i < n; i++) expect(W.out[i] >= 0 && W.out[i] < 1).toBe(true);
  });

  it.each([0, 1, 2, 7, 8, 1000, 1001])("normal: bitwise identical normals and state, n=%i", (n) => {
    const { W, R } = pair(wasm, { out: ["f64", n + 1], s: ["u32", 4] });
    seedState(W.s, 100 + n);
    R.s.set(W.s);
    wasm.normal(n, W.out, W.s);
    reference.normal(n, R.out, R.s);
    expect(Array.from(W.out)).toEqual(Array.from(R.out));
    expect(Array.from(W.s)).toEqual(Array.from(R.s));
    expect(W.out[n]).toBe(0);
  });

  it("normal: 1e5 draws have mean 0 and variance 1 within 0.02", () => {
    const n = 100_000;
    const { W } = pair(wasm, { out: ["f64", n], s: ["u32", 4] });
    seedState(W.s, 7);
    wasm.normal(n, W.out, W.s);
    let s = 0, ss = 0;
    for (const v of W.out) { s += v; ss += v * v; }
    const mean = s / n, variance = ss / n - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
  });

  it.each([0, 1, 2, 9, 64, 1001])("ouNoise: len=%i", (len) => {
    const { W, R } = pair(wasm, { x0: ["f64", len], xt: ["f64", len + 1], s: ["u32", 4] });
    const r = rng(len + 3);
    for (let i = 0; i < len; i++) W.x0[i] = 3 * r.n();
    seedState(W.s, len + 5);
    copyInto(R, W, ["x0", "s"]);
    wasm.ouNoise(len, W.x0, 0.6, 0.8, W.s, W.xt);
    reference.ouNoise(len, R.x0, 0.6, 0.8, R.s, R.xt);
    expect(relErr(W.xt, R.xt)).toBeLessThanOrEqual(TOL);
    expect(Array.from(W.s)).toEqual(Array.from(R.s));
    expect(W.xt[len]).toBe(0); // nothing written past len
  });

  it.each([
    [0, 0], [1, 0], [2, 1], [9, 0], [64, 1], [1001, 0], [1000, 1],
  ])("sdeStep: len=%i method=%i", (len, method) => {
    const { W, R } = pair(wasm, { y: ["f64", len + 1], r: ["f64", len + 1], s: ["u32", 4] });
    const g = rng(len + 17);
    for (let i = 0; i <= len; i++) { W.y[i] = 2 * g.n(); W.r[i] = g.n(); } // y[len]: sentinel
    seedState(W.s, len + 9);
    copyInto(R, W, ["y", "r", "s"]);
    for (const h of [0.3, 0.01, 1e-5]) {
      wasm.sdeStep(len, W.y, W.r, h, method, W.s);
      reference.sdeStep(len, R.y, R.r, h, method, R.s);
    }
    expect(relErr(W.y, R.y)).toBeLessThanOrEqual(TOL);
    expect(Array.from(W.s)).toEqual(Array.from(R.s));
    expect(W.y[len]).toBe(R.y[len]); // untouched past len
  });

  describe("basis", () => {
    const cases: [number, number, number][] = [];
    for (const m of [0, 1, 7, 64]) for (const [r, D] of [[1, 0], [1, 5], [2, 1], [2, 6], [3, 4], [4, 3]]) cases.push([m, r, D]);
    it.each(cases)("m=%i r=%i D=%i", (m, r, D) => {
      const p = binom(r + D, D);
      const { W, R } = pair(wasm, { u: ["f64", m * r], table: ["i32", p * r], phi: ["f64", p * m], dphi: ["f64", p * r * m] });
      const g = rng(m * 31 + r * 7 + D);
      for (let i = 0; i < m * r; i++) W.u[i] = 1.5 * g.n();
      W.table.set(multiIndices(r, D).subarray(0, p * r));
      copyInto(R, W, ["u", "table"]);
      wasm.basis(m, r, W.u, D, W.table, p, W.phi, W.dphi);
      reference.basis(m, r, R.u, D, R.table, p, R.phi, R.dphi);
      expect(relErr(W.phi, R.phi)).toBeLessThanOrEqual(TOL);
      expect(relErr(W.dphi, R.dphi)).toBeLessThanOrEqual(TOL);
    });

    it("is orthonormal under N(0, I) (Gauss–Hermite tensor quadrature, |E φφᵀ − I| ≤ 1e-10), r=2 D=6", () => {
      const { x, w } = gaussHermite(20); // exact for degree ≤ 39 per coordinate
      const r = 2, D = 6, p = binom(r + D, D), m = x.length * x.length;
      const K = wasm.arena({ u: ["f64", m * r], table: ["i32", p * r], phi: ["f64", p * m], dphi: ["f64", p * r * m] });
      const weight = new Float64Array(m);
      for (let a = 0; a < x.length; a++) for (let b = 0; b < x.length; b++) {
        const t = a * x.length + b;
        K.u[t * 2] = x[a];
        K.u[t * 2 + 1] = x[b];
        weight[t] = w[a] * w[b];
      }
      K.table.set(multiIndices(r, D));
      wasm.basis(m, r, K.u, D, K.table, p, K.phi, K.dphi);
      let worst = 0;
      for (let f = 0; f < p; f++) for (let h = 0; h < p; h++) {
        let s = 0;
        for (let t = 0; t < m; t++) s += weight[t] * K.phi[f * m + t] * K.phi[h * m + t];
        worst = Math.max(worst, Math.abs(s - (f === h ? 1 : 0)));
      }
      expect(worst).toBeLessThan(1e-10);
    });

    it("dphi equals central differences of phi to 1e-6 (r=3 D=6)", () => {
      const r = 3, D = 6, p = binom(r + D, D), m = 16, eps = 1e-5;
      const K = wasm.arena({
        u: ["f64", m * r], up: ["f64", m * r], um: ["f64", m * r], table: ["i32", p * r],
        phi: ["f64", p * m], dphi: ["f64", p * r * m], phiP: ["f64", p * m], phiM: ["f64", p * m], junk: ["f64", p * r * m],
      });
      const g = rng(5);
      for (let i = 0; i < m * r; i++) K.u[i] = -2 + 4 * g.u();
      K.table.set(multiIndices(r, D));
      wasm.basis(m, r, K.u, D, K.table, p, K.phi, K.dphi);
      let worst = 0;
      for (let j = 0; j < r; j++) {
        K.up.set(K.u);
        K.um.set(K.u);
        for (let t = 0; t < m; t++) { K.up[t * r + j] += eps; K.um[t * r + j] -= eps; }
        wasm.basis(m, r, K.up, D, K.table, p, K.phiP, K.junk);
        wasm.basis(m, r, K.um, D, K.table, p, K.phiM, K.junk);
        for (let f = 0; f < p; f++) for (let t = 0; t < m; t++) {
          const fd = (K.phiP[f * m + t] - K.phiM[f * m + t]) / (2 * eps);
          const d = K.dphi[(f * r + j) * m + t];
          worst = Math.max(worst, Math.abs(fd - d) / Math.max(1, Math.abs(d)));
        }
      }
      expect(worst).toBeLessThan(1e-6);
    });
  });

  describe.each(levelCases)("packed level %#", (spec) => {
    const L = makeLevel(spec);

    it.each(rowCounts)("gates: m=%i", (m) => {
      const { W, R } = pair(wasm, { x: ["f64", m * L.n], level: ["f64", L.level.length], gamma: ["f64", m * L.G], cbar: ["f64", m * L.n] });
      W.x.set(rowsNear(m, L, spec.a, m + 1));
      W.level.set(L.level);
      copyInto(R, W, ["x", "level"]);
      wasm.gates(m, W.x, W.level, W.gamma, W.cbar);
      reference.gates(m, R.x, R.level, R.gamma, R.cbar);
      expect(relErr(W.gamma, R.gamma)).toBeLessThanOrEqual(TOL);
      expect(relErr(W.cbar, R.cbar)).toBeLessThanOrEqual(TOL);
      if (m >= 64) {
        // Both branches of the gate weights occur: floored (or losing hard) gates and active ones.
        expect(W.gamma.some((v) => v === 0)).toBe(true);
        expect(W.gamma.some((v) => v > 0 && (spec.hard ? v === 1 : v < 1))).toBe(true);
      }
    });

    it.each(rowCounts)("designBlock: m=%i", (m) => {
      const active = spec.hard ? [1, 0] : Array.from({ length: L.G }, (_, g) => L.G - 1 - g).filter((g) => g !== 1);
      const cols = 1 + 2 * L.n + active.reduce((s, g) => s + L.level[HEADER + g * L.level[7] + 1], 0);
      const ld = m + 3;
      const { W, R } = pair(wasm, {
        x0: ["f64", m * L.n], x: ["f64", m * L.n], gamma: ["f64", m * L.G], cbar: ["f64", m * L.n],
        level: ["f64", L.level.length], table: ["i32", L.table.length], active: ["i32", active.length],
        phi: ["f64", ld * cols], dsum: ["f64", L.features * L.rmax], work: ["f64", L.work],
      });
      const g = rng(m + 77);
      for (let i = 0; i < m * L.n; i++) W.x0[i] = g.n();
      W.x.set(rowsNear(m, L, spec.a, m + 2));
      W.level.set(L.level);
      W.table.set(L.table);
      W.active.set(active);
      for (let i = 0; i < W.dsum.length; i++) W.dsum[i] = g.n();
      W.phi.fill(NaN);
      reference.gates(m, W.x, W.level, W.gamma, W.cbar); // reference accepts any typed array
      copyInto(R, W, ["x0", "x", "gamma", "cbar", "level", "table", "active", "dsum", "phi"]);
      wasm.designBlock(m, W.x0, W.x, W.gamma, W.cbar, W.level, W.table, W.active, active.length, W.phi, ld, W.dsum, W.work);
      reference.designBlock(m, R.x0, R.x, R.gamma, R.cbar, R.level, R.table, R.active, active.length, R.phi, ld, R.dsum, R.work);
      expect(relErr(W.phi, R.phi)).toBeLessThanOrEqual(TOL);
      expect(relErr(W.dsum, R.dsum)).toBeLessThanOrEqual(TOL);
    });

    it.each(rowCounts.flatMap((m) => [[m, 0], [m, 1]]))("residual: m=%i withDiv=%i", (m, withDiv) => {
      const { W, R } = pair(wasm, {
        x: ["f64", m * L.n], level: ["f64", L.level.length], table: ["i32", L.table.length],
        out: ["f64", m * L.n], div: ["f64", m], work: ["f64", L.work],
      });
      W.x.set(rowsNear(m, L, spec.a, m + 3));
      W.level.set(L.level);
      W.table.set(L.table);
      copyInto(R, W, ["x", "level", "table"]);
      wasm.residual(m, W.x, W.level, W.table, W.out, W.div, withDiv, W.work);
      reference.residual(m, R.x, R.level, R.table, R.out, R.div, withDiv, R.work);
      expect(relErr(W.out, R.out)).toBeLessThanOrEqual(TOL);
      expect(relErr(W.div, R.div)).toBeLessThanOrEqual(TOL);
    });

    it("clips some rows in some group (the test exercises the clip branch)", () => {
      const m = 257, x = rowsNear(m, L, spec.a, 4), work = new Float64Array(L.work);
      const gamma = new Float64Array(m * L.G), cbar = new Float64Array(m * L.n);
      reference.gates(m, x, L.level, gamma, cbar);
      let clipped = 0, kept = 0;
      const rmax = L.rmax, gs = L.level[7], n = L.n;
      for (let t = 0; t < m; t++) for (let g = 0; g < L.G; g++) {
        const b = HEADER + g * gs, rg = L.level[b], pOff = b + 4 + n, sOff = pOff + n * rmax;
        for (let j = 0; j < rg; j++) {
          let v = 0;
          for (let i = 0; i < n; i++) v += L.level[pOff + i * rmax + j] * (x[t * n + i] - spec.a * L.level[b + 4 + i]);
          v /= L.level[sOff + j];
          if (v < L.level[sOff + rmax + j] || v > L.level[sOff + 2 * rmax + j]) clipped++;
          else kept++;
        }
      }
      void work;
      expect(clipped).toBeGreaterThan(0);
      expect(kept).toBeGreaterThan(0);
    });
  });

  describe("curvatureColumns", () => {
    // Row counts with odd remainders for the row-pair lanes; γ from random gates with some exact zeros.
    const cases: [number, number][] = [];
    for (const k of [0, 2, 4]) for (const m of [1, 7, 64, 257]) cases.push([k, m]);
    it.each(cases)("level case %i, m=%i: bitwise the reference, and q̄ = Σ_g γ_g P diag(κ) Pᵀ(x − a·c_g) densely", (k, m) => {
      const L = makeLevel(levelCases[k]), { G, n, rmax, level } = L, a = level[5], ld = m + 5;
      const spec = { x: ["f64", m * n], gamma: ["f64", m * G], level: ["f64", level.length], active: ["i32", G], cols: ["f64", 2 * n * ld + 3], d: ["f64", m] } satisfies ArenaSpec;
      const { W, R } = pair(wasm, spec);
      W.x.set(rowsNear(m, L, a, 40 + m));
      W.level.set(level);
      const r = rng(m + k);
      for (let i = 0; i < m * G; i++) W.gamma[i] = r.u() < 0.2 ? 0 : r.u();
      const active = Array.from({ length: G }, (_, g) => g).filter((g) => g !== 1); // one group left out
      W.active.set(active);
      W.cols.fill(7); // stale values: every written entry must be overwritten
      copyInto(R, W, ["x", "gamma", "level", "active", "cols"]);
      wasm.curvatureColumns(m, W.x, W.gamma, W.level, W.active, active.length, W.cols, ld, W.d);
      reference.curvatureColumns(m, R.x, R.gamma, R.level, R.active, active.length, R.cols, ld, R.d);
      expect(Array.from(W.cols).every((v, i) => Object.is(v, R.cols[i]))).toBe(true);
      let err = 0;
      for (let t = 0; t < m; t++) {
        const q = new Array(n).fill(0);
        for (const g of active) {
          const b = HEADER + g * level[7], c = b + 4, P = c + n, S = P + n * rmax, rg = level[b];
          // M = Σ_j κ_j P_j P_jᵀ, then q += γ M (x − a·c).
          for (let i = 0; i < n; i++) for (let h = 0; h < n; h++) {
            let M = 0;
            for (let j = 0; j < rg; j++) M += (1 - 1 / level[S + j] ** 2) * level[P + i * rmax + j] * level[P + h * rmax + j];
            q[i] += W.gamma[t * G + g] * M * (W.x[t * n + h] - a * level[c + h]);
          }
        }
        for (let i = 0; i < n; i++) {
          expect(W.cols[i * ld + t]).toBe(W.x[t * n + i]);
          err = Math.max(err, Math.abs(W.cols[(n + i) * ld + t] - q[i]) / (1 + Math.abs(q[i])));
        }
      }
      expect(err).toBeLessThan(1e-12);
      expect(W.cols[2 * n * ld - 1]).toBe(7); // the last column's padding past m rows (ld = m + 5) untouched
    });
  });

  describe("gramAccumulate", () => {
    const cases: [number, number][] = [];
    for (const m of [0, 1, 7, 64, 257, 1000]) for (const p of [1, 2, 3, 5, 13, 45]) cases.push([m, p]);
    it.each(cases)("m=%i p=%i", (m, p) => {
      for (const ld of [m, m + 5]) {
        const ldG = p + 3;
        const { W, R } = pair(wasm, { phi: ["f64", Math.max(1, ld * p)], g: ["f64", p * ldG] });
        const r = rng(m * 100 + p);
        for (let i = 0; i < W.phi.length; i++) W.phi[i] = r.n();
        for (let i = 0; i < p; i++) for (let j = 0; j < ldG; j++) W.g[i * ldG + j] = j >= i && j < p ? r.n() : -7; // lower triangle and padding must stay
        copyInto(R, W, ["phi", "g"]);
        wasm.gramAccumulate(m, p, W.phi, ld, W.g, ldG);
        reference.gramAccumulate(m, p, R.phi, ld, R.g, ldG);
        expect(relErr(W.g, R.g)).toBeLessThanOrEqual(TOL);
        for (let i = 0; i < p; i++) for (let j = 0; j < ldG; j++) if (j < i || j >= p) expect(W.g[i * ldG + j]).toBe(-7);
      }
    });

    it("works on subarrays of the arena (offset columns)", () => {
      const m = 33, p = 7, ld = 40;
      const { W, R } = pair(wasm, { phi: ["f64", 3 + ld * p], g: ["f64", 1 + p * p] });
      const r = rng(1);
      for (let i = 0; i < W.phi.length; i++) W.phi[i] = r.n();
      copyInto(R, W, ["phi"]);
      wasm.gramAccumulate(m, p, W.phi.subarray(3), ld, W.g.subarray(1), p);
      reference.gramAccumulate(m, p, R.phi.subarray(3), ld, R.g.subarray(1), p);
      expect(relErr(W.g, R.g)).toBeLessThanOrEqual(TOL);
      expect(W.g[0]).toBe(0);
    });
  });

  describe("choleskySolve", () => {
    it.each([[1, 1], [2, 3], [5, 1], [13, 2], [45, 3]])("solves a random SPD system: p=%i q=%i", (p, q) => {
      const ldA = p + 1, ldB = q + 2, k = p + 4;
      const r = rng(p * 10 + q);
      const B = Array.from({ length: k * p }, () => r.n());
      const A0 = new Float64Array(p * p); // BᵀB + I, full, for the residual check
      for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) {
        let s = i === j ? 1 : 0;
        for (let t = 0; t < k; t++) s += B[t * p + i] * B[t * p + j];
        A0[i * p + j] = s;
      }
      const { W, R } = pair(wasm, { a: ["f64", p * ldA], b: ["f64", p * ldB] });
      W.a.fill(NaN); // lower triangle and padding are never read
      for (let i = 0; i < p; i++) for (let j = i; j < p; j++) W.a[i * ldA + j] = A0[i * p + j];
      W.b.fill(NaN);
      for (let i = 0; i < p; i++) for (let c = 0; c < q; c++) W.b[i * ldB + c] = r.n();
      const rhs = Float64Array.from(W.b);
      copyInto(R, W, ["a", "b"]);
      const rel = 1e-3, abs = 1e-9;
      expect(wasm.choleskySolve(p, q, W.a, ldA, W.b, ldB, rel, abs)).toBe(0);
      expect(reference.choleskySolve(p, q, R.a, ldA, R.b, ldB, rel, abs)).toBe(0);
      expect(relErr(W.b, R.b)).toBeLessThanOrEqual(TOL);
      expect(relErr(W.a, R.a)).toBeLessThanOrEqual(TOL);
      // (A + ridge) X = B directly.
      let worst = 0, scale = 0;
      for (let i = 0; i < p; i++) for (let c = 0; c < q; c++) {
        let s = 0;
        for (let j = 0; j < p; j++) s += (A0[i * p + j] + (i === j ? rel * A0[i * p + i] + abs : 0)) * W.b[j * ldB + c];
        worst = Math.max(worst, Math.abs(s - rhs[i * ldB + c]));
        scale = Math.max(scale, Math.abs(rhs[i * ldB + c]));
      }
      expect(worst / scale).toBeLessThan(1e-10);
      for (let i = 0; i < p; i++) for (let c = q; c < ldB; c++) expect(W.b[i * ldB + c]).toBeNaN();
    });

    it("reports the first non-positive pivot as k+1 like the reference", () => {
      const p = 4;
      const A = [4, 2, 0, 0, /**/ 0, 1, 0, 0, /**/ 0, 0, 2, 0, /**/ 0, 0, 0, 3]; // pivot 1: 1 − 2²/4 = 0
      const { W, R } = pair(wasm, { a: ["f64", 16], b: ["f64", 4] });
      W.a.set(A);
      R.a.set(A);
      expect(wasm.choleskySolve(p, 1, W.a, p, W.b, 1, 0, 0)).toBe(2);
      expect(reference.choleskySolve(p, 1, R.a, p, R.b, 1, 0, 0)).toBe(2);
      W.a.set(A);
      W.a[10] = NaN;
      expect(wasm.choleskySolve(p, 1, W.a, p, W.b, 1, 0, 0)).toBe(2);
    });
  });
});

describe.runIf(wasmAvailable())("wasm binding", () => {
  it("grows memory for a large arena, zeroes reused memory, and still computes", () => {
    const k = createWasmKernels();
    const small = k.arena({ a: ["f64", 1000], s: ["u32", 4] });
    small.a.fill(5);
    const before = small.a.buffer.byteLength;
    const m = 20_000, p = 200; // 32 MB of Φ
    const big = k.arena({ g: ["f64", p * p], phi: ["f64", m * p] });
    expect(big.phi.buffer.byteLength).toBeGreaterThan(before);
    expect(big.g.every((v) => v === 0)).toBe(true); // old contents of the reused range are cleared
    expect(big.g.byteOffset % 16).toBe(0);
    expect(big.phi.byteOffset % 16).toBe(0);
    expect(big.phi.byteOffset - (big.g.byteOffset + big.g.byteLength)).toBeGreaterThanOrEqual(64);
    const r = rng(3);
    for (let i = 0; i < 64 * p; i++) big.phi[i] = r.n();
    const gR = new Float64Array(p * p);
    k.gramAccumulate(64, p, big.phi, 64, big.g, p);
    reference.gramAccumulate(64, p, big.phi, 64, gR, p);
    expect(relErr(big.g, gR)).toBeLessThanOrEqual(TOL);
    // Views from before the growth are detached, and using them is an error.
    expect(() => k.uniform(4, small.a, small.s)).toThrow(NOT_IN_ARENA);
  });

  it("rejects arrays that are not views of its arena", () => {
    const k = createWasmKernels();
    const A = k.arena({ s: ["u32", 4] });
    expect(() => k.uniform(4, new Float64Array(4), A.s)).toThrow(NOT_IN_ARENA);
    const other = createWasmKernels().arena({ out: ["f64", 4] });
    expect(() => k.uniform(4, other.out, A.s)).toThrow(NOT_IN_ARENA);
  });

  it("reuses its memory for arenas that fit: no growth over many arenas of the same size", () => {
    const k = createWasmKernels();
    k.arena({ phi: ["f64", 50_000], s: ["u32", 4] });
    const size = (k.arena({ s: ["u32", 4] }).s.buffer as ArrayBuffer).byteLength;
    for (let i = 0; i < 200; i++) {
      const A = k.arena({ phi: ["f64", 40_000 + i], s: ["u32", 4] });
      expect(A.phi.buffer.byteLength).toBe(size);
      expect(A.phi[39_999]).toBe(0); // and hands it out zeroed
      A.phi.fill(i + 1);
    }
  });

  it("gives each instance its own memory", () => {
    const k1 = createWasmKernels(), k2 = createWasmKernels();
    const a1 = k1.arena({ out: ["f64", 8], s: ["u32", 4] });
    const a2 = k2.arena({ out: ["f64", 8], s: ["u32", 4] });
    a1.s.set([1, 2, 3, 4]);
    a2.s.set([1, 2, 3, 4]);
    k1.uniform(8, a1.out, a1.s);
    expect(a2.out.every((v) => v === 0)).toBe(true);
    k2.uniform(8, a2.out, a2.s);
    expect(Array.from(a2.out)).toEqual(Array.from(a1.out));
  });
});

describe("backend choice", () => {
  afterEach(() => void vi.unstubAllGlobals());

  it("says what to do without WebAssembly", () => {
    vi.stubGlobal("WebAssembly", undefined);
    expect(wasmAvailable()).toBe(false);
    expect(() => createKernels("wasm")).toThrow('WebAssembly is unavailable: use backend "reference"');
    expect(createKernels("reference").name).toBe("reference");
  });
});

/** Gauss–Hermite nodes and weights for N(0, 1): roots of He_n by bracketing and bisection. */
function gaussHermite(n: number): { x: number[]; w: number[] } {
  const h = (x: number, k: number) => { // normalised h_k(x) and h_{k-1}(x)
    let a = 1, b = x;
    if (k === 0) return [1, 0];
    for (let j = 2; j <= k; j++) [a, b] = [b, (x * b - Math.sqrt(j - 1) * a) / Math.sqrt(j)];
    return [b, a];
  };
  const x: number[] = [], w: number[] = [];
  const L = Math.sqrt(4 * n + 2) + 1, step = 1e-3;
  let prev = h(-L, n)[0];
  for (let t = -L + step; t <= L; t += step) {
    const cur = h(t, n)[0];
    if (prev * cur < 0) {
      let lo = t - step, hi = t;
      for (let it = 0; it < 200 && hi - lo > 1e-15; it++) {
        const mid = (lo + hi) / 2;
        if (h(lo, n)[0] * h(mid, n)[0] <= 0) hi = mid; else lo = mid;
      }
      const r = (lo + hi) / 2, hm1 = h(r, n)[1];
      x.push(r);
      w.push(1 / (n * hm1 * hm1));
    }
    prev = cur;
  }
  expect(x.length).toBe(n);
  return { x, w };
}
