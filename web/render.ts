/**
 * Drawing on the two square canvases: a world box (data units; [-L, L]² for the presets),
 * cells, arrows, points. What is drawn about a model comes from the library (src/grid.ts,
 * src/noising.ts: the dominant gate, the centres where the gates see them, the score as
 * arrows in data units), not from its internals.
 */
import { centresAt, dominantRegion, gridPoints, scoreArrows, type Box, type Mixture, type ScoreModel } from "../src/index.ts";

export const L = 11;
export const PRESET_BOX: Box = { x0: -L, x1: L, y0: -L, y1: L };
const GRID = 110; // cells per side of the region and density images
const ARROWS = 17; // arrows per side

/** A square canvas showing a box with y up, sized to its CSS box and the pixel ratio. */
export class View {
  readonly ctx: CanvasRenderingContext2D;
  readonly grid = GRID;
  size = 0;
  box: Box = PRESET_BOX;
  constructor(readonly canvas: HTMLCanvasElement) {
    this.ctx = canvas.getContext("2d")!;
    this.resize();
  }
  resize() {
    const css = Math.max(100, Math.round(this.canvas.getBoundingClientRect().width || 520));
    const px = Math.round(css * Math.min(2, window.devicePixelRatio || 1));
    if (px !== this.canvas.width) {
      this.canvas.width = px;
      this.canvas.height = px;
    }
    this.size = px;
  }
  px(x: number) {
    return ((x - this.box.x0) / (this.box.x1 - this.box.x0)) * this.size;
  }
  py(y: number) {
    return ((this.box.y1 - y) / (this.box.y1 - this.box.y0)) * this.size;
  }
  toWorld(e: { clientX: number; clientY: number }): [number, number] {
    const r = this.canvas.getBoundingClientRect(), b = this.box;
    return [b.x0 + ((e.clientX - r.left) / r.width) * (b.x1 - b.x0), b.y1 - ((e.clientY - r.top) / r.height) * (b.y1 - b.y0)];
  }
  begin() {
    const { ctx } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, this.size, this.size);
  }
  image(img: HTMLCanvasElement | OffscreenCanvas) {
    this.ctx.imageSmoothingEnabled = false;
    this.ctx.drawImage(img, 0, 0, this.size, this.size);
  }
  hint(text: string) {
    const { ctx } = this;
    ctx.fillStyle = "#888";
    ctx.font = `${Math.round(this.size / 22)}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.fillText(text, this.size / 2, this.size / 2);
  }
  /** The axes through 0 where they are in the box; otherwise, for a box of data, corner labels of its ranges. */
  frame(labels?: [string, string]) {
    const { ctx, box } = this;
    ctx.strokeStyle = "rgba(0,0,0,0.12)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    if (box.x0 < 0 && box.x1 > 0) ctx.moveTo(this.px(0), 0), ctx.lineTo(this.px(0), this.size);
    if (box.y0 < 0 && box.y1 > 0) ctx.moveTo(0, this.py(0)), ctx.lineTo(this.size, this.py(0));
    ctx.stroke();
    if (!labels) return;
    const f = (v: number) => String(Number(v.toPrecision(3)));
    ctx.fillStyle = "#555";
    ctx.font = `${Math.round(this.size / 40)}px system-ui, sans-serif`;
    ctx.textAlign = "left";
    ctx.fillText(`${labels[0]} ${f(box.x0)} … ${f(box.x1)}`, 6, this.size - 8);
    ctx.save();
    ctx.translate(this.size / 40 + 6, this.size - 8);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(`${labels[1]} ${f(box.y0)} … ${f(box.y1)}`, this.size / 20, 0);
    ctx.restore();
  }
}

/** Cell centres of a g × g grid over the box, row-major from the top (y1) down: the order of ImageData. */
function cellCentres(box: Box, g: number): Float64Array {
  const up = gridPoints(box, g, g), out = new Float64Array(up.length);
  for (let r = 0; r < g; r++) out.set(up.subarray(2 * (g - 1 - r) * g, 2 * (g - r) * g), 2 * r * g);
  return out;
}

function canvasOf(g: number): [OffscreenCanvas | HTMLCanvasElement, ImageData] {
  const c = typeof OffscreenCanvas !== "undefined" ? new OffscreenCanvas(g, g) : Object.assign(document.createElement("canvas"), { width: g, height: g });
  const ctx = c.getContext("2d") as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;
  return [c, ctx.createImageData(g, g)];
}

const PALETTE = [
  [230, 159, 0], [86, 180, 233], [0, 158, 115], [240, 228, 66], [0, 114, 178], [213, 94, 0], [204, 121, 167],
  [150, 150, 150], [120, 190, 90], [170, 110, 220], [255, 120, 120], [90, 200, 200],
];
export const regionColour = (g: number) => PALETTE[g % PALETTE.length];

const cache = new Map<string, OffscreenCanvas | HTMLCanvasElement>();
const ids = new WeakMap<object, number>();
let nextId = 1;
const idOf = (o: object) => ids.get(o) ?? (ids.set(o, nextId++), nextId - 1);
const boxKey = (b: Box) => `${b.x0},${b.x1},${b.y0},${b.y1}`;
function cached(key: string, make: () => OffscreenCanvas | HTMLCanvasElement) {
  let v = cache.get(key);
  if (!v) {
    if (cache.size > 400) cache.clear();
    v = make();
    cache.set(key, v);
  }
  return v;
}

/**
 * Each cell coloured by the region whose gate γ_g(x) at t dominates there (model.gates through
 * dominantRegion), paler where that gate is less sure.
 */
export function regionsImage(model: ScoreModel, t: number, g: number, box: Box) {
  return cached(`r${idOf(model)}:${t.toPrecision(6)}:${g}:${boxKey(box)}`, () => {
    const { region, gate } = dominantRegion(model, cellCentres(box, g), t);
    const [canvas, img] = canvasOf(g);
    for (let k = 0; k < g * g; k++) {
      const alpha = 0.18 + 0.5 * gate[k];
      const [r, gg, b] = regionColour(region[k]);
      img.data[4 * k] = 255 + alpha * (r - 255);
      img.data[4 * k + 1] = 255 + alpha * (gg - 255);
      img.data[4 * k + 2] = 255 + alpha * (b - 255);
      img.data[4 * k + 3] = 255;
    }
    (canvas.getContext("2d") as CanvasRenderingContext2D).putImageData(img, 0, 0);
    return canvas;
  });
}

/** log-densities on a g × g grid (row-major from the top down) as an image, white to blue (square root of p / max p). */
function densityFrom(lp: ArrayLike<number>, g: number) {
  let max = -Infinity;
  for (let k = 0; k < lp.length; k++) max = Math.max(max, lp[k]);
  const [canvas, img] = canvasOf(g);
  for (let k = 0; k < g * g; k++) {
    const v = Math.sqrt(Math.exp(lp[k] - max));
    img.data[4 * k] = 255 - 225 * v;
    img.data[4 * k + 1] = 255 - 170 * v;
    img.data[4 * k + 2] = 255 - 60 * v;
    img.data[4 * k + 3] = 255;
  }
  (canvas.getContext("2d") as CanvasRenderingContext2D).putImageData(img, 0, 0);
  return canvas;
}

/** The exact noised density p_t of a known mixture on the grid. */
export function densityImage(truth: Mixture, t: number, g: number, box: Box) {
  return cached(`d${idOf(truth)}:${t.toPrecision(6)}:${g}:${boxKey(box)}`, () => densityFrom(truth.logpdf(cellCentres(box, g), t), g));
}

/** The learned density from log p̂ on src/grid.ts's grid (row-major from the bottom up, as densityGrid gives it). */
export function learnedDensityImage(lp: Float64Array, g: number) {
  return cached(`l${idOf(lp)}:${g}`, () => {
    const down = new Float64Array(lp.length);
    for (let r = 0; r < g; r++) down.set(lp.subarray((g - 1 - r) * g, (g - r) * g), r * g);
    return densityFrom(down, g);
  });
}

/** The arrows' grid points over the view's box (data units). */
export const arrowPoints = (view: View) => cellCentres(view.box, ARROWS);

/**
 * The score field as arrows: along the vectors v (data units, rows × 2) at the points, with
 * lengths from σ·|s| (the noise that denoising removes, in units of σ, so arrows stay readable
 * at every t): saturating at about one arrow cell. Both panels use the same scale.
 */
export function drawArrows(view: View, pts: Float64Array, v: Float64Array, norm: Float64Array, sigma: number, colour: string) {
  const { ctx } = view;
  const cell = view.size / ARROWS;
  ctx.strokeStyle = colour;
  ctx.fillStyle = colour;
  ctx.lineWidth = Math.max(1, view.size / 500);
  const head = view.size / 140;
  for (let k = 0; k < pts.length / 2; k++) {
    const cx = view.px(pts[2 * k]), cy = view.py(pts[2 * k + 1]);
    // The direction on the canvas: the vector through the view's scales (y flips).
    const dx = view.px(pts[2 * k] + v[2 * k]) - cx, dy = view.py(pts[2 * k + 1] + v[2 * k + 1]) - cy;
    const d = Math.hypot(dx, dy), m = sigma * norm[k];
    if (!(d > 1e-12) || !(m > 1e-9)) continue;
    const len = 0.9 * cell * Math.tanh(m / 1.5);
    const ux = dx / d, uy = dy / d;
    const x0 = cx - 0.5 * len * ux, y0 = cy - 0.5 * len * uy, x1 = cx + 0.5 * len * ux, y1 = cy + 0.5 * len * uy;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.stroke();
    const h = Math.min(head, 0.45 * len);
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - h * (ux * 0.87 - uy * 0.5), y1 - h * (uy * 0.87 + ux * 0.5));
    ctx.lineTo(x1 - h * (ux * 0.87 + uy * 0.5), y1 - h * (uy * 0.87 - ux * 0.5));
    ctx.closePath();
    ctx.fill();
  }
}

/** The learned score's arrows (src/noising.ts scoreArrows). */
export function drawModelArrows(view: View, model: ScoreModel, t: number, sigma: number, colour: string) {
  const pts = arrowPoints(view), { v, norm } = scoreArrows(model, pts, t);
  drawArrows(view, pts, v, norm, sigma, colour);
}

/** A known mixture's score s_t as arrows (its units are the model's: no map). */
export function drawMixtureArrows(view: View, truth: Mixture, t: number, sigma: number, colour: string) {
  const pts = arrowPoints(view), s = truth.score(pts, t);
  const norm = Float64Array.from({ length: pts.length / 2 }, (_, k) => Math.hypot(s[2 * k], s[2 * k + 1]));
  drawArrows(view, pts, s, norm, sigma, colour);
}

export function drawPoints(view: View, x: Float64Array, colour: string, radius: number) {
  const { ctx } = view;
  const r = radius * (view.size / 520);
  ctx.fillStyle = colour;
  ctx.beginPath();
  for (let i = 0; i + 1 < x.length; i += 2) {
    const px = view.px(x[i]), py = view.py(x[i + 1]);
    ctx.moveTo(px + r, py);
    ctx.arc(px, py, r, 0, 2 * Math.PI);
  }
  ctx.fill();
}

/** Region centres where the gates see them at time t (src/noising.ts centresAt, data units), sized by weight. */
export function drawCentres(view: View, model: ScoreModel, t: number) {
  const { ctx } = view;
  const c = centresAt(model, t);
  ctx.lineWidth = Math.max(1, view.size / 400);
  model.regions.weights.forEach((w, g) => {
    const [r, gg, b] = regionColour(g);
    const x = view.px(c[2 * g]), y = view.py(c[2 * g + 1]);
    ctx.beginPath();
    ctx.arc(x, y, (view.size / 520) * (3 + 12 * Math.sqrt(w)), 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${r},${gg},${b})`;
    ctx.fill();
    ctx.strokeStyle = "#222";
    ctx.stroke();
  });
}
