/**
 * Total variation between a 2-D sample and a known density, on a histogram: cells of side
 * `cell` over a box around the sample; the exact mass per cell is integrated by the midpoint
 * rule on sub × sub points; everything outside the box counts as one more cell.
 */

export interface Density2d {
  readonly dim: number;
  logpdf(x: Float64Array): Float64Array;
}

export function histogramTV(samples: Float64Array, truth: Density2d, cell = 0.5, sub = 4): number {
  if (truth.dim !== 2) throw new Error(`histogramTV: needs a 2-D density, got dim ${truth.dim}`);
  const N = samples.length / 2;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < N; i++) {
    x0 = Math.min(x0, samples[2 * i]); x1 = Math.max(x1, samples[2 * i]);
    y0 = Math.min(y0, samples[2 * i + 1]); y1 = Math.max(y1, samples[2 * i + 1]);
  }
  // Snap the box to the cell grid through the origin so that every sample sees the same cells.
  x0 = Math.floor(x0 / cell) * cell - cell; y0 = Math.floor(y0 / cell) * cell - cell;
  const nx = Math.ceil((x1 - x0) / cell) + 1, ny = Math.ceil((y1 - y0) / cell) + 1;
  const counts = new Float64Array(nx * ny);
  for (let i = 0; i < N; i++) {
    const a = Math.floor((samples[2 * i] - x0) / cell), b = Math.floor((samples[2 * i + 1] - y0) / cell);
    counts[a * ny + b]++;
  }
  const pts = new Float64Array(ny * sub * sub * 2);
  let tv = 0, mass = 0;
  for (let a = 0; a < nx; a++) {
    let k = 0;
    for (let b = 0; b < ny; b++) {
      for (let i = 0; i < sub; i++) {
        for (let j = 0; j < sub; j++) {
          pts[k++] = x0 + (a + (i + 0.5) / sub) * cell;
          pts[k++] = y0 + (b + (j + 0.5) / sub) * cell;
        }
      }
    }
    const lp = truth.logpdf(pts);
    for (let b = 0; b < ny; b++) {
      let p = 0;
      for (let s = 0; s < sub * sub; s++) p += Math.exp(lp[b * sub * sub + s]);
      p *= (cell * cell) / (sub * sub);
      mass += p;
      tv += Math.abs(p - counts[a * ny + b] / N);
    }
  }
  return 0.5 * (tv + Math.abs(1 - mass));
}

/**
 * The floor of `histogramTV`: the same measure for a fresh sample of `count` rows from the
 * truth itself (what a perfect sampler scores at this size and cell).
 */
export function histogramTVFloor(truth: Density2d & { sample(count: number, seed: number): Float64Array }, count: number, seed = 0, cell = 0.5, sub = 4): number {
  return histogramTV(truth.sample(count, seed), truth, cell, sub);
}
