/** A panel's frame, ticks at round values with their labels, and the axis names. */
import type { Panel } from "./panel.ts";
import { ticks, tickLabel } from "./scale.ts";
import { px, rect, text } from "./svg.ts";

export interface AxesOptions {
  /** The axis names (e.g. a CSV column), under the x axis and beside the y axis. */
  xLabel?: string;
  yLabel?: string;
  /** Draw the ticks and their labels (default true); off for inner panels of a grid. */
  xTicks?: boolean;
  yTicks?: boolean;
  /** The y axis's side (default left). */
  ySide?: "left" | "right";
  /** Roughly how many ticks per axis. */
  count?: number;
  /** Draw the frame (default true). */
  frame?: boolean;
}

const TICK = 4, FONT = 10;

export function axes(p: Panel, o: AxesOptions = {}): string[] {
  const out = o.frame === false ? [] : [rect(p.left, p.top, p.width, p.height, `fill="none" stroke="#888"`)];
  const count = o.count ?? Math.max(2, Math.round(Math.min(p.width, p.height) / 70));
  const marks: string[] = [];
  if (o.xTicks !== false) {
    const [lo, hi] = p.x.domain, t = ticks(Math.min(lo, hi), Math.max(lo, hi), count), y = p.top + p.height;
    for (const v of t.values) {
      const x = p.x(v);
      marks.push(`M${px(x)} ${px(y)}v${TICK}`);
      out.push(text(x, y + TICK + FONT, tickLabel(v, t.step), { size: FONT, anchor: "middle", fill: "#333" }));
    }
  }
  const right = o.ySide === "right", sign = right ? 1 : -1, x = right ? p.left + p.width : p.left;
  let wide = 0; // the longest y tick label, in characters
  if (o.yTicks !== false) {
    const [lo, hi] = p.y.domain, t = ticks(Math.min(lo, hi), Math.max(lo, hi), count);
    for (const v of t.values) {
      const y = p.y(v), label = tickLabel(v, t.step);
      wide = Math.max(wide, label.length);
      marks.push(`M${px(x)} ${px(y)}h${sign * TICK}`);
      out.push(text(x + sign * (TICK + 2), y + 3.5, label, { size: FONT, anchor: right ? "start" : "end", fill: "#333" }));
    }
  }
  if (marks.length) out.push(`<path d="${marks.join("")}" stroke="#888"/>`);
  if (o.xLabel) out.push(text(p.left + p.width / 2, p.top + p.height + (o.xTicks === false ? 14 : 30), o.xLabel, { size: 11, anchor: "middle" }));
  if (o.yLabel) {
    const lx = x + sign * (o.yTicks === false ? 8 : TICK + 10 + 6 * wide);
    out.push(text(lx, p.top + p.height / 2, o.yLabel, { size: 11, anchor: "middle", rotate: right ? 90 : -90 }));
  }
  return out;
}
