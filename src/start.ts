/**
 * The Gaussian at the top of the ladder, N(a_T x̄, a_T²(Σ̂ − I) + I): the data's moments pushed
 * to time T. The sampler starts from it and the log-density's flow ends on it.
 */
import { cholesky } from "./linalg.ts";
import type { ModelData } from "./model-file.ts";

export interface Start {
  /** Standard normals in x (rows × n) mapped, in place, to draws of the start. */
  draw(x: Float64Array, rows: number): void;
  /** log N(x; start) for the first rows of x into out. */
  logDensity(x: Float64Array, rows: number, out: Float64Array): void;
}

/**
 * Through the Cholesky factor L of C = a_T²Σ̂ + (1 − a_T²)I (an O(n³/6) factorisation, where an
 * eigendecomposition cost seconds at n = 300): C's eigenvalues are at least 1 − a_T² > 0 for any
 * covariance Σ̂ the loader accepts, so the floor only guards rounding.
 */
export function startOf(model: Pick<ModelData, "dim" | "T" | "moments">): Start {
  const n = model.dim, a = Math.exp(-model.T), mean = model.moments.mean, cov = model.moments.cov;
  const C = new Float64Array(n * n), L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) C[i * n + j] = a * a * cov[i * n + j] + (i === j ? 1 - a * a : 0);
  const logNorm = -0.5 * (n * Math.log(2 * Math.PI) + cholesky(C, 0, n, L, 1e-6));
  const z = new Float64Array(n);
  return {
    draw(x, rows) {
      for (let t = 0; t < rows; t++) {
        z.set(x.subarray(t * n, (t + 1) * n));
        for (let i = 0; i < n; i++) {
          let s = a * mean[i];
          for (let j = 0; j <= i; j++) s += L[i * n + j] * z[j];
          x[t * n + i] = s;
        }
      }
    },
    logDensity(x, rows, out) {
      for (let t = 0; t < rows; t++) {
        // Forward substitution L u = x − a·x̄; the quadratic form is |u|².
        let q = 0;
        for (let i = 0; i < n; i++) {
          let s = x[t * n + i] - a * mean[i];
          for (let j = 0; j < i; j++) s -= L[i * n + j] * z[j];
          z[i] = s / L[i * n + i];
          q += z[i] * z[i];
        }
        out[t] = logNorm - 0.5 * q;
      }
    },
  };
}
