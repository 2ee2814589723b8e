// leadingEigen against matrices built from a known spectrum: A = V diag(λ) Vᵀ with V a random
// orthogonal matrix (Householder products), so the true pairs are known without any solver.
import { describe, expect, it } from "vitest";
import { leadingEigen, symmetricEigen } from "../src/linalg.ts";
import { rng } from "./helpers/rng.ts";

/** A symmetric n×n matrix with eigenvalues lambda (descending) and eigenvectors the columns of V (n×n). */
function known(n: number, lambda: number[], seed: number) {
  const r = rng(seed), V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let h = 0; h < 3; h++) {
    // V ← (I − 2uuᵀ)V for a random unit u.
    const u = Array.from({ length: n }, () => r.n()), norm = Math.hypot(...u);
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += (u[i] / norm) * V[i * n + j];
      for (let i = 0; i < n; i++) V[i * n + j] -= (2 * d * u[i]) / norm;
    }
  }
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let l = 0; l < n; l++) A[i * n + j] += V[i * n + l] * lambda[l] * V[j * n + l];
  return { A, V };
}

describe("leadingEigen: the k largest eigenpairs", () => {
  for (const n of [20, 120, 300]) {
    it(`n = ${n}: a covariance-like spectrum (a few directions above a bulk near 1), the pairs above 2 to 1e-8 (values) and 1e-8 (1 − |cos|)`, () => {
      const r = rng(n);
      const lambda = Array.from({ length: n }, (_, i) => (i < 4 ? 9 - 2 * i : 1 + 0.3 * r.u()));
      lambda.sort((a, b) => b - a);
      const { A, V } = known(n, lambda, n + 1);
      // Above 2: the four separated pairs, whatever the bulk below does.
      const k = 6, { values, vectors } = leadingEigen(A, n, k, 2);
      expect(values.length).toBe(4);
      for (let j = 0; j < 4; j++) expect(Math.abs(values[j] - lambda[j])).toBeLessThan(1e-8 * lambda[0]);
      // The four separated directions: each vector equals the true one up to sign.
      for (let j = 0; j < 4; j++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += vectors[i * 4 + j] * V[i * n + j];
        expect(1 - Math.abs(dot)).toBeLessThan(1e-8);
      }
    });
  }

  it("below the subspace size it is the whole decomposition, sliced", () => {
    const { A } = known(10, [5, 4, 3, 2, 1, 1, 1, 1, 1, 1], 3);
    const full = symmetricEigen(A, 10), top = leadingEigen(A, 10, 3, 0);
    expect(Array.from(top.values)).toEqual(Array.from(full.values.subarray(0, 3)));
    expect(leadingEigen(A, 10, 3, 4.5).values.length).toBe(1);
  });
});

describe("symmetricEigen: the whole decomposition", () => {
  for (const n of [1, 2, 7, 60, 200]) {
    it(`n = ${n}: a spectrum with repeated and zero values, every value to 1e-12 of the largest, AV = VΛ and VᵀV = I to 1e-12`, () => {
      const r = rng(100 + n);
      // Repeated values (a degenerate eigenspace, where any basis is right) and a zero.
      const lambda = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 2 : i === n - 1 ? 0 : 5 * r.u())).sort((a, b) => b - a);
      const { A } = known(n, lambda, n + 7);
      const { values, vectors } = symmetricEigen(A, n);
      const top = Math.max(1, lambda[0]);
      for (let j = 0; j < n; j++) expect(Math.abs(values[j] - lambda[j])).toBeLessThan(1e-12 * top);
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) {
          let av = 0;
          for (let l = 0; l < n; l++) av += A[i * n + l] * vectors[l * n + j];
          expect(Math.abs(av - values[j] * vectors[i * n + j])).toBeLessThan(1e-12 * top);
        }
        for (let l = 0; l <= j; l++) {
          let dot = 0;
          for (let i = 0; i < n; i++) dot += vectors[i * n + j] * vectors[i * n + l];
          expect(Math.abs(dot - (j === l ? 1 : 0))).toBeLessThan(1e-12);
        }
      }
    });
  }
});
