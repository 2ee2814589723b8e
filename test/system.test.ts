// The level system (src/system.ts) against mathematics written here from algorithm.md, not
// against itself: the basis functions ψ_k(x) = γ_g(x) φ_f(u_g(x)) E_g[:, j] (and γ_g E_g[:, j]
// for the constants), their divergence by central differences, the normal equations
// G θ = a E[ψ·x₀] − a² E[∇·ψ] built densely and solved by Gaussian elimination; then the
// kernels' gates, design block and residual against the same formulas; and the sums of any
// partition of the rows merged against the sums of all of them.
import { describe, expect, it } from "vitest";
import { reference, createKernels, wasmAvailable, type Kernels } from "../src/kernels/index.ts";
import { accumulateLevel as accumulate, makePlan, mergeSums as merge, solveLevel as solve, type LevelPlan, type LevelSums } from "../src/system.ts";
import { symmetricEigen } from "../src/linalg.ts";
import { basisSize, multiIndexTable } from "../src/basis.ts";
import { packLevel, shapeOf, type Regions, frameScale } from "../src/level.ts";
import { streamState } from "../src/random.ts";
import { rng } from "./helpers/rng.ts";

const n = 2, D = 2;
const rot = (th: number) => [Math.cos(th), -Math.sin(th), Math.sin(th), Math.cos(th)]; // columns: directions
const full = [rot(0.3), rot(-1.1)];
const BOX = 40; // clip boxes far outside the data: no clipping
const t = 0.35, a = Math.exp(-t), sigma = Math.sqrt(1 - a * a);
const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i], 0);
const col = (E: number[], j: number) => Array.from({ length: n }, (_, i) => E[i * n + j]);

/** Normalised probabilists' Hermite h_k = He_k/√k!, He_{k+1} = u He_k − k He_{k−1}. */
function hermite(k: number, u: number): number {
  let p0 = 1, p1 = u;
  if (k === 0) return 1;
  for (let j = 1; j < k; j++) [p0, p1] = [p1, u * p1 - j * p0];
  let f = 1;
  for (let j = 2; j <= k; j++) f *= j;
  return p1 / Math.sqrt(f);
}

/** The instance: two regions with the given frame ranks, their plan, the unknowns and the formulas. */
function setup(ranks: number[], D = 2, gates: "soft" | "covariance" = "soft") {
  const regions: Regions = {
    dim: n,
    weights: [0.6, 0.4],
    centres: [[-1, 0], [1.5, 0.5]],
    // The library keeps each region's r_g frame directions; the formulas here use the whole rotation.
    frames: [rot(0.3), rot(-1.1)].map((E, g) => Array.from({ length: n * ranks[g] }, (_, k) => E[Math.floor(k / ranks[g]) * n + (k % ranks[g])])),
    spreads: [[3, 1.5], [2.5, 1]].map((v, g) => v.slice(0, ranks[g])),
    ranks,
  };
  const plan: LevelPlan = {
    regions, ladder: null, degree: D, gates, seed: 5, ridge: 1e-3,
    levels: [{ t, lo: regions.ranks.map((r) => new Array(r).fill(-BOX)), hi: regions.ranks.map((r) => new Array(r).fill(BOX)) }],
  };

  /**
   * The posterior of π_g N(a·c_g, I) at x (soft gates), or with covariance gates of
   * π_g N(a·c_g, I + Σ_j (s_j² − 1) e_j e_jᵀ) over the frame's directions e_j, s_j = frameScale (src/level.ts).
   */
  function gatesAt(x: number[]): number[] {
    const l = regions.weights.map((w, g) => {
      const c = regions.centres[g];
      let v = Math.log(w) + a * dot(x, c) - 0.5 * a * a * dot(c, c);
      for (let j = 0; gates === "covariance" && j < regions.ranks[g]; j++) {
        const s = frameScale(regions.spreads[g][j], a), d = dot(col(full[g], j), x.map((xi, i) => xi - a * c[i]));
        v += -Math.log(s) + 0.5 * (1 - 1 / (s * s)) * d * d;
      }
      return v;
    });
    const top = Math.max(...l), e = l.map((v) => Math.exp(v - top)), s = e.reduce((p, v) => p + v, 0);
    return e.map((v) => (v / s < 1e-7 ? 0 : v / s));
  }

  /** The unknowns in the system's order: group, direction, feature (multi-indices from the fit's table). */
  function unknownList() {
    const table = multiIndexTable(Math.max(...regions.ranks), D), rmax = Math.max(...regions.ranks);
    const out: { g: number; j: number; alpha: number[] }[] = [];
    regions.ranks.forEach((r, g) => {
      const p = shapeOf(regions, D).p[g];
      for (let j = 0; j < n; j++) {
        if (j < r) for (let f = 0; f < p; f++) out.push({ g, j, alpha: Array.from(table.subarray(f * rmax, f * rmax + r)) });
        else out.push({ g, j, alpha: [] });
      }
    });
    return out;
  }
  const U = unknownList();

  /** ψ_k(x) ∈ Rⁿ for every unknown k. */
  function psi(x: number[]): number[][] {
    const gam = gatesAt(x);
    return U.map(({ g, j, alpha }) => {
      const E = full[g], c = regions.centres[g];
      let phi = 1;
      alpha.forEach((k, l) => {
        const u = dot(col(E, l), x.map((v, i) => v - a * c[i])) / frameScale(regions.spreads[g][l], a);
        phi *= hermite(k, u);
      });
      return col(E, j).map((e) => gam[g] * phi * e);
    });
  }

  /** ∇·ψ_k by central differences. */
  function divPsi(x: number[]): number[] {
    const h = 1e-5, out = new Array(U.length).fill(0);
    for (let i = 0; i < n; i++) {
      const p = x.slice(), q = x.slice();
      p[i] += h;
      q[i] -= h;
      const up = psi(p), dn = psi(q);
      for (let k = 0; k < U.length; k++) out[k] += (up[k][i] - dn[k][i]) / (2 * h);
    }
    return out;
  }

  function data(m: number, seed: number): Float64Array {
    const r = rng(seed), x = new Float64Array(m * n);
    for (let k = 0; k < m; k++) {
      const g = r.u() < 0.6 ? 0 : 1;
      for (let i = 0; i < n; i++) x[k * n + i] = regions.centres[g][i] + 1.3 * r.n();
    }
    return x;
  }

  /** The rows noised as the fit noises them: row k's normals from (seed, "fit-noise", level 0) and its id. */
  function noised(x0: Float64Array, m: number, firstRow: number): Float64Array {
    const xt = new Float64Array(m * n), ids = Float64Array.from({ length: m }, (_, k) => firstRow + k);
    reference.ouNoiseRows(m, n, x0, a, sigma, streamState(plan.seed, "fit-noise", 0), ids, new Uint32Array(4), xt);
    return xt;
  }
  return { regions, plan, U, psi, divPsi, data, noised, gatesAt, D };
}
const { regions, plan, psi, divPsi, data, noised, gatesAt } = setup([2, 1]);

/** Dense solve of (G + ρ diag G) θ = b by Gaussian elimination with partial pivoting. */
function denseSolve(G: number[][], b: number[], ridge: number): number[] {
  const Q = b.length, A = G.map((row, i) => [...row.map((v, j) => (i === j ? v * (1 + ridge) : v)), b[i]]);
  for (let c = 0; c < Q; c++) {
    let piv = c;
    for (let r = c + 1; r < Q; r++) if (Math.abs(A[r][c]) > Math.abs(A[piv][c])) piv = r;
    [A[c], A[piv]] = [A[piv], A[c]];
    for (let r = 0; r < Q; r++) {
      if (r === c) continue;
      const f = A[r][c] / A[c][c];
      for (let k = c; k <= Q; k++) A[r][k] -= f * A[c][k];
    }
  }
  return A.map((row, i) => row[Q] / row[i]);
}

describe.each([[[2, 1], 2, "soft"], [[0, 0], 2, "soft"], [[1, 0], 1, "soft"], [[2, 1], 2, "covariance"], [[1, 0], 1, "covariance"]] as [number[], number, "soft" | "covariance"][])("the level system against a dense least-squares solve (2 regions, ranks %j, degree %i, %s gates)", (ranks, degree, gates) => {
  // Each of solveLevel's three paths on each instance: the Schur complement of the constants, the
  // whole system, the ambient problem with the frames as constraints (src/system.ts, layoutSize).
  // [2, 1] has a full-frame region (no constraints) beside a rank-1 one; [0, 0] constants only.
  // Covariance gates: ∇·ψ carries the gates' curvature (the qsum term of src/system.ts).
  const { regions, plan, U, psi, divPsi, data, noised, D } = setup(ranks, degree, gates);
  const m = 3000, x0 = data(m, 1);
  const backends: Kernels[] = wasmAvailable() ? [reference, createKernels("wasm")] : [reference];
  let dense: number[][] | undefined;
  /** W_g[i, f] from the dense normal equations G θ = b over the unknowns ψ_k (built once per instance). */
  function denseW(): number[][] {
    if (dense) return dense;
    const xt = noised(x0, m, 0), Q = U.length;
    expect(Q).toBe(ranks.reduce((q, r) => q + n + r * (basisSize(r, D) - 1), 0));
    const G = Array.from({ length: Q }, () => new Array(Q).fill(0)), b = new Array(Q).fill(0);
    for (let r = 0; r < m; r++) {
      const x = Array.from(xt.subarray(r * n, r * n + n)), x0r = Array.from(x0.subarray(r * n, r * n + n));
      const P = psi(x), dv = divPsi(x);
      for (let k1 = 0; k1 < Q; k1++) {
        for (let k2 = 0; k2 < Q; k2++) G[k1][k2] += dot(P[k1], P[k2]) / m;
        b[k1] += (a * dot(P[k1], x0r) - a * a * dv[k1]) / m;
      }
    }
    const theta = denseSolve(G, b, plan.ridge);
    // W_g[i, f] = Σ_j E_g[i, j] θ_(g, j, f) (the constants are feature 0).
    const p = shapeOf(regions, D).p;
    const W = p.map((pg) => new Array(n * pg).fill(0));
    const featureOf = (k: number) => U.slice(0, k).filter((u) => u.g === U[k].g && u.j === U[k].j).length;
    U.forEach(({ g, j }, k) => {
      for (let i = 0; i < n; i++) W[g][i * p[g] + featureOf(k)] += full[g][i * n + j] * theta[k];
    });
    return (dense = W);
  }
  const cases = backends.flatMap((k) => (["schur", "whole", "complement"] as const).map((path) => [k.name, path, k] as const));

  it.each(cases)("%s, %s: solve(accumulate(rows)) gives the coefficients of the dense normal equations", (_, path, kernels) => {
    const W = denseW(), level = solve(kernels, plan, 0, accumulate(kernels, plan, 0, x0, m), undefined, path);
    const flat = (w: number[][]) => w.flat();
    const scale = Math.max(...flat(W).map(Math.abs));
    const worst = Math.max(...flat(level.W).map((v, i) => Math.abs(v - flat(W)[i])));
    // Finite-difference divergences carry ~1e-10 error; the ridge is 1e-3 on both sides.
    expect(worst / scale).toBeLessThan(1e-6);
  });

  it.each(backends.map((k) => [k.name, k] as const))("%s: the three paths agree to their pivot floors (1e-8 relative; the test above is limited by its differences)", (_, kernels) => {
    const sums = accumulate(kernels, plan, 0, x0, m);
    const [schur, whole, complement] = (["schur", "whole", "complement"] as const).map((path) => solve(kernels, plan, 0, sums, undefined, path).W.flat());
    const scale = Math.max(...whole.map(Math.abs));
    // Each path floors its pivots at 1e-9 of its own largest diagonal, a different perturbation on
    // each: measured 1.0e-9 (schur) and 8e-11 (complement) against whole on ranks [2, 1].
    for (const other of [schur, complement]) expect(Math.max(...other.map((v, i) => Math.abs(v - whole[i]))) / scale).toBeLessThan(1e-8);
  });
});

describe("the level system's complement path with constraints in several regions", () => {
  // The instances above have at most one region with a frame complement; here all three regions
  // (ranks 1, 2, 3 in 4-D, degree 2, overlapping gates) have one, so the constraints couple across
  // regions. The whole system (checked against the dense formula above) is the reference.
  const n4 = 4, ranks = [1, 2, 3], r = rng(7), m = 2000;
  const frames = ranks.map((rk) => {
    const a = Array.from({ length: n4 * n4 }, () => r.n()), sym = new Array(n4 * n4).fill(0);
    for (let i = 0; i < n4; i++) for (let j = 0; j < n4; j++) for (let k = 0; k < n4; k++) sym[i * n4 + j] += a[i * n4 + k] * a[j * n4 + k];
    const { vectors } = symmetricEigen(sym, n4); // orthonormal columns
    return Array.from({ length: n4 * rk }, (_, q) => vectors[Math.floor(q / rk) * n4 + (q % rk)]);
  });
  const regions: Regions = { dim: n4, weights: [0.4, 0.35, 0.25], centres: ranks.map(() => Array.from({ length: n4 }, () => r.n())), frames, spreads: ranks.map((rk) => new Array(rk).fill(1.5)), ranks };
  const x = Float64Array.from({ length: m * n4 }, () => 1.3 * r.n());
  const backends: Kernels[] = wasmAvailable() ? [reference, createKernels("wasm")] : [reference];

  it.each(backends.map((k) => [k.name, k] as const))("%s: the same coefficients as the whole system (1e-8 relative)", (_, kernels) => {
    const plan = makePlan(kernels, [regions], null, 2, [t], x, m, { gates: "soft", seed: 5, ridge: 1e-3 });
    const sums = accumulate(kernels, plan, 0, x, m);
    const [whole, complement] = (["whole", "complement"] as const).map((path) => solve(kernels, plan, 0, sums, undefined, path).W.flat());
    const scale = Math.max(...whole.map(Math.abs));
    expect(Math.max(...complement.map((v, i) => Math.abs(v - whole[i]))) / scale).toBeLessThan(1e-8);
  });
});

describe("the level system's sums", () => {
  it("any partition of the rows, merged, gives the sums of all rows (to 1e-12 relative)", () => {
    const m2 = 9000, x = data(m2, 2), k = reference;
    const all = accumulate(k, plan, 0, x, m2, 0);
    const cuts = [0, 1, 257, 4095, 4097, 6000, 8999, m2];
    let parts: LevelSums | undefined;
    // Shards merged in a scrambled order.
    for (const s of [3, 0, 6, 2, 5, 1, 4]) {
      const lo = cuts[s], hi = cuts[s + 1];
      const part = accumulate(k, plan, 0, x.subarray(lo * n, hi * n), hi - lo, lo);
      parts = parts ? merge(parts, part) : part;
    }
    expect(parts!.rows).toBe(m2);
    for (const key of ["S", "Rx", "Rc", "csum", "dsum"] as const) {
      const A = all[key], B = parts![key];
      const scale = Math.max(...A.map(Math.abs));
      expect(Math.max(...A.map((v, i) => Math.abs(v - B[i]))) / scale).toBeLessThan(1e-12);
    }
  });
});

describe("reference kernels against direct formulas", () => {
  const shape = shapeOf(regions, D), table = multiIndexTable(shape.rmax, D);
  const W = shape.p.map((pg, g) => Array.from({ length: n * pg }, (_, i) => Math.sin(1 + i + 10 * g)));
  const level = new Float64Array(8 + shape.G * shape.groupStride);
  packLevel(level, shape, regions, t, "soft", { ...plan.levels[0], W });
  const pts = noised(data(50, 3), 50, 0);
  const work = new Float64Array(1000);

  it("gates: the softmax posterior over the regions' centres and its mean", () => {
    const gamma = new Float64Array(50 * 2), cbar = new Float64Array(50 * n);
    reference.gates(50, pts, level, gamma, cbar);
    for (let r = 0; r < 50; r++) {
      const g = gatesAt(Array.from(pts.subarray(r * n, r * n + n)));
      for (let h = 0; h < 2; h++) expect(gamma[r * 2 + h]).toBeCloseTo(g[h], 14);
      for (let i = 0; i < n; i++) expect(cbar[r * n + i]).toBeCloseTo(g[0] * regions.centres[0][i] + g[1] * regions.centres[1][i], 13);
    }
  });

  it("residual: Σ_g γ_g W_g φ(u_g), and its divergence by differences of that formula", () => {
    const out = new Float64Array(50 * n), div = new Float64Array(50);
    reference.residual(50, pts, level, table, out, div, 1, work);
    const direct = (x: number[]) => {
      const gam = gatesAt(x), r = new Array(n).fill(0);
      regions.ranks.forEach((rank, g) => {
        const E = full[g], c = regions.centres[g], pg = shape.p[g];
        for (let f = 0; f < pg; f++) {
          let phi = 1;
          for (let l = 0; l < rank; l++) {
            const u = dot(col(E, l), x.map((v, i) => v - a * c[i])) / frameScale(regions.spreads[g][l], a);
            phi *= hermite(table[f * shape.rmax + l], u);
          }
          for (let i = 0; i < n; i++) r[i] += gam[g] * W[g][i * pg + f] * phi;
        }
      });
      return r;
    };
    for (let r = 0; r < 50; r++) {
      const x = Array.from(pts.subarray(r * n, r * n + n)), want = direct(x);
      for (let i = 0; i < n; i++) expect(out[r * n + i]).toBeCloseTo(want[i], 12);
      let fd = 0;
      for (let i = 0; i < n; i++) {
        const p = x.slice(), q = x.slice();
        p[i] += 1e-5;
        q[i] -= 1e-5;
        fd += (direct(p)[i] - direct(q)[i]) / 2e-5;
      }
      expect(Math.abs(div[r] - fd)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
    }
  });

  it("designBlock: [1, x0, c̄, γ_g φ_f] per row, and Σ γ_g ∂φ_f/∂u_j / s_j", () => {
    const m = 50, P = shape.features, ld = 64;
    const x0 = data(m, 3), phi = new Float64Array(ld * (1 + 2 * n + P)), dsum = new Float64Array(P * shape.rmax);
    const gamma = new Float64Array(m * 2), cbar = new Float64Array(m * n);
    reference.gates(m, pts, level, gamma, cbar);
    reference.designBlock(m, x0, pts, gamma, cbar, level, table, Int32Array.from([0, 1]), 2, phi, ld, dsum, work);
    const want = new Float64Array(P * shape.rmax);
    for (let r = 0; r < m; r++) {
      const x = Array.from(pts.subarray(r * n, r * n + n)), gam = gatesAt(x);
      expect(phi[r]).toBe(1);
      for (let i = 0; i < n; i++) {
        expect(phi[(1 + i) * ld + r]).toBe(x0[r * n + i]);
        expect(phi[(1 + n + i) * ld + r]).toBeCloseTo(cbar[r * n + i], 15);
      }
      regions.ranks.forEach((rank, g) => {
        const E = full[g], c = regions.centres[g], pg = shape.p[g], off = shape.featureOffset[g];
        const u = Array.from({ length: rank }, (_, l) => dot(col(E, l), x.map((v, i) => v - a * c[i])) / frameScale(regions.spreads[g][l], a));
        for (let f = 0; f < pg; f++) {
          const alpha = Array.from({ length: rank }, (_, l) => table[f * shape.rmax + l]);
          const value = (us: number[]) => alpha.reduce((s, k, l) => s * hermite(k, us[l]), 1);
          expect(phi[(1 + 2 * n + off + f) * ld + r]).toBeCloseTo(gam[g] * value(u), 13);
          for (let j = 0; j < rank; j++) {
            const up = u.slice(), dn = u.slice();
            up[j] += 1e-6;
            dn[j] -= 1e-6;
            want[(off + f) * shape.rmax + j] += (gam[g] * (value(up) - value(dn))) / 2e-6 / frameScale(regions.spreads[g][j], a);
          }
        }
      });
    }
    for (let k = 0; k < want.length; k++) expect(Math.abs(dsum[k] - want[k])).toBeLessThan(1e-6 * Math.max(1, Math.abs(want[k])));
  });
});
