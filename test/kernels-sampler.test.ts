/**
 * The sampler's kernels where WASM and the reference must agree bit for bit: the gates and the
 * regions' EM sums over them (their exp is expNonPositive on both sides), the normals inside ouNoise and sdeStep, and the
 * accuracy of expNonPositive itself against Math.exp.
 */
import { describe, expect, it } from "vitest";
import { createKernels, HEADER, reference, wasmAvailable, type Kernels } from "../src/kernels/index.ts";
import { expNonPositive } from "../src/kernels/reference.ts";
import { rng } from "./helpers/rng.ts";


const seedState = (s: Uint32Array, seed: number) => {
  const r = rng(seed);
  for (let i = 0; i < 4; i++) s[i] = (r.u() * 4294967296) >>> 0 || 1;
};

describe("expNonPositive", () => {
  it("is exp to 2.5e-16 relative against Math.exp on the gates' range [-16.2, 0], exact at 0", () => {
    const r = rng(1);
    let worst = 0;
    for (let k = 0; k <= 400_000; k++) {
      // a uniform grid, random points, and the neighbourhoods of the reduction's switch points (k + ½)·ln 2
      const d = k <= 200_000 ? -16.2 * (k / 200_000) : k % 2 ? -16.2 * r.u() : -(Math.floor(r.u() * 23) + 0.5) * Math.LN2 * (1 + 1e-12 * (r.u() - 0.5));
      worst = Math.max(worst, Math.abs(expNonPositive(d) - Math.exp(d)) / Math.exp(d));
    }
    expect(worst).toBeLessThan(2.5e-16);
    expect(expNonPositive(0)).toBe(1);
  });

  it("stays accurate down to -708", () => {
    let worst = 0;
    for (let d = -708; d <= 0; d += 0.0137) worst = Math.max(worst, Math.abs(expNonPositive(d) - Math.exp(d)) / Math.exp(d));
    expect(worst).toBeLessThan(3e-16);
  });
});

/** A packed level with only what the gates read (header, bias, centre) and padding in each group block. */
function gateLevel(G: number, n: number, a: number, hard: boolean, spread: number, seed: number): Float64Array {
  const r = rng(seed), gs = 4 + n + 3;
  const level = new Float64Array(HEADER + G * gs);
  level.set([G, n, 0, 0, 1, a, hard ? 1 : 0, gs]);
  for (let g = 0; g < G; g++) {
    const b = HEADER + g * gs;
    let c2 = 0;
    for (let i = 0; i < n; i++) {
      const c = spread * r.n();
      level[b + 4 + i] = c;
      c2 += c * c;
    }
    level[b + 2] = Math.log(0.1 + r.u()) - (a * a * c2) / 2;
    for (let k = 0; k < 3; k++) level[b + 4 + n + k] = NaN; // gates must not read the rest of the block
  }
  return level;
}

describe.runIf(wasmAvailable())("sampler kernels: wasm and reference bit for bit", () => {
  const wasm: Kernels = createKernels("wasm");

  // G from 24 on takes the many-groups path (assembly/gates.ts WIDE_MIN): one row at a time,
  // logits four groups at a time (G mod 4 = 0…3 pads), the listed gates two and four at a time.
  const gateCases: [number, number, number, boolean, number][] = [];
  for (const [G, n] of [[1, 2], [2, 1], [5, 2], [30, 2], [7, 5], [23, 2], [24, 1], [25, 3], [26, 2], [27, 10], [101, 2], [300, 10]]) {
    for (const [a, hard] of [[1, false], [0.3, false], [1, true]] as const) gateCases.push([G, n, a, hard, G > 30 ? 6 : 3]);
  }
  it.each(gateCases)("gates: G=%i n=%i a=%f hard=%s, m = 0…5, 256, 1001", (G, n, a, hard, spread) => {
    const level = gateLevel(G, n, a, hard, spread, G * 10 + n);
    for (const m of [0, 1, 2, 3, 4, 5, 256, 1001]) {
      const W = wasm.arena({ x: ["f64", m * n], level: ["f64", level.length], gamma: ["f64", m * G + 1], cbar: ["f64", m * n + 1] });
      const R = { gamma: new Float64Array(m * G + 1), cbar: new Float64Array(m * n + 1) };
      const r = rng(m + G);
      for (let i = 0; i < m * n; i++) W.x[i] = a * spread * 1.2 * r.n();
      W.level.set(level);
      W.gamma[m * G] = R.gamma[m * G] = 7;
      W.cbar[m * n] = R.cbar[m * n] = 7;
      wasm.gates(m, W.x, W.level, W.gamma, W.cbar);
      reference.gates(m, W.x, W.level, R.gamma, R.cbar);
      expect(Array.from(W.gamma)).toEqual(Array.from(R.gamma)); // includes the sentinel past m·G
      expect(Array.from(W.cbar)).toEqual(Array.from(R.cbar));
      // Both branches of the weights occur: blended gates, and floored (or losing hard) ones.
      if (m >= 256 && G > 1 && !hard) expect(W.gamma.some((v) => v > 0 && v < 1)).toBe(true);
      if (m >= 256 && G >= 5 && a === 1) expect(W.gamma.some((v) => v === 0)).toBe(true);
    }
  });

  it.each([[1, 2], [5, 2], [24, 3], [30, 10], [101, 2]])("gates: infinite and NaN logits give the reference's numbers (G=%i n=%i)", (G, n) => {
    const level = gateLevel(G, n, 1, false, 3, G + n), m = 5;
    const W = wasm.arena({ x: ["f64", m * n], level: ["f64", level.length], gamma: ["f64", m * G], cbar: ["f64", m * n], out: ["f64", G * (1 + n)], norm: ["f64", 2 * m] });
    const R = { gamma: new Float64Array(m * G), cbar: new Float64Array(m * n), out: new Float64Array(G * (1 + n)), norm: new Float64Array(2 * m) };
    const r = rng(G * n);
    for (let i = 0; i < m * n; i++) W.x[i] = 3 * r.n();
    W.x[n] = NaN; // row 1
    for (const bias of [-Infinity, Infinity]) {
      W.level.set(level);
      for (let g = 0; g < G; g += 2) W.level[HEADER + g * level[7] + 2] = bias;
      wasm.gates(m, W.x, W.level, W.gamma, W.cbar);
      reference.gates(m, W.x, W.level, R.gamma, R.cbar);
      expect(Array.from(W.gamma)).toEqual(Array.from(R.gamma));
      expect(Array.from(W.cbar)).toEqual(Array.from(R.cbar));
      W.out.fill(0);
      R.out.fill(0);
      wasm.gateMoments(m, W.x, W.level, W.out, W.norm);
      reference.gateMoments(m, W.x, W.level, R.out, R.norm);
      expect(Array.from(W.out)).toEqual(Array.from(R.out));
      expect(Array.from(W.norm)).toEqual(Array.from(R.norm));
    }
  });

  const momentCases: [number, number, boolean][] = [];
  for (const [G, n] of [[1, 1], [2, 3], [5, 2], [23, 2], [24, 2], [25, 1], [30, 10], [101, 3], [300, 2]]) for (const hard of [false, true]) momentCases.push([G, n, hard]);
  it.each(momentCases)("gateMoments: G=%i n=%i hard=%s, m = 0…3, 256, 1001: the sums of the gates' γ in row order and each row's normaliser, bitwise on both backends", (G, n, hard) => {
    const level = gateLevel(G, n, 1, hard, G > 30 ? 6 : 3, 7 * G + n);
    for (const m of [0, 1, 2, 3, 256, 1001]) {
      const W = wasm.arena({ x: ["f64", m * n], level: ["f64", level.length], out: ["f64", G * (1 + n) + 1], norm: ["f64", 2 * m + 1] });
      const r = rng(m + 3 * G + n);
      for (let i = 0; i < m * n; i++) W.x[i] = 1.2 * (G > 30 ? 6 : 3) * r.n();
      W.level.set(level);
      W.out.fill(0.5); // it adds to what is there
      const R = W.out.slice();
      W.norm.fill(-7);
      const RN = W.norm.slice();
      wasm.gateMoments(m, W.x, W.level, W.out, W.norm);
      reference.gateMoments(m, W.x, level, R, RN);
      expect(Array.from(W.out)).toEqual(Array.from(R));
      expect(Array.from(W.norm)).toEqual(Array.from(RN));
      expect(W.out[G * (1 + n)]).toBe(0.5); // nothing written past the sums
      expect(W.norm[2 * m]).toBe(-7); // nor past the rows' normalisers
      // Σ_g exp(l_g − best): the best gate's 1 plus the others' shares, at most G; 1 under hard gates.
      for (let t = 0; t < m; t++) expect(hard ? W.norm[2 * t + 1] === 1 : W.norm[2 * t + 1] >= 1 && W.norm[2 * t + 1] <= G).toBe(true);
      // By definition: gates, then each row's nonzero γ added in row order.
      const gamma = new Float64Array(m * G), cbar = new Float64Array(m * n), want = new Float64Array(G * (1 + n)).fill(0.5);
      reference.gates(m, W.x, level, gamma, cbar);
      for (let t = 0; t < m; t++) {
        for (let g = 0; g < G; g++) {
          const w = gamma[t * G + g];
          if (w === 0) continue;
          want[g] += w;
          for (let i = 0; i < n; i++) want[G + g * n + i] += w * W.x[t * n + i];
        }
      }
      expect(Array.from(W.out.subarray(0, G * (1 + n)))).toEqual(Array.from(want));
    }
  });

  const lens = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 255, 256, 257, 258, 259, 260, 1001];

  it.each(lens)("normal, uniform: identical streams across block boundaries, n=%i", (n) => {
    const W = wasm.arena({ z: ["f64", n + 1], s: ["u32", 4] }), R = { z: new Float64Array(n + 1), s: new Uint32Array(4) };
    seedState(W.s, 40 + n);
    R.s.set(W.s);
    for (let rep = 0; rep < 2; rep++) {
      wasm.normal(n, W.z, W.s);
      reference.normal(n, R.z, R.s);
      expect(Array.from(W.z)).toEqual(Array.from(R.z));
      wasm.uniform(n, W.z, W.s);
      reference.uniform(n, R.z, R.s);
      expect(Array.from(W.z)).toEqual(Array.from(R.z));
      expect(Array.from(W.s)).toEqual(Array.from(R.s));
    }
    expect(W.z[n]).toBe(0);
  });

  it.each(lens)("ouNoise and sdeStep (Euler–Maruyama: every operation exact IEEE), len=%i", (len) => {
    const W = wasm.arena({ x0: ["f64", len + 1], y: ["f64", len + 1], r: ["f64", len + 1], s: ["u32", 4] });
    const g = rng(len + 1);
    for (let i = 0; i <= len; i++) { W.x0[i] = 2 * g.n(); W.r[i] = g.n(); }
    W.y[len] = 5; // sentinel
    seedState(W.s, len + 2);
    const R = { x0: W.x0.slice(), y: W.y.slice(), r: W.r.slice(), s: W.s.slice() };
    wasm.ouNoise(len, W.x0, 0.6, 0.8, W.s, W.y);
    reference.ouNoise(len, R.x0, 0.6, 0.8, R.s, R.y);
    expect(Array.from(W.y)).toEqual(Array.from(R.y));
    for (const h of [0.3, 0.01, 1e-5]) {
      wasm.sdeStep(len, W.y, W.r, h, 1, W.s);
      reference.sdeStep(len, R.y, R.r, h, 1, R.s);
    }
    expect(Array.from(W.y)).toEqual(Array.from(R.y));
    expect(Array.from(W.s)).toEqual(Array.from(R.s));
    expect(W.y[len]).toBe(5);
  });

  it("sdeStep with the exponential integrator: same normals, step coefficients from Math.exp/sinh/expm1 (1e-15)", () => {
    const len = 1001;
    const W = wasm.arena({ y: ["f64", len], r: ["f64", len], s: ["u32", 4] });
    const g = rng(3);
    for (let i = 0; i < len; i++) { W.y[i] = 2 * g.n(); W.r[i] = g.n(); }
    seedState(W.s, 5);
    const R = { y: W.y.slice(), r: W.r.slice(), s: W.s.slice() };
    wasm.sdeStep(len, W.y, W.r, 0.05, 0, W.s);
    reference.sdeStep(len, R.y, R.r, 0.05, 0, R.s);
    for (let i = 0; i < len; i++) expect(Math.abs(W.y[i] - R.y[i])).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(R.y[i])));
    expect(Array.from(W.s)).toEqual(Array.from(R.s));
  });
});

describe("ouNoiseRows: each row's noise from (key, id) alone", () => {
  const backends: Kernels[] = wasmAvailable() ? [reference, createKernels("wasm")] : [reference];
  const noise = (k: Kernels, n: number, ids: number[], key: number[]) => {
    const m = ids.length;
    const A = k.arena({ x0: ["f64", m * n], ids: ["f64", m], key: ["u32", 4], state: ["u32", 4], xt: ["f64", m * n + 1] });
    for (let i = 0; i < m * n; i++) A.x0[i] = 1 + (ids[Math.floor(i / n)] % 7); // x0 follows the row
    A.ids.set(ids);
    A.key.set(key);
    A.xt[m * n] = 9; // a sentinel past the rows
    k.ouNoiseRows(m, n, A.x0, 0.8, 0.6, A.key, A.ids, A.state, A.xt);
    expect(A.xt[m * n]).toBe(9);
    return Array.from(A.xt.subarray(0, m * n));
  };
  const ids = [0, 1, 2, 4095, 4096, 123456789, 2 ** 32 + 5, 2 ** 52 + 1];
  const key = [0x9e3779b9, 17, 0, 0xffffffff];

  it.each([1, 2, 3, 5, 8])("n = %i: the same numbers on every backend, and a row's noise does not depend on the others", (n) => {
    const all = noise(reference, n, ids, key);
    for (const k of backends) {
      expect(noise(k, n, ids, key)).toEqual(all);
      // The rows one at a time, in another order: the same noise per id.
      ids.forEach((id, t) => expect(noise(k, n, [id], key)).toEqual(all.slice(t * n, (t + 1) * n)));
    }
    // xt = 0.8·x0 + 0.6·ξ with ξ standard normal: the recovered ξ are not all alike.
    const xi = all.map((v, i) => (v - 0.8 * (1 + (ids[Math.floor(i / n)] % 7))) / 0.6);
    expect(new Set(xi.map((v) => v.toFixed(12))).size).toBe(xi.length);
  });

  it("normals of distinct ids and keys are independent standard normals (moments, lag correlation)", () => {
    const m = 40000, n = 3, rows = Array.from({ length: m }, (_, t) => t);
    const xi = (k: number[]) => noise(reference, n, rows, k).map((v, i) => (v - 0.8 * (1 + (Math.floor(i / n) % 7))) / 0.6);
    const z = xi(key);
    const mean = z.reduce((s, v) => s + v, 0) / z.length;
    const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / z.length;
    let lag = 0; // rows t and t + 1, same coordinate
    for (let t = 0; t + 1 < m; t++) lag += z[t * n] * z[(t + 1) * n];
    // Standard errors: mean 1/√120000 ≈ 0.003, variance √(2/120000) ≈ 0.004, lag 1/√40000 = 0.005; 5 SE bounds.
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    expect(Math.abs(lag / (m - 1))).toBeLessThan(0.025);
    const other = xi([key[0] ^ 1, ...key.slice(1)]);
    let cross = 0;
    for (let i = 0; i < z.length; i++) cross += z[i] * other[i];
    expect(Math.abs(cross / z.length)).toBeLessThan(0.015); // a key differing in one bit: uncorrelated
  });
});
