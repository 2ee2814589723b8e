/**
 * A panel: a rectangle of the picture with a scale per axis (data → pixels, y up), whose
 * contents are clipped to it (a nested <svg> with overflow hidden: no ids to keep unique).
 */
import { linear, type Scale } from "./scale.ts";
import { px, rect, text } from "./svg.ts";

export interface Panel {
  left: number;
  top: number;
  width: number;
  height: number;
  x: Scale;
  y: Scale;
}

export function makePanel(left: number, top: number, width: number, height: number, xDomain: [number, number], yDomain: [number, number]): Panel {
  return { left, top, width, height, x: linear(xDomain, [left, left + width]), y: linear(yDomain, [top + height, top]) };
}

/** The elements drawn inside the panel, on a light background, clipped to it. */
export function clipped(p: Panel, body: string[], background = "#fbfbfc"): string[] {
  const box = `x="${px(p.left)}" y="${px(p.top)}" width="${px(p.width)}" height="${px(p.height)}"`;
  return [
    `<svg ${box} viewBox="${px(p.left)} ${px(p.top)} ${px(p.width)} ${px(p.height)}" overflow="hidden">`,
    rect(p.left, p.top, p.width, p.height, `fill="${background}"`),
    ...body,
    `</svg>`,
  ];
}

/** The panel's title, above its top left corner. */
export function title(p: Panel, s: string, size = 12): string {
  return text(p.left, p.top - 6, s, { size });
}

/** A line of small grey text inside the panel's top left corner. */
export function corner(p: Panel, lines: string[]): string[] {
  return lines.map((s, i) => text(p.left + 5, p.top + 13 + 12 * i, s, { size: 10, fill: "#444" }));
}
