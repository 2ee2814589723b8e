/**
 * The pairs picture of n-D rows on k axes (columns or principal directions): on the diagonal
 * the data's histogram and the learned marginal (a kernel density estimate from the model's
 * samples); below it the data and as many samples as scatter plots; above it contours of both
 * (2-D kernel density estimates, at 50 and 90 % of the mass); beside it the log-likelihood
 * panel when data is given.
 */
import { binCount, histogram, kde1d, kde2d, massLevels, type Box } from "../marginal.ts";
import { makePanel, clipped, corner } from "./panel.ts";
import { axes } from "./axes.ts";
import { scatter, shownRows } from "./scatter.ts";
import { contours } from "./contours.ts";
import { bars, curve } from "./lines.ts";
import { legend, type LegendEntry } from "./legend.ts";
import { loglikPanel, type Loglik } from "./loglik.ts";
import { DATA, SAMPLES } from "./colours.ts";
import { range } from "./quantiles.ts";
import { document, text, textWidth, wrap } from "./svg.ts";

export interface PairsInput {
  title: string;
  /** The axes' names (k). */
  names: string[];
  /** The data on the axes (rows × k), or null. */
  data: Float64Array | null;
  dataLabel: string;
  /** The model's samples on the axes (rows × k). */
  samples: Float64Array;
  samplesLabel: string;
  loglik?: Loglik;
  notes?: string[];
}

const LEFT = 78, TOP = 34, GAP = 10, CURVE = 96, KDE = 44;
/** Points drawn over all the scatter panels together, per set. */
const POINT_BUDGET = 12000;

export function pairsFigure(input: PairsInput): string {
  const k = input.names.length;
  const cell = Math.round(Math.min(200, Math.max(120, 760 / k)));
  const { data, samples } = input;
  const ref = data ?? samples;
  const ranges = input.names.map((_, j) => range(ref, k, j));
  const grid = k * cell + (k - 1) * GAP;
  const side = input.loglik ? Math.max(260, Math.min(340, grid * 0.6)) : 0;
  const width = Math.max(LEFT + grid + (side ? 90 + side : 0) + 60, textWidth(input.title, 15) + 40);
  const tall = Math.max(grid, side ? side + 50 : 0); // the grid, or the log-likelihood panel beside a small grid

  const entries: LegendEntry[] = [];
  if (data) entries.push({ label: `${input.dataLabel} (histograms, dots, grey contours)`, colour: DATA, kind: "dot" });
  entries.push({ label: `${input.samplesLabel} (marginals, dots, orange contours)`, colour: SAMPLES, kind: "dot" });
  const leg = legend(LEFT, TOP + 16, width - LEFT - 20, entries);
  const gridTop = TOP + 16 + leg.height + 10;
  const notes = [
    `Diagonal: the learned marginal is estimated from the model's samples (a kernel density estimate${data ? "), beside the data's histogram" : ")"}. Contours enclose 50 and 90 % of each set (2-D kernel density estimates).`,
    ...(input.notes ?? []),
  ].flatMap((s) => wrap(s, width - LEFT));
  const height = gridTop + tall + 52 + 15 * notes.length + 16;

  const m = (x: Float64Array) => x.length / k;
  const perPanel = Math.max(200, Math.floor(POINT_BUDGET / Math.max(1, (k * (k - 1)) / 2)));
  const dataMax = data ? Math.min(perPanel, m(data)) : 0;
  const samplesMax = data ? shownRows(m(data), dataMax) : perPanel; // as many samples as data points drawn: equal ink
  const col = (x: Float64Array, j: number) => Float64Array.from({ length: m(x) }, (_, i) => x[i * k + j]);
  const dataCols = data ? input.names.map((_, j) => col(data, j)) : null;
  const sampleCols = input.names.map((_, j) => col(samples, j));

  const out: string[] = [text(LEFT - 60, TOP - 8, input.title, { size: 15, weight: "bold" }), ...leg.elements];
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < k; c++) {
      const left = LEFT + c * (cell + GAP), top = gridTop + r * (cell + GAP);
      const bottomRow = r === k - 1, leftCol = c === 0;
      if (r === c) {
        out.push(...diagonal(left, top, cell, ranges[c], dataCols?.[c] ?? null, sampleCols[c], input.names[c], bottomRow));
        continue;
      }
      const p = makePanel(left, top, cell, cell, ranges[c], ranges[r]);
      const body: string[] = [];
      if (r > c) {
        body.push(scatter(p, samples.subarray(0, k * Math.min(m(samples), samplesMax)), k, c, r, { colour: SAMPLES, size: 2.2, opacity: 0.45 }));
        if (data) body.push(scatter(p, data, k, c, r, { colour: DATA, size: 2.2, opacity: 0.5, max: dataMax }));
      } else {
        const box: Box = { x0: ranges[c][0], x1: ranges[c][1], y0: ranges[r][0], y1: ranges[r][1] };
        const levels = (d: Float64Array) => massLevels(d, [0.5, 0.9]);
        if (dataCols) {
          const d = kde2d(dataCols[c], dataCols[r], box, KDE, KDE);
          body.push(...contours(p, d, box, KDE, KDE, levels(d), { colour: DATA, width: 1.1, dash: "4 2" }));
        }
        const s = kde2d(sampleCols[c], sampleCols[r], box, KDE, KDE);
        body.push(...contours(p, s, box, KDE, KDE, levels(s), { colour: SAMPLES, width: 1.3 }));
      }
      out.push(...clipped(p, body));
      const yRight = r === 0 && c === k - 1;
      out.push(...axes(p, {
        xTicks: bottomRow, yTicks: leftCol,
        xLabel: bottomRow ? input.names[c] : undefined, yLabel: leftCol ? input.names[r] : undefined,
        count: 4,
      }));
      if (yRight) out.push(...axes(p, { xTicks: false, ySide: "right", yLabel: input.names[r], count: 4, frame: false }));
    }
  }
  if (input.loglik) out.push(...loglikPanel(LEFT + grid + 90, gridTop + 20, side, side, input.loglik));
  notes.forEach((s, i) => out.push(text(LEFT - 60, gridTop + tall + 56 + 15 * i, s, { size: 11, fill: "#444" })));
  return document(width, height, out);
}

/** A diagonal cell: the data's histogram, the samples' density estimate, the axis's name. */
function diagonal(left: number, top: number, cell: number, rx: [number, number], d: Float64Array | null, s: Float64Array, name: string, bottomRow: boolean): string[] {
  const [lo, hi] = rx;
  const h = d ? histogram(d, lo, hi, binCount(d.length)) : null;
  const xs = Float64Array.from({ length: CURVE }, (_, i) => lo + ((i + 0.5) / CURVE) * (hi - lo));
  const ks = kde1d(s, lo, hi, CURVE);
  let ymax = 0;
  for (const v of h ?? []) ymax = Math.max(ymax, v);
  for (const v of ks) ymax = Math.max(ymax, v);
  const p = makePanel(left, top, cell, cell, rx, [0, 1.2 * (ymax || 1)]);
  const body: string[] = [];
  if (h) body.push(bars(p, lo, hi, h, DATA, 0.28));
  body.push(curve(p, xs, ks, SAMPLES, 1.8));
  const out = clipped(p, body, "#f4f4f6");
  out.push(...corner(p, [name]));
  out.push(...axes(p, { xTicks: bottomRow, yTicks: false, xLabel: bottomRow ? name : undefined, count: 4 }));
  return out;
}
