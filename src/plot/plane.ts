/**
 * The picture of a 2-D model: the data beside samples (of the model, and of any baseline),
 * the learned density as a heat map with contours, the log-likelihood panel when data is
 * given, then the regions at a few noise levels t — each cell tinted by the region whose gate
 * dominates there (stronger where that gate is surer), the centres where the gates see them
 * (e^{−t}c in data units), the data noised to t, and the learned score field as arrows. Used by
 * `diffmix plot` for 2-D models and by `diffmix demo`.
 */
import type { ScoreModel } from "../model.ts";
import { normals, streamState } from "../random.ts";
import { densityGrid, dominantRegion, gridPoints, type Box } from "../grid.ts";
import { centresAt, noisedData, scoreArrows } from "../noising.ts";
import { massLevels } from "../marginal.ts";
import { makePanel, clipped, title, corner, type Panel } from "./panel.ts";
import { axes } from "./axes.ts";
import { scatter, shownRows } from "./scatter.ts";
import { heatmap } from "./heatmap.ts";
import { contours } from "./contours.ts";
import { arrows } from "./arrows.ts";
import { legend, type LegendEntry } from "./legend.ts";
import { loglikPanel, type Loglik } from "./loglik.ts";
import { DATA, blues, region } from "./colours.ts";
import { range, square } from "./quantiles.ts";
import { document, px, text, wrap } from "./svg.ts";

export interface PlaneInput {
  title: string;
  model: ScoreModel;
  /** The data (rows × 2, data units), or null. */
  data: Float64Array | null;
  /** The data panel's title, e.g. "training data" or the file's name. */
  dataLabel?: string;
  /** Generated samples (rows × 2), each with its colour: the model's, and perhaps a baseline's. */
  samples: { label: string; points: Float64Array; colour: string }[];
  /** Noise levels of the region panels. */
  times: number[];
  /** The learned density panel: log p̂ on a grid by the flow ODE with this many steps; absent: no panel. */
  density?: { steps: number };
  /** The log-likelihood panel (when data is given). */
  loglik?: Loglik;
  /** Lines of notes at the bottom. */
  notes?: string[];
  /** Points per scatter (default 2500). */
  points?: number;
}

const SIZE = 270, GAP_X = 78, GAP_Y = 84, LEFT = 66, TOP = 34, BOTTOM = 20;
const GRID = 40, DENSITY = 64, ARROWS = 15, NOISED = 600;

/** The axes' names: the model's columns or x₁, x₂. */
const namesOf = (model: ScoreModel): [string, string] => (model.columns ? [model.columns[0], model.columns[1]] : ["x1", "x2"]);

export function planeFigure(input: PlaneInput): string {
  const { model } = input;
  const names = namesOf(model);
  const ref = input.data ?? input.samples[0].points;
  let rx = range(ref, 2, 0, 0.1), ry = range(ref, 2, 1, 0.1);
  // Columns in the same units (no per-column shape in the map) keep an equal aspect.
  if (model.map.kind === "none" || model.map.kind === "isotropic") [rx, ry] = square(rx, ry);
  const box: Box = { x0: rx[0], x1: rx[1], y0: ry[0], y1: ry[1] };
  const max = input.points ?? 2500;

  const top: { label: string; draw: (p: Panel) => string[]; ticks?: "loglik" }[] = [];
  const shownOf = (pts: Float64Array) => shownRows(pts.length / 2, max);
  if (input.data) {
    const d = input.data;
    top.push({ label: `${input.dataLabel ?? "data"} (${shownOf(d)} of ${d.length / 2} rows)`, draw: (p) => [scatter(p, d, 2, 0, 1, { colour: DATA, max })] });
  }
  // With data, as many samples as data points are drawn: equal ink, comparable panels.
  const sampleMax = input.data ? shownOf(input.data) : max;
  for (const s of input.samples) {
    const shown = Math.min(s.points.length / 2, sampleMax), first = s.points.subarray(0, 2 * shown); // samples are exchangeable: the first ones
    top.push({ label: `${s.label} (${shown} of ${s.points.length / 2})`, draw: (p) => [scatter(p, first, 2, 0, 1, { colour: s.colour })] });
  }
  if (input.density) {
    const steps = input.density.steps;
    top.push({ label: "learned density p̂ (heat map, contours)", draw: (p) => densityLayer(p, model, box, steps, input.data) });
  }
  const cols = Math.max(top.length + (input.loglik ? 1 : 0), input.times.length);
  const width = LEFT + cols * SIZE + (cols - 1) * GAP_X + 30;

  const entries: LegendEntry[] = [];
  if (input.data) entries.push({ label: input.dataLabel ?? "data", colour: DATA, kind: "dot" });
  for (const s of input.samples) entries.push({ label: s.label, colour: s.colour, kind: "dot" });
  if (input.density) entries.push({ label: "p̂ contours: 50, 80, 95 % of the mass", colour: "#08306b", kind: "line" });
  entries.push({ label: "region centres e^-t·c", colour: "#555", kind: "dot" }, { label: "learned score ŝ_t", colour: "#222", kind: "line" });
  const leg = legend(LEFT, TOP + 16, width - LEFT - 20, entries);
  const row0 = TOP + 16 + leg.height + 18;
  const row1 = row0 + SIZE + GAP_Y;
  const grey = input.data ? input.dataLabel ?? "data" : "samples";
  const notes = [
    `Regions: tint = the region whose gate dominates (stronger = surer); circles = centres where the gates see them; grey = ${grey} noised to t; arrows = the learned score (in model units, drawn in the data's axes; length capped at its 90th percentile).`,
    ...(input.notes ?? []),
  ].flatMap((s) => wrap(s, width - LEFT));
  const height = row1 + SIZE + 48 + 15 * notes.length + BOTTOM;

  const out: string[] = [text(LEFT - 40, TOP - 8, input.title, { size: 15, weight: "bold" }), ...leg.elements];
  const at = (col: number, row: number) => makePanel(LEFT + col * (SIZE + GAP_X), row, SIZE, SIZE, rx, ry);
  top.forEach((t, i) => {
    const p = at(i, row0);
    out.push(...clipped(p, t.draw(p)), title(p, t.label), ...axes(p, { xLabel: names[0], yLabel: names[1] }));
  });
  if (input.loglik) out.push(...loglikPanel(LEFT + top.length * (SIZE + GAP_X), row0, SIZE, SIZE, input.loglik));

  // The region panels: the gates' tint on a grid, the data (or samples) noised to t, the score, the centres.
  const cells = gridPoints(box, GRID, GRID);
  const apts = gridPoints(box, ARROWS, ARROWS);
  const source = input.data ?? input.samples[0].points;
  const shown = Math.min(NOISED, source.length / 2);
  input.times.forEach((t, col) => {
    const p = at(col, row1), a = Math.exp(-t);
    const { region: g, gate } = dominantRegion(model, cells, t);
    const body = heatmap(p, box, GRID, GRID, (k) => ({ fill: region(g[k]), opacity: 0.12 + Math.round(gate[k] * 5) * 0.06 }));
    const xi = normals(2 * shown, streamState(0, "picture-noise", t));
    const xt = noisedData(model, source.subarray(0, 2 * shown), t, xi);
    body.push(scatter(p, xt, 2, 0, 1, { colour: "#000", size: 2, opacity: 0.35 }));
    body.push(arrows(p, apts, scoreArrows(model, apts, t).v, { length: (0.9 * SIZE) / ARROWS }));
    const c = centresAt(model, t);
    for (let k = 0; k < c.length / 2; k++) {
      body.push(`<circle cx="${px(p.x(c[2 * k]))}" cy="${px(p.y(c[2 * k + 1]))}" r="4.5" fill="${region(k)}" stroke="black" stroke-width="1.3"/>`);
    }
    out.push(...clipped(p, body), title(p, `regions and score ŝ_t at t = ${t} (a = ${a.toFixed(2)})`), ...axes(p, { xLabel: names[0], yLabel: names[1] }));
  });
  notes.forEach((s, i) => out.push(text(LEFT - 40, row1 + SIZE + 50 + 15 * i, s, { size: 11, fill: "#444" })));
  return document(width, height, out);
}

/** The learned density on a grid: a heat map of √(p̂ / max p̂) and contours at 50, 80 and 95 % of the grid's mass, the data on top. */
function densityLayer(p: Panel, model: ScoreModel, box: Box, steps: number, data: Float64Array | null): string[] {
  const lp = densityGrid(model, box, DENSITY, DENSITY, { steps });
  let max = -Infinity;
  for (const v of lp) max = Math.max(max, v);
  const dens = lp.map((v) => Math.exp(v - max));
  const out = heatmap(p, box, DENSITY, DENSITY, (k) => {
    const v = Math.round(Math.sqrt(dens[k]) * 16) / 16;
    return v > 0 ? { fill: blues(0.85 * v) } : null;
  });
  out.push(...contours(p, dens, box, DENSITY, DENSITY, massLevels(dens, [0.5, 0.8, 0.95]), { colour: "#08306b", width: 1.1 }));
  if (data) out.push(scatter(p, data, 2, 0, 1, { colour: DATA, size: 1.6, opacity: 0.35, max: 1500 }));
  out.push(...corner(p, [`log p̂ by the flow ODE, ${steps} steps`]));
  return out;
}
