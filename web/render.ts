/** Drawing on the two square canvases: world box [-L, L]², cells, arrows, points. */
import type { Mixture, ScoreModel } from "../src/index.ts";

export const L = 11;
const GRID = 110; // cells per side of the region and density images
const ARROWS = 17; // arrows per side

/** A square canvas showing [-L, L]² with y up, sized to its CSS box and the pixel ratio. */
export class View {
  readonly ctx: CanvasRenderingContext2D;
  readonly grid = GRID;
  size = 0;
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
    return ((x + L) / (2 * L)) * this.size;
  }
  py(y: number) {
    return ((L - y) / (2 * L)) * this.size;
  }
  toWorld(e: { clientX: number; clientY: number }): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * 2 * L - L, L - ((e.clientY - r.top) / r.height) * 2 * L];
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
  frame() {
    const { ctx } = this;
    ctx.strokeStyle = "rgba(0,0,0,0.12)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(this.px(0), 0);
    ctx.lineTo(this.px(0), this.size);
    ctx.moveTo(0, this.py(0));
    ctx.lineTo(this.size, this.py(0));
    ctx.stroke();
  }
}

/** Cell centres of a g × g grid over the box, row-major from the top (y = L) down. */
function cellCentres(g: number): Float64Array {
  const pts = new Float64Array(g * g * 2);
  const h = (2 * L) / g;
  for (let r = 0; r < g; r++) {
    for (let c = 0; c < g; c++) {
      pts[2 * (r * g + c)] = -L + (c + 0.5) * h;
      pts[2 * (r * g + c) + 1] = L - (r + 0.5) * h;
    }
  }
  return pts;
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
 * Each cell coloured by its most likely region under the gates at t,
 * γ_g(x) ∝ π_g exp(a⟨x, c_g⟩ − a²|c_g|²/2), paler where the most likely gate is less sure.
 */
export function regionsImage(model: ScoreModel, t: number, g: number) {
  return cached(`r${idOf(model)}:${t.toPrecision(6)}:${g}`, () => {
    const { weights, centres } = model.regions;
    const G = weights.length, a = Math.exp(-t);
    const logw = weights.map((w) => Math.log(w));
    const half = centres.map((c) => 0.5 * a * a * (c[0] * c[0] + c[1] * c[1]));
    const pts = cellCentres(g);
    const [canvas, img] = canvasOf(g);
    const l = new Float64Array(G);
    for (let k = 0; k < g * g; k++) {
      const x = pts[2 * k], y = pts[2 * k + 1];
      let best = -Infinity, arg = 0;
      for (let j = 0; j < G; j++) {
        l[j] = logw[j] + a * (x * centres[j][0] + y * centres[j][1]) - half[j];
        if (l[j] > best) [best, arg] = [l[j], j];
      }
      let sum = 0;
      for (let j = 0; j < G; j++) sum += Math.exp(l[j] - best);
      const sure = model.gating === "hard" ? 1 : 1 / sum; // γ of the most likely region
      const alpha = 0.18 + 0.5 * sure;
      const [r, gg, b] = regionColour(arg);
      img.data[4 * k] = 255 + alpha * (r - 255);
      img.data[4 * k + 1] = 255 + alpha * (gg - 255);
      img.data[4 * k + 2] = 255 + alpha * (b - 255);
      img.data[4 * k + 3] = 255;
    }
    (canvas.getContext("2d") as CanvasRenderingContext2D).putImageData(img, 0, 0);
    return canvas;
  });
}

/** The noised density p_t on the grid, white to blue (square root of p / max p). */
export function densityImage(truth: Mixture, t: number, g: number) {
  return cached(`d${idOf(truth)}:${t.toPrecision(6)}:${g}`, () => {
    const lp = truth.logpdf(cellCentres(g), t);
    let max = -Infinity;
    for (const v of lp) max = Math.max(max, v);
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
  });
}

/**
 * The score field as arrows along σ·s_t(x) = −E[ξ | x_t = x] (the noise that denoising
 * removes, in units of σ, so arrows stay readable at every t); the length saturates at
 * about one arrow cell. Both panels use the same scale.
 */
export function drawArrows(view: View, score: (x: Float64Array) => Float64Array, sigma: number, colour: string) {
  const pts = cellCentres(ARROWS);
  const s = score(pts);
  const { ctx } = view;
  const cell = (2 * L) / ARROWS;
  ctx.strokeStyle = colour;
  ctx.fillStyle = colour;
  ctx.lineWidth = Math.max(1, view.size / 500);
  const head = view.size / 140;
  for (let k = 0; k < ARROWS * ARROWS; k++) {
    const x = pts[2 * k], y = pts[2 * k + 1];
    const dx = sigma * s[2 * k], dy = sigma * s[2 * k + 1];
    const d = Math.hypot(dx, dy);
    if (!(d > 1e-9)) continue;
    const len = 0.9 * cell * Math.tanh(d / 1.5);
    const ux = dx / d, uy = dy / d;
    const x0 = view.px(x - 0.5 * len * ux), y0 = view.py(y - 0.5 * len * uy);
    const x1 = view.px(x + 0.5 * len * ux), y1 = view.py(y + 0.5 * len * uy);
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.stroke();
    const hx = -ux, hy = uy; // screen direction back along the arrow (y flipped)
    const h = Math.min(head, 0.45 * Math.hypot(x1 - x0, y1 - y0));
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 + h * (hx * 0.87 - hy * 0.5), y1 + h * (hy * 0.87 + hx * 0.5));
    ctx.lineTo(x1 + h * (hx * 0.87 + hy * 0.5), y1 + h * (hy * 0.87 - hx * 0.5));
    ctx.closePath();
    ctx.fill();
  }
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

/** Region centres where the gates put them at time t (a·c_g), sized by weight. */
export function drawCentres(view: View, model: ScoreModel, a: number) {
  const { ctx } = view;
  const { weights, centres } = model.regions;
  ctx.lineWidth = Math.max(1, view.size / 400);
  weights.forEach((w, g) => {
    const [r, gg, b] = regionColour(g);
    const x = view.px(a * centres[g][0]), y = view.py(a * centres[g][1]);
    ctx.beginPath();
    ctx.arc(x, y, (view.size / 520) * (3 + 12 * Math.sqrt(w)), 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${r},${gg},${b})`;
    ctx.fill();
    ctx.strokeStyle = "#222";
    ctx.stroke();
  });
}
