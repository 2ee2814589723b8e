/** Axis ranges from data: robust (quantile) bounds, padded, per column. */

/** The q-quantiles (q ascending in [0, 1]) of column `col` of rows × stride numbers, skipping non-finite values. */
export function quantiles(x: Float64Array, stride: number, col: number, qs: number[]): number[] {
  const v: number[] = [];
  for (let i = col; i < x.length; i += stride) if (Number.isFinite(x[i])) v.push(x[i]);
  if (v.length === 0) return qs.map(() => 0);
  const s = Float64Array.from(v).sort();
  return qs.map((q) => s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))]);
}

/** [lo, hi] covering the 0.5–99.5 % range of the column, padded by `pad` of its width (never empty). */
export function range(x: Float64Array, stride: number, col: number, pad = 0.08): [number, number] {
  const [a, b] = quantiles(x, stride, col, [0.005, 0.995]);
  const w = b - a > 0 ? b - a : Math.max(1, Math.abs(a));
  return [a - pad * w, b + pad * w];
}

/** Two ranges widened to the same length about their middles (equal aspect for columns in the same units). */
export function square(rx: [number, number], ry: [number, number]): [[number, number], [number, number]] {
  const w = Math.max(rx[1] - rx[0], ry[1] - ry[0]), mx = (rx[0] + rx[1]) / 2, my = (ry[0] + ry[1]) / 2;
  return [[mx - w / 2, mx + w / 2], [my - w / 2, my + w / 2]];
}
