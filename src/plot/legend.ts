/** A legend: a row of entries, each a swatch (dot, line or patch) and a label. */
import { px, text, textWidth } from "./svg.ts";

export interface LegendEntry {
  label: string;
  colour: string;
  kind: "dot" | "line" | "patch" | "dashed";
}

/** Entries left to right from (x, y) (the baseline), wrapping at `width`; returns the elements and the height used. */
export function legend(x: number, y: number, width: number, entries: LegendEntry[]): { elements: string[]; height: number } {
  const out: string[] = [];
  let cx = x, cy = y;
  for (const e of entries) {
    const w = 22 + textWidth(e.label) + 18;
    if (cx > x && cx + w > x + width) {
      cx = x;
      cy += 17;
    }
    const sy = cy - 4;
    if (e.kind === "dot") out.push(`<circle cx="${px(cx + 7)}" cy="${px(sy)}" r="4" fill="${e.colour}" fill-opacity="0.8"/>`);
    else if (e.kind === "patch") out.push(`<rect x="${px(cx)}" y="${px(sy - 5)}" width="14" height="10" fill="${e.colour}" fill-opacity="0.45" stroke="${e.colour}"/>`);
    else out.push(`<path d="M${px(cx)} ${px(sy)}h16" stroke="${e.colour}" stroke-width="2"${e.kind === "dashed" ? ' stroke-dasharray="4 3"' : ""}/>`);
    out.push(text(cx + 22, cy, e.label, { size: 11 }));
    cx += w;
  }
  return { elements: out, height: cy - y + 17 };
}
