/**
 * Contour lines of values on a grid of cell centres (row-major from the bottom row up), by
 * marching squares, joined into polylines (one path per level).
 */
import type { Panel } from "./panel.ts";
import type { Box } from "../marginal.ts";
import { polylines, unit } from "./svg.ts";

export interface ContourOptions {
  colour: string;
  width?: number;
  opacity?: number;
  dash?: string;
}

/** Polylines (in data units) where the grid's values cross `level`. */
export function contourLines(values: ArrayLike<number>, box: Box, nx: number, ny: number, level: number): [number, number][][] {
  const sx = (box.x1 - box.x0) / nx, sy = (box.y1 - box.y0) / ny;
  const v = (r: number, c: number) => values[r * nx + c];
  // Edge ids: 2·(r·nx + c) for the edge from (r, c) to (r, c + 1), + 1 for (r, c) to (r + 1, c).
  const point = new Map<number, [number, number]>();
  const links = new Map<number, number[]>();
  const at = (id: number): number => {
    if (point.has(id)) return id;
    const k = id >> 1, r = Math.floor(k / nx), c = k % nx, a = v(r, c);
    const b = id & 1 ? v(r + 1, c) : v(r, c + 1), f = (level - a) / (b - a);
    const x = box.x0 + (c + 0.5 + (id & 1 ? 0 : f)) * sx, y = box.y0 + (r + 0.5 + (id & 1 ? f : 0)) * sy;
    point.set(id, [x, y]);
    return id;
  };
  const link = (a: number, b: number) => {
    for (const [p, q] of [[a, b], [b, a]]) {
      if (!links.has(p)) links.set(p, []);
      links.get(p)!.push(q);
    }
  };
  for (let r = 0; r + 1 < ny; r++) {
    for (let c = 0; c + 1 < nx; c++) {
      const a = v(r, c) > level ? 1 : 0, b = v(r, c + 1) > level ? 2 : 0, d = v(r + 1, c + 1) > level ? 4 : 0, e = v(r + 1, c) > level ? 8 : 0;
      const cs = a | b | d | e;
      if (cs === 0 || cs === 15) continue;
      const bottom = 2 * (r * nx + c), top = 2 * ((r + 1) * nx + c), left = 2 * (r * nx + c) + 1, right = 2 * (r * nx + c + 1) + 1;
      const centre = (v(r, c) + v(r, c + 1) + v(r + 1, c + 1) + v(r + 1, c)) / 4 > level;
      switch (cs) {
        case 1: case 14: link(at(bottom), at(left)); break;
        case 2: case 13: link(at(bottom), at(right)); break;
        case 3: case 12: link(at(left), at(right)); break;
        case 4: case 11: link(at(right), at(top)); break;
        case 6: case 9: link(at(bottom), at(top)); break;
        case 7: case 8: link(at(left), at(top)); break;
        case 5: // bottom-left and top-right above
          if (centre) { link(at(bottom), at(right)); link(at(left), at(top)); } else { link(at(bottom), at(left)); link(at(right), at(top)); }
          break;
        case 10: // bottom-right and top-left above
          if (centre) { link(at(bottom), at(left)); link(at(right), at(top)); } else { link(at(bottom), at(right)); link(at(left), at(top)); }
          break;
      }
    }
  }
  const lines: [number, number][][] = [], used = new Set<number>();
  const ids = [...links.keys()].sort((p, q) => p - q);
  const walk = (start: number) => {
    const line = [start];
    used.add(start);
    for (let cur = start; ;) {
      const next = links.get(cur)!.find((q) => !used.has(q));
      if (next === undefined) break;
      used.add(next);
      line.push(next);
      cur = next;
    }
    return line;
  };
  // Open lines first (from an end: a point with one link), then closed loops.
  for (const pass of [1, 2]) {
    for (const id of ids) {
      if (used.has(id) || (pass === 1 && links.get(id)!.length !== 1)) continue;
      const line = walk(id);
      if (pass === 2 && links.get(line[line.length - 1])!.includes(id)) line.push(id); // close the loop
      lines.push(line.map((k) => point.get(k)!));
    }
  }
  return lines;
}

/** The contour lines of the grid at each level, one path per level. */
export function contours(p: Panel, values: ArrayLike<number>, box: Box, nx: number, ny: number, levels: number[], o: ContourOptions): string[] {
  return levels.map((level) => {
    const d = polylines(contourLines(values, box, nx, ny, level).map((line) => line.flatMap(([x, y]) => [p.x(x), p.y(y)])));
    const dash = o.dash ? ` stroke-dasharray="${o.dash}"` : "";
    return `<path d="${d}" fill="none" stroke="${o.colour}" stroke-width="${o.width ?? 1.2}" stroke-opacity="${unit(o.opacity ?? 0.9)}"${dash} stroke-linejoin="round"/>`;
  });
}
