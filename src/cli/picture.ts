/**
 * The demo's picture (SVG, no dependencies): the training data beside the generated samples
 * (diffmix and the EM baseline), then the fitted regions at a few noise levels — each grid
 * cell tinted by the region whose gate γ_g dominates there (opacity = that gate's weight),
 * the region centres a·c_g, and the learned score ŝ_t as arrows.
 */
import type { ScoreModel } from "../model.ts";
import { normals, streamState } from "../random.ts";

export interface PictureInput {
  title: string;
  data: Float64Array; // rows × 2
  panels: { label: string; points: Float64Array }[]; // generated samples, rows × 2
  model: ScoreModel;
  /** Noise levels for the region panels. */
  times: number[];
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const SIZE = 360, GAP = 24, MARGIN = 30, TITLE = 40, LABEL = 22;
const POINTS = 2500, NOISED = 600, GRID = 36, ARROWS = 17;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const f1 = (v: number) => (Math.round(v * 10) / 10).toString();

/** A box around the data: the 0.5%–99.5% range of each coordinate, padded and squared. */
function box(x: Float64Array): { x0: number; y0: number; span: number } {
  const m = x.length / 2;
  const q = (d: number) => {
    const v = Float64Array.from({ length: m }, (_, i) => x[2 * i + d]).sort();
    return [v[Math.floor(0.005 * (m - 1))], v[Math.ceil(0.995 * (m - 1))]];
  };
  const [ax, bx] = q(0), [ay, by] = q(1);
  const span = Math.max(bx - ax, by - ay) * 1.15 + 1;
  return { x0: (ax + bx) / 2 - span / 2, y0: (ay + by) / 2 - span / 2, span };
}

export function demoPicture(input: PictureInput): string {
  const { model, data } = input;
  const b = box(data);
  const cols = Math.max(input.panels.length + 1, input.times.length);
  const width = 2 * MARGIN + cols * SIZE + (cols - 1) * GAP;
  const height = TITLE + 2 * (LABEL + SIZE) + GAP + MARGIN;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="${MARGIN}" y="26" font-size="17" font-weight="bold">${esc(input.title)}</text>`);

  const panel = (col: number, row: number, label: string, draw: (px: (x: number) => number, py: (y: number) => number) => void) => {
    const left = MARGIN + col * (SIZE + GAP), top = TITLE + row * (LABEL + SIZE + GAP) + LABEL;
    const px = (x: number) => left + ((x - b.x0) / b.span) * SIZE;
    const py = (y: number) => top + SIZE - ((y - b.y0) / b.span) * SIZE;
    out.push(`<text x="${left}" y="${top - 7}">${esc(label)}</text>`);
    out.push(`<svg x="${left}" y="${top}" width="${SIZE}" height="${SIZE}" viewBox="${left} ${top} ${SIZE} ${SIZE}" overflow="hidden">`);
    out.push(`<rect x="${left}" y="${top}" width="${SIZE}" height="${SIZE}" fill="#fafafa"/>`);
    draw(px, py);
    out.push(`</svg>`);
    out.push(`<rect x="${left}" y="${top}" width="${SIZE}" height="${SIZE}" fill="none" stroke="#999"/>`);
  };

  const scatter = (pts: Float64Array, colour: string) => (px: (x: number) => number, py: (y: number) => number) => {
    const m = pts.length / 2, step = Math.max(1, Math.floor(m / POINTS));
    const dots: string[] = [];
    for (let i = 0; i < m; i += step) dots.push(`M${f1(px(pts[2 * i]))} ${f1(py(pts[2 * i + 1]))}h0`);
    out.push(`<path d="${dots.join("")}" stroke="${colour}" stroke-width="2.6" stroke-linecap="round" stroke-opacity="0.55"/>`);
  };

  const shown = (pts: Float64Array) => Math.min(pts.length / 2, POINTS);
  panel(0, 0, `training data (${shown(data)} of ${data.length / 2} rows)`, scatter(data, "#333"));
  input.panels.forEach((p, i) => panel(i + 1, 0, `${p.label} (${shown(p.points)} of ${p.points.length / 2})`, scatter(p.points, i === 0 ? "#1f5fbf" : "#b5651d")));

  // Region panels: gate tint, centres a·c_g, score arrows.
  const cell = b.span / GRID;
  const grid = new Float64Array(GRID * GRID * 2);
  for (let i = 0; i < GRID; i++) for (let j = 0; j < GRID; j++) grid.set([b.x0 + (i + 0.5) * cell, b.y0 + (j + 0.5) * cell], 2 * (i * GRID + j));
  const astep = b.span / ARROWS;
  const apts = new Float64Array(ARROWS * ARROWS * 2);
  for (let i = 0; i < ARROWS; i++) for (let j = 0; j < ARROWS; j++) apts.set([b.x0 + (i + 0.5) * astep, b.y0 + (j + 0.5) * astep], 2 * (i * ARROWS + j));
  const G = model.regions.weights.length;

  input.times.forEach((t, col) => {
    const a = Math.exp(-t);
    panel(col, 1, `regions and score ŝ_t at t = ${t} (a = ${a.toFixed(2)})`, (px, py) => {
      const gamma = model.gates(grid, t);
      const w = px(b.x0 + cell) - px(b.x0) + 0.3;
      for (let k = 0; k < GRID * GRID; k++) {
        let best = 0;
        for (let g = 1; g < G; g++) if (gamma[k * G + g] > gamma[k * G + best]) best = g;
        const op = 0.12 + 0.3 * gamma[k * G + best];
        out.push(`<rect x="${f1(px(grid[2 * k] - cell / 2))}" y="${f1(py(grid[2 * k + 1] + cell / 2))}" width="${f1(w)}" height="${f1(w)}" fill="${PALETTE[best % PALETTE.length]}" fill-opacity="${op.toFixed(2)}"/>`);
      }
      const s = model.score(apts, t);
      const len = Float64Array.from({ length: ARROWS * ARROWS }, (_, k) => Math.hypot(s[2 * k], s[2 * k + 1]));
      const ref = [...len].sort((p, q) => p - q)[Math.floor(0.9 * (len.length - 1))] || 1;
      const unit = (0.45 * SIZE) / ARROWS;
      const arrows: string[] = [];
      for (let k = 0; k < ARROWS * ARROWS; k++) {
        if (!(len[k] > 0)) continue;
        const l = unit * Math.min(1, len[k] / ref);
        const dx = (s[2 * k] / len[k]) * l, dy = -(s[2 * k + 1] / len[k]) * l;
        const x0 = px(apts[2 * k]) - dx / 2, y0 = py(apts[2 * k + 1]) - dy / 2, x1 = x0 + dx, y1 = y0 + dy;
        const hx = -dx * 0.35, hy = -dy * 0.35;
        arrows.push(`M${f1(x0)} ${f1(y0)}L${f1(x1)} ${f1(y1)}l${f1(hx - hy * 0.5)} ${f1(hy + hx * 0.5)}M${f1(x1)} ${f1(y1)}l${f1(hx + hy * 0.5)} ${f1(hy - hx * 0.5)}`);
      }
      // The training data noised to time t in model units, z_t = a·z₀ + σ·ξ, drawn in data units.
      const sigma = Math.sqrt(-Math.expm1(-2 * t)), shown = Math.min(NOISED, data.length / 2);
      const xi = normals(2 * shown, streamState(0, "demo-picture", t));
      const zt = model.toModel(data.subarray(0, 2 * shown)).map((z, i) => a * z + sigma * xi[i]);
      const xt = model.fromModel(zt);
      const dots: string[] = [];
      for (let i = 0; i < shown; i++) dots.push(`M${f1(px(xt[2 * i]))} ${f1(py(xt[2 * i + 1]))}h0`);
      out.push(`<path d="${dots.join("")}" stroke="#000" stroke-width="2" stroke-linecap="round" stroke-opacity="0.35"/>`);
      out.push(`<path d="${arrows.join("")}" stroke="#222" stroke-width="1.1" fill="none"/>`);
      model.regions.centres.forEach((c, g) => {
        const [cx, cy] = model.fromModel([a * c[0], a * c[1]]);
        const x = px(cx), y = py(cy);
        out.push(`<circle cx="${f1(x)}" cy="${f1(y)}" r="5" fill="${PALETTE[g % PALETTE.length]}" stroke="black" stroke-width="1.5"/>`);
      });
    });
  });
  out.push(`<text x="${MARGIN}" y="${height - 10}" fill="#555">tint: the region whose gate dominates (stronger = surer); circles: region centres e^-t·c; grey: data noised to t; arrows: the learned score (length capped at its 90th percentile)</text>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
