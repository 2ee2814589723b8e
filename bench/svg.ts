/**
 * A small SVG plotting module for the experiments: line/marker plots on linear or log axes
 * (ticks, grid, axis labels, title, legend), grouped bar charts, and scatter panels.
 * Output is a standalone SVG string; no dependencies.
 */

export const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf", "#bcbd22"];

export interface Series {
  label: string;
  points: [number, number][];
  color?: string;
  /** Draw a line through the points (default true). */
  line?: boolean;
  /** Draw a marker at each point (default true). */
  markers?: boolean;
  dashed?: boolean;
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  xLog?: boolean;
  yLog?: boolean;
  width?: number;
  height?: number;
  /** Fixed axis ranges (data units); default: the data's range, padded. */
  xRange?: [number, number];
  yRange?: [number, number];
  /** Ticks on the x axis instead of the automatic ones (data units). */
  xTicks?: number[];
  /** A note under the title (e.g. the setting). */
  subtitle?: string;
  /** Legend position inside the plot area. */
  legend?: "top-right" | "top-left" | "bottom-right" | "bottom-left" | "outside";
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const f = (v: number) => (Math.round(v * 100) / 100).toString();

/** "Nice" linear ticks (steps 1, 2, 5 × 10^k) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((s) => s * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function tickLabel(v: number, log: boolean): string {
  if (log) {
    const e = Math.round(Math.log10(v));
    if (Math.abs(Math.log10(v) - e) < 1e-9) return e >= -2 && e <= 3 ? String(Number((10 ** e).toPrecision(1))) : `1e${e}`;
  }
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) {
    const e = Math.floor(Math.log10(a));
    return `${Number((v / 10 ** e).toPrecision(2))}e${e}`;
  }
  return String(Number(v.toPrecision(6)));
}

interface Axis {
  lo: number;
  hi: number;
  log: boolean;
  map: (v: number) => number;
  ticks: number[];
  minor: number[];
}

function axis(values: number[], log: boolean, px0: number, px1: number, fixed?: [number, number]): Axis {
  let vals = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (vals.length === 0) vals = log ? [1, 10] : [0, 1];
  let lo = fixed?.[0] ?? Math.min(...vals), hi = fixed?.[1] ?? Math.max(...vals);
  if (log) {
    let a = Math.log10(lo), b = Math.log10(hi);
    if (!fixed) {
      if (b - a < 1) {
        const c = (a + b) / 2;
        a = c - 0.5;
        b = c + 0.5;
      }
      a = Math.floor(a * 4) / 4 - 0.05;
      b = Math.ceil(b * 4) / 4 + 0.05;
    }
    const ticks: number[] = [], minor: number[] = [];
    for (let e = Math.floor(a); e <= Math.ceil(b); e++) {
      if (e >= a - 1e-9 && e <= b + 1e-9) ticks.push(10 ** e);
      for (let k = 2; k <= 9; k++) {
        const v = k * 10 ** e, l = Math.log10(v);
        if (l >= a && l <= b) minor.push(v);
      }
    }
    // few decades: label the 2× and 5× minor ticks too
    if (ticks.length < 2) for (const v of minor) if ([2, 5].includes(Math.round(v / 10 ** Math.floor(Math.log10(v) + 1e-9)))) ticks.push(v);
    ticks.sort((p, q) => p - q);
    const map = (v: number) => px0 + ((Math.log10(v) - a) / (b - a)) * (px1 - px0);
    return { lo: 10 ** a, hi: 10 ** b, log, map, ticks, minor };
  }
  if (!fixed) {
    if (hi === lo) {
      lo -= 1;
      hi += 1;
    }
    const pad = 0.05 * (hi - lo);
    lo -= pad;
    hi += pad;
  }
  const map = (v: number) => px0 + ((v - lo) / (hi - lo)) * (px1 - px0);
  return { lo, hi, log, map, ticks: niceTicks(lo, hi), minor: [] };
}

const FONT = `font-family="DejaVu Sans, Helvetica, Arial, sans-serif"`;

function frame(width: number, height: number, title: string, subtitle?: string): string[] {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" font-size="15" font-weight="bold" text-anchor="middle">${esc(title)}</text>`,
  ];
  if (subtitle) out.push(`<text x="${width / 2}" y="40" font-size="11" fill="#444" text-anchor="middle">${esc(subtitle)}</text>`);
  return out;
}

const legendWidth = (items: { label: string }[]) => Math.max(...items.map((s) => s.label.length)) * 6.6 + 40;

function legendBox(items: { label: string; color: string; dashed?: boolean; kind: "line" | "box" }[], x0: number, y0: number, x1: number, y1: number, where: PlotOptions["legend"]): string[] {
  if (items.length === 0) return [];
  const w = legendWidth(items), h = items.length * 17 + 8;
  const right = (where ?? "top-right").endsWith("right"), top = (where ?? "top-right").startsWith("top") || where === "outside";
  const lx = where === "outside" ? x1 + 12 : right ? x1 - w - 8 : x0 + 8, ly = top ? y0 + 8 : y1 - h - 8;
  const out = [`<rect x="${f(lx)}" y="${f(ly)}" width="${f(w)}" height="${h}" fill="white" fill-opacity="0.9" stroke="#999"/>`];
  items.forEach((s, i) => {
    const y = ly + 14 + i * 17;
    if (s.kind === "box") out.push(`<rect x="${f(lx + 8)}" y="${f(y - 8)}" width="18" height="10" fill="${s.color}"/>`);
    else {
      out.push(`<line x1="${f(lx + 6)}" y1="${f(y - 3)}" x2="${f(lx + 28)}" y2="${f(y - 3)}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ""}/>`);
      out.push(`<circle cx="${f(lx + 17)}" cy="${f(y - 3)}" r="3" fill="${s.color}"/>`);
    }
    out.push(`<text x="${f(lx + 34)}" y="${f(y + 1)}" font-size="11">${esc(s.label)}</text>`);
  });
  return out;
}

/** A line/marker plot. */
export function linePlot(o: PlotOptions): string {
  const W = o.width ?? 640, H = o.height ?? 420;
  const right = o.legend === "outside" ? legendWidth(o.series) + 24 : 20;
  const top = o.subtitle ? 52 : 38, x0 = 72, x1 = W - right, y0 = top, y1 = H - 52;
  const X = axis(o.series.flatMap((s) => s.points.map((p) => p[0])), !!o.xLog, x0, x1, o.xRange);
  if (o.xTicks) X.ticks = o.xTicks;
  const Y = axis(o.series.flatMap((s) => s.points.map((p) => p[1])), !!o.yLog, y1, y0, o.yRange);
  const out = frame(W, H, o.title, o.subtitle);
  // grid and ticks
  for (const v of Y.minor) out.push(`<line x1="${x0}" y1="${f(Y.map(v))}" x2="${x1}" y2="${f(Y.map(v))}" stroke="#f0f0f0"/>`);
  for (const v of X.minor) out.push(`<line x1="${f(X.map(v))}" y1="${y0}" x2="${f(X.map(v))}" y2="${y1}" stroke="#f0f0f0"/>`);
  for (const v of Y.ticks) {
    const y = Y.map(v);
    out.push(`<line x1="${x0}" y1="${f(y)}" x2="${x1}" y2="${f(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 - 6}" y="${f(y + 4)}" font-size="11" text-anchor="end">${tickLabel(v, Y.log)}</text>`);
  }
  for (const v of X.ticks) {
    const x = X.map(v);
    out.push(`<line x1="${f(x)}" y1="${y0}" x2="${f(x)}" y2="${y1}" stroke="#ddd"/>`);
    out.push(`<text x="${f(x)}" y="${y1 + 16}" font-size="11" text-anchor="middle">${tickLabel(v, X.log)}</text>`);
  }
  out.push(`<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${(x0 + x1) / 2}" y="${H - 14}" font-size="13" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(`<text x="16" y="${(y0 + y1) / 2}" font-size="13" text-anchor="middle" transform="rotate(-90 16 ${(y0 + y1) / 2})">${esc(o.yLabel)}</text>`);
  out.push(`<clipPath id="plot"><rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}"/></clipPath><g clip-path="url(#plot)">`);
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!X.log || x > 0) && (!Y.log || y > 0));
    if (s.line !== false && pts.length > 1) {
      const d = pts.map(([x, y], k) => `${k ? "L" : "M"}${f(X.map(x))},${f(Y.map(y))}`).join(" ");
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6,4"' : ""}/>`);
    }
    if (s.markers !== false) for (const [x, y] of pts) out.push(`<circle cx="${f(X.map(x))}" cy="${f(Y.map(y))}" r="3.5" fill="${color}"/>`);
  });
  out.push("</g>");
  out.push(...legendBox(o.series.map((s, i) => ({ label: s.label, color: s.color ?? PALETTE[i % PALETTE.length], dashed: s.dashed, kind: "line" as const })), x0, y0, x1, y1, o.legend));
  out.push("</svg>");
  return out.join("\n");
}

export interface BarOptions {
  title: string;
  subtitle?: string;
  yLabel: string;
  /** Category names along x (e.g. instances). */
  categories: string[];
  /** One bar per group and category; NaN leaves a gap. */
  groups: { label: string; values: number[]; color?: string }[];
  /** Optional horizontal marks per category (e.g. the floor), drawn as a black tick across the group. */
  marks?: { label: string; values: number[] };
  yLog?: boolean;
  width?: number;
  height?: number;
  legend?: PlotOptions["legend"];
}

/** Grouped bars: categories along x, one bar per group. */
export function barPlot(o: BarOptions): string {
  const W = o.width ?? 760, H = o.height ?? 420;
  const labels = [...o.groups.map((g) => ({ label: g.label })), ...(o.marks ? [{ label: o.marks.label }] : [])];
  const right = o.legend === "outside" ? legendWidth(labels) + 24 : 20;
  const top = o.subtitle ? 52 : 38, x0 = 72, x1 = W - right, y0 = top, y1 = H - 70;
  const all = [...o.groups.flatMap((g) => g.values), ...(o.marks?.values ?? [])];
  const Y = axis(o.yLog ? all : [0, ...all], !!o.yLog, y1, y0);
  const out = frame(W, H, o.title, o.subtitle);
  for (const v of Y.ticks) {
    const y = Y.map(v);
    out.push(`<line x1="${x0}" y1="${f(y)}" x2="${x1}" y2="${f(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 - 6}" y="${f(y + 4)}" font-size="11" text-anchor="end">${tickLabel(v, Y.log)}</text>`);
  }
  const C = o.categories.length, G = o.groups.length, slot = (x1 - x0) / C, bw = (slot * 0.8) / G;
  const base = Y.log ? y1 : Y.map(0);
  o.categories.forEach((c, ci) => {
    const cx = x0 + slot * (ci + 0.1);
    o.groups.forEach((g, gi) => {
      const v = g.values[ci];
      if (!Number.isFinite(v) || (Y.log && v <= 0)) return;
      const y = Math.min(Math.max(Y.map(v), y0), y1);
      out.push(`<rect x="${f(cx + gi * bw)}" y="${f(Math.min(y, base))}" width="${f(bw * 0.92)}" height="${f(Math.abs(base - y))}" fill="${g.color ?? PALETTE[gi % PALETTE.length]}"/>`);
    });
    const m = o.marks?.values[ci];
    if (m !== undefined && Number.isFinite(m) && (!Y.log || m > 0)) {
      out.push(`<line x1="${f(cx - 2)}" y1="${f(Y.map(m))}" x2="${f(cx + G * bw + 2)}" y2="${f(Y.map(m))}" stroke="black" stroke-width="2" stroke-dasharray="4,2"/>`);
    }
    out.push(`<text x="${f(x0 + slot * (ci + 0.5))}" y="${y1 + 16}" font-size="11" text-anchor="middle">${esc(c)}</text>`);
  });
  out.push(`<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="none" stroke="#333"/>`);
  out.push(`<text x="16" y="${(y0 + y1) / 2}" font-size="13" text-anchor="middle" transform="rotate(-90 16 ${(y0 + y1) / 2})">${esc(o.yLabel)}</text>`);
  const items = o.groups.map((g, gi) => ({ label: g.label, color: g.color ?? PALETTE[gi % PALETTE.length], kind: "box" as const }));
  const legendItems: { label: string; color: string; dashed?: boolean; kind: "line" | "box" }[] = [...items];
  if (o.marks) legendItems.push({ label: o.marks.label, color: "black", dashed: true, kind: "line" });
  out.push(...legendBox(legendItems, x0, y0, x1, y1, o.legend));
  out.push("</svg>");
  return out.join("\n");
}

/** Side-by-side 2-D scatter panels sharing one box (at most `maxPoints` points each). */
export function scatterPanels(o: { title: string; subtitle?: string; panels: { label: string; points: Float64Array; color?: string }[]; maxPoints?: number; size?: number }): string {
  const P = o.panels.length, S = o.size ?? 300, gap = 44, top = o.subtitle ? 60 : 46;
  const W = P * S + (P + 1) * gap, H = S + top + 58;
  const all = o.panels.map((p) => p.points);
  let lo = Infinity, hi = -Infinity;
  for (const pts of all) for (const v of pts) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  // a square box around the central 99.8% of points, so stray points do not shrink the picture
  const sorted = Float64Array.from(all.flatMap((p) => Array.from(p))).sort();
  lo = sorted[Math.floor(sorted.length * 0.001)] - 1;
  hi = sorted[Math.floor(sorted.length * 0.999)] + 1;
  const out = frame(W, H, o.title, o.subtitle);
  o.panels.forEach((p, i) => {
    const px = gap + i * (S + gap), py = top;
    const map = (v: number, flip: boolean) => (flip ? py + S - ((v - lo) / (hi - lo)) * S : px + ((v - lo) / (hi - lo)) * S);
    out.push(`<rect x="${px}" y="${py}" width="${S}" height="${S}" fill="#fafafa" stroke="#333"/>`);
    for (const v of niceTicks(lo, hi, 5)) {
      const x = map(v, false), y = map(v, true);
      out.push(`<line x1="${f(x)}" y1="${py + S}" x2="${f(x)}" y2="${py + S + 4}" stroke="#333"/>`);
      out.push(`<text x="${f(x)}" y="${py + S + 15}" font-size="10" text-anchor="middle">${tickLabel(v, false)}</text>`);
      out.push(`<line x1="${px - 4}" y1="${f(y)}" x2="${px}" y2="${f(y)}" stroke="#333"/>`);
      out.push(`<text x="${px - 6}" y="${f(y + 3)}" font-size="10" text-anchor="end">${tickLabel(v, false)}</text>`);
    }
    out.push(`<text x="${px + S / 2}" y="${py + S + 32}" font-size="12" text-anchor="middle">${esc(p.label)} (x₁ across, x₂ up)</text>`);
    const count = Math.min(p.points.length / 2, o.maxPoints ?? 4000);
    const color = p.color ?? PALETTE[i % PALETTE.length];
    out.push(`<clipPath id="panel${i}"><rect x="${px}" y="${py}" width="${S}" height="${S}"/></clipPath><g clip-path="url(#panel${i})">`);
    // every point as a zero-length round-capped segment of one path: ~12 bytes a point
    const d: string[] = [];
    for (let k = 0; k < count; k++) {
      const x = p.points[2 * k], y = p.points[2 * k + 1];
      if (!(x >= lo && x <= hi && y >= lo && y <= hi)) continue;
      d.push(`M${map(x, false).toFixed(1)} ${map(y, true).toFixed(1)}h0`);
    }
    out.push(`<path d="${d.join("")}" stroke="${color}" stroke-opacity="0.5" stroke-width="2.2" stroke-linecap="round" fill="none"/>`);
    out.push("</g>");
  });
  out.push("</svg>");
  return out.join("\n");
}
