/**
 * Densities of samples on a regular grid: histograms, and Gaussian kernel density estimates
 * in one and two dimensions. The pictures use them for the marginals of the learned density
 * (estimated from the model's samples: the exact marginal of a score model along a direction
 * has no closed form) and of the data. The estimates are binned (linear binning onto a grid
 * with the output's step, then a discrete Gaussian convolution), so their cost is the rows
 * plus the grid, whatever the bandwidth; and they are deterministic.
 */

/** Silverman's rule: 0.9·min(sd, IQR/1.34)·m^(−1/5) (sd where the IQR is 0; 1 for constant values). */
export function bandwidth(v: ArrayLike<number>): number {
  const m = v.length;
  if (m < 2) return 1;
  let mean = 0;
  for (let i = 0; i < m; i++) mean += v[i];
  mean /= m;
  let ss = 0;
  for (let i = 0; i < m; i++) ss += (v[i] - mean) ** 2;
  const sd = Math.sqrt(ss / (m - 1));
  const s = Float64Array.from(v).sort();
  const q = (p: number) => {
    const h = p * (m - 1), lo = Math.floor(h);
    return s[lo] + (h - lo) * ((s[Math.min(m - 1, lo + 1)] ?? s[lo]) - s[lo]);
  };
  const iqr = (q(0.75) - q(0.25)) / 1.34;
  const spread = iqr > 0 ? Math.min(sd, iqr) : sd;
  return spread > 0 ? 0.9 * spread * Math.pow(m, -0.2) : 1;
}

/** A histogram's bins for m values: Rice's rule, 2·m^(1/3), within [10, 40]. */
export function binCount(m: number): number {
  return Math.max(10, Math.min(40, Math.round(2 * Math.cbrt(m))));
}

/** Counts in `bins` equal bins over [lo, hi) as a density: count / (rows · width); values outside are left out (but counted in rows). */
export function histogram(v: ArrayLike<number>, lo: number, hi: number, bins: number): Float64Array {
  const out = new Float64Array(bins), w = (hi - lo) / bins;
  for (let i = 0; i < v.length; i++) {
    const b = Math.floor((v[i] - lo) / w);
    if (b >= 0 && b < bins) out[b]++;
  }
  for (let b = 0; b < bins; b++) out[b] /= v.length * w;
  return out;
}

/** A discrete Gaussian kernel of standard deviation h (in grid steps), normalised to sum 1: offsets −r…r. */
function kernel(h: number): Float64Array {
  const r = Math.max(1, Math.ceil(4 * h)), k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = Math.exp(-0.5 * (i / Math.max(h, 1e-9)) ** 2);
  for (let i = 0; i < k.length; i++) k[i] /= s;
  return k;
}

/** Linear binning of v onto nodes lo + (i + 0.5)·step, i in [−pad, bins + pad). */
function bin1(v: ArrayLike<number>, lo: number, step: number, size: number, pad: number): Float64Array {
  const g = new Float64Array(size);
  for (let i = 0; i < v.length; i++) {
    const u = (v[i] - lo) / step - 0.5 + pad, f = Math.floor(u), w = u - f;
    if (f >= 0 && f < size) g[f] += 1 - w;
    if (f + 1 >= 0 && f + 1 < size) g[f + 1] += w;
  }
  return g;
}

/** Each of `rows` consecutive runs of `len` values of g convolved with k (zero outside) into out. */
function convolveRows(g: Float64Array, k: Float64Array, rows: number, len: number, out: Float64Array): void {
  const r = (k.length - 1) / 2;
  for (let row = 0; row < rows; row++) {
    const base = row * len;
    for (let i = 0; i < len; i++) {
      let s = 0;
      for (let j = Math.max(0, i - r); j <= Math.min(len - 1, i + r); j++) s += g[base + j] * k[j - i + r];
      out[base + i] = s;
    }
  }
}

/**
 * The Gaussian kernel density estimate of v (bandwidth h, default Silverman's) at the centres
 * of `bins` equal bins over [lo, hi]: a density in v's units (it integrates to the share of v
 * within reach of the range).
 */
export function kde1d(v: ArrayLike<number>, lo: number, hi: number, bins: number, h = bandwidth(v)): Float64Array {
  const step = (hi - lo) / bins, hs = h / step;
  const k = kernel(hs), pad = (k.length - 1) / 2, size = bins + 2 * pad;
  const g = bin1(v, lo, step, size, pad), sm = new Float64Array(size);
  convolveRows(g, k, 1, size, sm);
  const out = new Float64Array(bins);
  for (let i = 0; i < bins; i++) out[i] = sm[i + pad] / (v.length * step);
  return out;
}

export interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * The 2-D Gaussian kernel density estimate of the points (xs[i], ys[i]) (a diagonal bandwidth:
 * Silverman's rule per axis unless given) at the centres of an nx × ny grid over the box:
 * row-major from the bottom row (y0) up, a density in the points' units.
 */
export function kde2d(xs: ArrayLike<number>, ys: ArrayLike<number>, box: Box, nx: number, ny: number, h?: [number, number]): Float64Array {
  const [hx, hy] = h ?? [bandwidth(xs), bandwidth(ys)];
  const sx = (box.x1 - box.x0) / nx, sy = (box.y1 - box.y0) / ny;
  const kx = kernel(hx / sx), ky = kernel(hy / sy), px = (kx.length - 1) / 2, py = (ky.length - 1) / 2;
  const wx = nx + 2 * px, wy = ny + 2 * py, m = xs.length;
  const g = new Float64Array(wx * wy);
  for (let i = 0; i < m; i++) {
    const u = (xs[i] - box.x0) / sx - 0.5 + px, v = (ys[i] - box.y0) / sy - 0.5 + py;
    const fu = Math.floor(u), fv = Math.floor(v), au = u - fu, av = v - fv;
    for (const [c, wc] of [[fu, 1 - au], [fu + 1, au]]) {
      if (c < 0 || c >= wx) continue;
      for (const [r, wr] of [[fv, 1 - av], [fv + 1, av]]) if (r >= 0 && r < wy) g[r * wx + c] += wc * wr;
    }
  }
  const a = new Float64Array(wx * wy), b = new Float64Array(wx * wy);
  convolveRows(g, kx, wy, wx, a); // along x, then along y
  for (let c = 0; c < wx; c++) {
    for (let r = 0; r < wy; r++) {
      let s = 0;
      for (let j = Math.max(0, r - py); j <= Math.min(wy - 1, r + py); j++) s += a[j * wx + c] * ky[j - r + py];
      b[r * wx + c] = s;
    }
  }
  const out = new Float64Array(nx * ny), cell = sx * sy * Math.max(1, m);
  for (let r = 0; r < ny; r++) for (let c = 0; c < nx; c++) out[r * nx + c] = b[(r + py) * wx + c + px] / cell;
  return out;
}

/**
 * Levels of a density on a grid that enclose the given shares of its mass (highest-density
 * regions): for each share q, the value v such that the cells above v hold q of the grid's mass.
 * Contours at these levels read "50 % of the probability lies inside".
 */
export function massLevels(density: ArrayLike<number>, shares: number[]): number[] {
  const s = Float64Array.from(density).sort().reverse();
  let total = 0;
  for (const v of s) total += v;
  return shares.map((q) => {
    let acc = 0;
    for (const v of s) {
      acc += v;
      if (acc >= q * total) return v;
    }
    return s[s.length - 1];
  });
}
