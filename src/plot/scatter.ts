/** Points as one path of zero-length round-capped strokes (small files, fast to render). */
import type { Panel } from "./panel.ts";
import { px, unit } from "./svg.ts";

export interface ScatterOptions {
  colour: string;
  /** Dot diameter in pixels. */
  size?: number;
  opacity?: number;
  /** Draw at most this many rows (every k-th row). */
  max?: number;
}

/** Rows × stride numbers, x in column cx and y in column cy. */
export function scatter(p: Panel, pts: Float64Array, stride: number, cx: number, cy: number, o: ScatterOptions): string {
  const m = pts.length / stride, step = Math.max(1, Math.ceil(m / (o.max ?? m)));
  const d: string[] = [];
  for (let i = 0; i < m; i += step) {
    const x = p.x(pts[i * stride + cx]), y = p.y(pts[i * stride + cy]);
    if (x < p.left - 5 || x > p.left + p.width + 5 || y < p.top - 5 || y > p.top + p.height + 5 || !Number.isFinite(x + y)) continue;
    d.push(`M${px(x)} ${px(y)}h0`);
  }
  return `<path d="${d.join("")}" stroke="${o.colour}" stroke-width="${o.size ?? 2.6}" stroke-linecap="round" stroke-opacity="${unit(o.opacity ?? 0.55)}"/>`;
}

/** How many rows `scatter` draws of m with at most `max`. */
export function shownRows(m: number, max: number): number {
  const step = Math.max(1, Math.ceil(m / max));
  return Math.ceil(m / step);
}
