/**
 * The Gaussian at the top of the ladder, N(a_T x̄, a_T²(Σ̂ − I) + I): the data's moments pushed
 * to time T. The sampler starts from it and the log-density's flow ends on it.
 */
import { symmetricEigen } from "./linalg.ts";
import type { ModelData } from "./model.ts";

export interface Start {
  /** Standard normals in x (rows × n) mapped, in place, to draws of the start. */
  draw(x: Float64Array, rows: number): void;
  /** log N(x; start) for the first rows of x into out. */
  logDensity(x: Float64Array, rows: number, out: Float64Array): void;
}

export function startOf(model: Pick<ModelData, "dim" | "T" | "moments">): Start {
  const n = model.dim, a = Math.exp(-model.T), mean = model.moments.mean;
  const { values, vectors } = symmetricEigen(model.moments.cov, n);
  const v = Array.from(values, (l) => Math.max(a * a * (l - 1) + 1, 1e-6));
  const sd = v.map(Math.sqrt);
  const logNorm = -0.5 * (n * Math.log(2 * Math.PI) + v.reduce((s, l) => s + Math.log(l), 0));
  const z = new Float64Array(n);
  return {
    draw(x, rows) {
      for (let t = 0; t < rows; t++) {
        for (let j = 0; j < n; j++) z[j] = sd[j] * x[t * n + j];
        for (let i = 0; i < n; i++) {
          let s = a * mean[i];
          for (let j = 0; j < n; j++) s += vectors[i * n + j] * z[j];
          x[t * n + i] = s;
        }
      }
    },
    logDensity(x, rows, out) {
      for (let t = 0; t < rows; t++) {
        for (let i = 0; i < n; i++) z[i] = x[t * n + i] - a * mean[i];
        let q = 0;
        for (let j = 0; j < n; j++) {
          let u = 0;
          for (let i = 0; i < n; i++) u += vectors[i * n + j] * z[i];
          q += (u * u) / v[j];
        }
        out[t] = logNorm - 0.5 * q;
      }
    },
  };
}
