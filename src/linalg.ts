/** Small dense linear algebra for n×n problems (n = the data dimension); not hot. */

/**
 * Eigen-decomposition of a symmetric n×n matrix (row-major), eigenvalues descending: Householder
 * reduction to tridiagonal form, then the implicit QL algorithm with Wilkinson-type shifts
 * (EISPACK's tred2/tql2, as JAMA transcribes them): about 9n³ flops, where cyclic Jacobi took ~10
 * sweeps of 4n³ — a 300×300 sample covariance in 0.15 s instead of Jacobi's 1.3 s (issue 14, row 6).
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  const V = Float64Array.from(a), d = new Float64Array(n), e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: V };
  tridiagonalise(V, d, e, n);
  tridiagonalQL(V, d, e, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j] - d[i]);
  const values = new Float64Array(n), vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = d[src];
    for (let k = 0; k < n; k++) vectors[k * n + dst] = V[k * n + src];
  });
  return { values, vectors }; // vectors[k*n + j] = coordinate k of eigenvector j
}

/** tred2: V (the matrix, in place) becomes the orthogonal transformation; d the diagonal, e the subdiagonal (e[i] below d[i]). */
function tridiagonalise(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0, h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1], g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[j * n + i] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k < i; k++) {
          g += V[k * n + j] * d[k];
          e[k] += V[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k < i; k++) V[k * n + j] -= f * e[k] + g * d[k];
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1] * V[k * n + j];
        for (let k = 0; k <= i; k++) V[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j];
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** tql2: the tridiagonal (d, e) diagonalised in place, its rotations applied to V's columns. */
function tridiagonalQL(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0, tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && !(Math.abs(e[m]) <= eps * tst1)) m++;
    // 30 iterations per eigenvalue is EISPACK's bound; it converges in two or three.
    for (let iter = 0; m > l && iter < 30 && !(Math.abs(e[l]) <= eps * tst1); iter++) {
      let g = d[l], p = (d[l + 1] - g) / (2 * e[l]), r = Math.hypot(p, 1);
      if (p < 0) r = -r;
      d[l] = e[l] / (p + r);
      d[l + 1] = e[l] * (p + r);
      const dl1 = d[l + 1];
      let h = g - d[l];
      for (let i = l + 2; i < n; i++) d[i] -= h;
      f += h;
      p = d[m];
      let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
      const el1 = e[l + 1];
      for (let i = m - 1; i >= l; i--) {
        c3 = c2;
        c2 = c;
        s2 = s;
        g = c * e[i];
        h = c * p;
        r = Math.hypot(p, e[i]);
        e[i + 1] = s * r;
        s = e[i] / r;
        c = p / r;
        p = c * d[i] - s * g;
        d[i + 1] = h + s * (c * g + s * d[i]);
        for (let k = 0; k < n; k++) {
          const vk = k * n;
          h = V[vk + i + 1];
          V[vk + i + 1] = s * V[vk + i] + c * h;
          V[vk + i] = c * V[vk + i] - s * h;
        }
      }
      p = (-s * s2 * c3 * el1 * e[l]) / dl1;
      e[l] = s * p;
      d[l] = c * p;
    }
    d[l] += f;
    e[l] = 0;
  }
}

/** Below this order (or when k is not small against n), leadingEigen is symmetricEigen's whole decomposition. */
const SUBSPACE_FROM = 48;

/**
 * The eigenpairs of a symmetric positive semi-definite n×n matrix whose values exceed `above`,
 * at most k of them: values descending, vectors n×(count) row-major (vectors[i*c + j]:
 * coordinate i of pair j). Small or square problems take symmetricEigen; wide ones (a region's
 * covariance in 300-D, k ≤ 16) subspace iteration with Rayleigh–Ritz on k + 4 vectors: O(n²k)
 * per sweep instead of the whole decomposition's O(n³). It stops when the pairs above `above` have settled (their
 * values move by less than tol relative to the largest) and the next Ritz value plus its
 * residual ‖Ay − θy‖ is at most `above` (a matrix eigenvalue lies within the residual of θ):
 * only the pairs above the cut must converge, so a bulk of nearly equal values below it costs
 * nothing. Pairs that do not settle within a whole decomposition's cost get one.
 */
export function leadingEigen(a: ArrayLike<number>, n: number, k: number, above: number, tol = 1e-10): { values: Float64Array; vectors: Float64Array } {
  k = Math.min(k, n);
  if (k === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  const p = Math.min(n, k + 4);
  const cut = (values: Float64Array, vectors: Float64Array, stride: number, rows: number) => {
    let c = 0;
    while (c < k && values[c] > above) c++;
    const V = new Float64Array(rows * c);
    for (let i = 0; i < rows; i++) for (let j = 0; j < c; j++) V[i * c + j] = vectors[i * stride + j];
    return { values: values.slice(0, c), vectors: V };
  };
  if (n < SUBSPACE_FROM || 2 * p > n) {
    const { values, vectors } = symmetricEigen(a, n);
    return cut(values, vectors, n, n);
  }
  // Columns of Q (n×p, row-major) start from a fixed pseudo-random basis (no shared state).
  const Q = new Float64Array(n * p), Z = new Float64Array(n * p), H = new Float64Array(p * p), Y = new Float64Array(n * p);
  let seed = 0x9e3779b9;
  for (let i = 0; i < n * p; i++) {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    Q[i] = seed / 2 ** 32 - 0.5;
  }
  orthonormalise(Q, n, p);
  // At most about what one whole decomposition costs: 5n/p sweeps of 2n²p are 10n³ (symmetricEigen: ~9n³).
  const sweeps = Math.max(50, Math.ceil((5 * n) / p));
  let previous: Float64Array = new Float64Array(p).fill(-Infinity);
  for (let sweep = 0; sweep < sweeps; sweep++) {
    // Z = A·Q, H = QᵀZ and its Ritz pairs (θ, u): Ritz vectors Q·u, with A·(Q·u) = Z·u.
    Z.fill(0);
    for (let i = 0; i < n; i++) {
      for (let l = 0; l < n; l++) {
        const ail = a[i * n + l];
        if (ail === 0) continue;
        for (let j = 0; j < p; j++) Z[i * p + j] += ail * Q[l * p + j];
      }
    }
    H.fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) for (let l = j; l < p; l++) H[j * p + l] += Q[i * p + j] * Z[i * p + l];
    for (let j = 0; j < p; j++) for (let l = 0; l < j; l++) H[j * p + l] = H[l * p + j];
    const { values: theta, vectors: U } = symmetricEigen(H, p);
    let c = 0;
    while (c < k && theta[c] > above) c++;
    const top = Math.max(Math.abs(theta[0]), 1e-300);
    let moved = 0;
    for (let j = 0; j < c; j++) moved = Math.max(moved, Math.abs(theta[j] - previous[j]) / top);
    previous = theta;
    // Y = Q·U (the Ritz vectors); Q ← Z·U (A applied to them) for the next sweep.
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < p; j++) {
        let y = 0, z = 0;
        for (let l = 0; l < p; l++) {
          y += Q[i * p + l] * U[l * p + j];
          z += Z[i * p + l] * U[l * p + j];
        }
        Y[i * p + j] = y;
        Z[i * p + j] = z;
      }
    }
    let settled = moved < tol;
    if (settled && c < k) {
      let r2 = 0;
      for (let i = 0; i < n; i++) r2 += (Z[i * p + c] - theta[c] * Y[i * p + c]) ** 2;
      settled = theta[c] + Math.sqrt(r2) <= above;
    }
    if (settled) return cut(theta, Y, p, n);
    Q.set(Z);
    orthonormalise(Q, n, p);
  }
  // Not settled (pairs packed around the cut): the whole decomposition, slower but exact.
  const { values, vectors } = symmetricEigen(a, n);
  return cut(values, vectors, n, n);
}

/** The p columns of Q (n×p, row-major) made orthonormal in place (modified Gram–Schmidt, twice for stability). */
function orthonormalise(Q: Float64Array, n: number, p: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < p; j++) {
      for (let l = 0; l < j; l++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += Q[i * p + j] * Q[i * p + l];
        for (let i = 0; i < n; i++) Q[i * p + j] -= d * Q[i * p + l];
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += Q[i * p + j] ** 2;
      norm = Math.sqrt(norm);
      for (let i = 0; i < n; i++) Q[i * p + j] = norm > 0 ? Q[i * p + j] / norm : 0;
    }
  }
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
