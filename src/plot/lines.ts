/** One-dimensional shapes: a curve through points, histogram bars, a vertical marker. */
import type { Panel } from "./panel.ts";
import { polylines, px, unit } from "./svg.ts";

/** A polyline through (xs[i], ys[i]) in data units. */
export function curve(p: Panel, xs: ArrayLike<number>, ys: ArrayLike<number>, colour: string, width = 1.6, dash?: string): string {
  const line: number[] = [];
  for (let i = 0; i < xs.length; i++) line.push(p.x(xs[i]), p.y(ys[i]));
  return `<path d="${polylines([line])}" fill="none" stroke="${colour}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ""} stroke-linejoin="round"/>`;
}

/** Bars of heights h over equal bins of [lo, hi], from y = 0. */
export function bars(p: Panel, lo: number, hi: number, h: ArrayLike<number>, fill: string, opacity = 0.35): string {
  const w = (hi - lo) / h.length, y0 = p.y(0), d: string[] = [];
  for (let b = 0; b < h.length; b++) {
    if (!(h[b] > 0)) continue;
    const x0 = p.x(lo + b * w), x1 = p.x(lo + (b + 1) * w), y = p.y(h[b]);
    d.push(`M${px(x0)} ${px(y0)}V${px(y)}H${px(x1)}V${px(y0)}z`);
  }
  return `<path d="${d.join("")}" fill="${fill}" fill-opacity="${unit(opacity)}" stroke="${fill}" stroke-opacity="${unit(Math.min(1, opacity + 0.3))}" stroke-width="0.6"/>`;
}

/** A vertical line at x (data units) over the panel's height. */
export function marker(p: Panel, x: number, colour: string, dash = "4 3"): string {
  return `<path d="M${px(p.x(x))} ${px(p.top)}V${px(p.top + p.height)}" stroke="${colour}" stroke-width="1.2" stroke-dasharray="${dash}"/>`;
}
