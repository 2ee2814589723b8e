/**
 * SVG as plain strings, with one number format: coordinates to one decimal (a tenth of a
 * pixel), so the same inputs always give the same bytes. No DOM, nothing of Node: the
 * command line writes these strings to files, and a page can put them into an element.
 */

/** A coordinate: rounded to 0.1, no "-0", no exponent. */
export function px(v: number): string {
  const r = Math.round(v * 10) / 10;
  return (r === 0 ? 0 : r).toFixed(Number.isInteger(r) ? 0 : 1);
}

/** Tenths of a pixel as text: 12.3, -0.4, 5. */
function tenths(k: number): string {
  const a = Math.abs(k), w = Math.floor(a / 10), f = a % 10;
  return (k < 0 ? "-" : "") + (f ? `${w}.${f}` : `${w}`);
}

/**
 * Path data for polylines (pixel coordinates), compact: each line's start absolute, then the
 * steps relative ("l" once, then pairs), every coordinate rounded to a tenth of a pixel first,
 * so the steps add up exactly to the rounded points (no drift), and a sign needs no space.
 */
export function polylines(lines: ArrayLike<number>[]): string {
  let out = "";
  for (const line of lines) {
    if (line.length < 4) continue;
    let x = Math.round(line[0] * 10), y = Math.round(line[1] * 10);
    out += `M${tenths(x)} ${tenths(y)}l`;
    for (let i = 2; i + 1 < line.length; i += 2) {
      const nx = Math.round(line[i] * 10), ny = Math.round(line[i + 1] * 10);
      const dx = tenths(nx - x), dy = tenths(ny - y);
      out += (i > 2 && !dx.startsWith("-") ? " " : "") + dx + (dy.startsWith("-") ? "" : " ") + dy;
      x = nx;
      y = ny;
    }
  }
  return out;
}

/** An opacity or other value in [0, 1], to two decimals. */
export function unit(v: number): string {
  const r = Math.round(Math.min(1, Math.max(0, v)) * 100) / 100;
  return String(r);
}

/** Text content or an attribute value, escaped. */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export interface TextOptions {
  size?: number;
  anchor?: "start" | "middle" | "end";
  weight?: "bold";
  fill?: string;
  /** Degrees, about (x, y). */
  rotate?: number;
}

export function text(x: number, y: number, s: string, o: TextOptions = {}): string {
  const attrs = [`x="${px(x)}"`, `y="${px(y)}"`];
  if (o.size) attrs.push(`font-size="${o.size}"`);
  if (o.anchor && o.anchor !== "start") attrs.push(`text-anchor="${o.anchor}"`);
  if (o.weight) attrs.push(`font-weight="${o.weight}"`);
  if (o.fill) attrs.push(`fill="${o.fill}"`);
  if (o.rotate) attrs.push(`transform="rotate(${o.rotate} ${px(x)} ${px(y)})"`);
  return `<text ${attrs.join(" ")}>${esc(s)}</text>`;
}

/** Approximate width of text in pixels (sans-serif at `size`): for laying out without a font. */
export const textWidth = (s: string, size = 11): number => Math.ceil(s.length * size * 0.6);

/** Words of `s` in lines no wider than `width` pixels at `size`. */
export function wrap(s: string, width: number, size = 11): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of s.split(" ")) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, size) > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

export function rect(x: number, y: number, w: number, h: number, style: string): string {
  return `<rect x="${px(x)}" y="${px(y)}" width="${px(w)}" height="${px(h)}" ${style}/>`;
}

/** The document: width × height, white, sans-serif; `body` is the elements. */
export function document(width: number, height: number, body: string[]): string {
  const w = Math.ceil(width), h = Math.ceil(height);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...body,
    `</svg>`,
  ].join("\n") + "\n";
}
