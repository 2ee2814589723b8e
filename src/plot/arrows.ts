/** A vector field as arrows at grid points, lengths capped at a high percentile of the field's. */
import type { Panel } from "./panel.ts";
import { polylines } from "./svg.ts";

export interface ArrowOptions {
  colour?: string;
  /** The longest arrow, in pixels. */
  length: number;
  /** Lengths are scaled to this quantile of the vectors' norms, and longer ones capped (default 0.9). */
  cap?: number;
}

/** Arrows centred at the points (data units, rows × 2) along the vectors v (rows × 2, data units: y up). */
export function arrows(p: Panel, points: Float64Array, v: Float64Array, o: ArrowOptions): string {
  const m = points.length / 2;
  // Directions on the page: data units through the scales (y flips).
  const sx = p.x(1) - p.x(0), sy = p.y(1) - p.y(0);
  const dx = new Float64Array(m), dy = new Float64Array(m), len = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    dx[k] = v[2 * k] * sx;
    dy[k] = v[2 * k + 1] * sy;
    len[k] = Math.hypot(dx[k], dy[k]);
  }
  const sorted = Float64Array.from(len).sort();
  const ref = sorted[Math.floor((o.cap ?? 0.9) * (m - 1))] || 1;
  const lines: number[][] = [];
  for (let k = 0; k < m; k++) {
    if (!(len[k] > 0)) continue;
    const l = o.length * Math.min(1, len[k] / ref), ux = (dx[k] / len[k]) * l, uy = (dy[k] / len[k]) * l;
    const x0 = p.x(points[2 * k]) - ux / 2, y0 = p.y(points[2 * k + 1]) - uy / 2, x1 = x0 + ux, y1 = y0 + uy;
    const hx = -ux * 0.35, hy = -uy * 0.35;
    // One stroke: the shaft, one barb, back to the tip, the other barb.
    lines.push([x0, y0, x1, y1, x1 + hx - hy * 0.5, y1 + hy + hx * 0.5, x1, y1, x1 + hx + hy * 0.5, y1 + hy - hx * 0.5]);
  }
  return `<path d="${polylines(lines)}" stroke="${o.colour ?? "#222"}" stroke-width="1.1" stroke-linejoin="round" fill="none"/>`;
}
