/** Small dense linear algebra for n×n problems (n = the data dimension); not hot. */

/** Eigen-decomposition of a symmetric n×n matrix (row-major) by cyclic Jacobi, eigenvalues descending. */
export function symmetricEigen(a: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += m[i * n + j] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p], mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k], mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j] - m[i * n + i]);
  const values = new Float64Array(n), vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = m[src * n + src];
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors }; // vectors[k*n + j] = coordinate k of eigenvector j
}

/** Mean and covariance (divisor m) of m rows of dimension n. */
export function moments(x: Float64Array, m: number, n: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(n), cov = new Float64Array(n * n);
  for (let t = 0; t < m; t++) for (let i = 0; i < n; i++) mean[i] += x[t * n + i];
  for (let i = 0; i < n; i++) mean[i] /= m;
  for (let t = 0; t < m; t++) {
    for (let i = 0; i < n; i++) {
      const di = x[t * n + i] - mean[i];
      for (let j = i; j < n; j++) cov[i * n + j] += di * (x[t * n + j] - mean[j]);
    }
  }
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) cov[j * n + i] = cov[i * n + j] /= m;
  return { mean, cov };
}

/**
 * Lower Cholesky factor of the n×n symmetric block of A at `off` into L (same offset, upper
 * part zeroed); pivots below `floor` are clamped to it (degenerate input beyond a ridge gives a
 * factor rather than a failure). Returns log det.
 */
export function cholesky(A: ArrayLike<number>, off: number, n: number, L: Float64Array, floor: number): number {
  let logdet = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[off + i * n + j];
      for (let q = 0; q < j; q++) s -= L[off + i * n + q] * L[off + j * n + q];
      if (i === j) {
        const v = Math.sqrt(Math.max(s, floor));
        L[off + i * n + i] = v;
        logdet += 2 * Math.log(v);
      } else L[off + i * n + j] = s / L[off + j * n + j];
    }
    for (let j = i + 1; j < n; j++) L[off + i * n + j] = 0;
  }
  return logdet;
}

/** Solve A X = B in place of B (A n×n symmetric positive definite, B n×q row-major) by Cholesky. */
export function choleskySolve(A: ArrayLike<number>, B: Float64Array, n: number, q: number, floor = 1e-300): void {
  const L = new Float64Array(n * n);
  cholesky(A, 0, n, L, floor);
  for (let c = 0; c < q; c++) {
    for (let i = 0; i < n; i++) {
      let v = B[i * q + c];
      for (let l = 0; l < i; l++) v -= L[i * n + l] * B[l * q + c];
      B[i * q + c] = v / L[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let v = B[i * q + c];
      for (let l = i + 1; l < n; l++) v -= L[l * n + i] * B[l * q + c];
      B[i * q + c] = v / L[i * n + i];
    }
  }
}
