/**
 * Total variation between a 2-D sample and a known density, on a histogram: cells of side
 * `cell` on the grid through the origin; the exact mass per cell is integrated by the midpoint
 * rule on sub × sub points. Only the cells that hold samples are integrated: every other cell
 * adds its mass p to Σ|p − c/N|, and those masses sum to 1 − Σ_occupied p, so
 * TV = ½(Σ_occupied |p − c/N| + |1 − Σ_occupied p|) — at most N cells whatever the samples'
 * spread (a sample at 1e150 is one cell, not 1e300 of them).
 */
export interface Density2d {
  readonly dim: number;
  logpdf(x: Float64Array): Float64Array;
}

export function histogramTV(samples: Float64Array, truth: Density2d, cell = 0.5, sub = 4): number {
  if (truth.dim !== 2) throw new Error(`histogramTV: needs a 2-D density, got dim ${truth.dim}`);
  const N = samples.length / 2;
  const cells = new Map<string, { a: number; b: number; count: number }>();
  for (let i = 0; i < N; i++) {
    const a = Math.floor(samples[2 * i] / cell), b = Math.floor(samples[2 * i + 1] / cell);
    const key = `${a},${b}`, c = cells.get(key);
    if (c) c.count++;
    else cells.set(key, { a, b, count: 1 });
  }
  const list = [...cells.values()], per = sub * sub, BLOCK = 4096;
  const pts = new Float64Array(Math.min(list.length, BLOCK) * per * 2);
  let tv = 0, mass = 0;
  for (let s = 0; s < list.length; s += BLOCK) {
    const block = list.slice(s, s + BLOCK);
    let k = 0;
    for (const { a, b } of block) {
      for (let i = 0; i < sub; i++) {
        for (let j = 0; j < sub; j++) {
          pts[k++] = (a + (i + 0.5) / sub) * cell;
          pts[k++] = (b + (j + 0.5) / sub) * cell;
        }
      }
    }
    const lp = truth.logpdf(pts.subarray(0, k));
    block.forEach(({ count }, q) => {
      let p = 0;
      for (let r = 0; r < per; r++) p += Math.exp(lp[q * per + r]);
      p *= (cell * cell) / per;
      mass += p;
      tv += Math.abs(p - count / N);
    });
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
