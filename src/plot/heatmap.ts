/**
 * A grid of cells, each filled with a colour (and opacity) of its own: runs of equal cells
 * along a row become one rectangle, and all rectangles of one style one path, so a 64 × 64
 * map is a few kilobytes. Cells are row-major from the bottom row up (as src/grid.ts).
 */
import type { Panel } from "./panel.ts";
import type { Box } from "../marginal.ts";
import { px, unit } from "./svg.ts";

/** style(k) for cell k: a fill colour and an opacity, or null to leave the cell empty. */
export function heatmap(p: Panel, box: Box, nx: number, ny: number, style: (k: number) => { fill: string; opacity?: number } | null): string[] {
  const paths = new Map<string, string[]>();
  const cw = (box.x1 - box.x0) / nx, ch = (box.y1 - box.y0) / ny;
  const key = (s: { fill: string; opacity?: number } | null) => (s ? `${s.fill}|${unit(s.opacity ?? 1)}` : "");
  for (let r = 0; r < ny; r++) {
    for (let c = 0; c < nx; ) {
      const k = key(style(r * nx + c));
      let e = c + 1;
      while (e < nx && key(style(r * nx + e)) === k) e++;
      if (k) {
        // 0.3 px of overlap so that no seam shows between neighbouring runs.
        const x0 = p.x(box.x0 + c * cw), x1 = p.x(box.x0 + e * cw) + 0.3;
        const y1 = p.y(box.y0 + r * ch), y0 = p.y(box.y0 + (r + 1) * ch) - 0.3;
        if (!paths.has(k)) paths.set(k, []);
        paths.get(k)!.push(`M${px(x0)} ${px(y0)}H${px(x1)}V${px(y1)}H${px(x0)}z`);
      }
      c = e;
    }
  }
  const out: string[] = [];
  for (const [k, d] of [...paths].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const [fill, op] = k.split("|");
    out.push(`<path d="${d.join("")}" fill="${fill}"${op === "1" ? "" : ` fill-opacity="${op}"`}/>`);
  }
  return out;
}
