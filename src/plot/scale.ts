/** Linear scales from data to pixels, and tick values at round numbers (1, 2, 5 × 10^k). */

export interface Scale {
  /** Data value → pixel. */
  (v: number): number;
  domain: [number, number];
  range: [number, number];
}

export function linear(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain, [r0, r1] = range, k = d1 !== d0 ? (r1 - r0) / (d1 - d0) : 0;
  const s = ((v: number) => r0 + (v - d0) * k) as Scale;
  s.domain = domain;
  s.range = range;
  return s;
}

/** About `count` round values inside [lo, hi], and their step. */
export function ticks(lo: number, hi: number, count = 5): { values: number[]; step: number } {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return { values: [], step: 1 };
  const raw = (hi - lo) / Math.max(1, count), p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p;
  const step = (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
  const values: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k++) values.push(k * step + 0); // + 0: no -0
  return { values, step };
}

/** A tick's label: as many decimals as the step needs, an exponent for very large or small values. */
export function tickLabel(v: number, step: number): string {
  if (Math.abs(v) < step * 1e-6) return "0";
  const mag = Math.max(Math.abs(v), step);
  if (mag >= 1e6 || mag < 1e-4) return v.toExponential(Math.max(0, Math.round(Math.log10(mag) - Math.log10(step))));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(decimals).replace(/^-(0\.?0*)$/, "$1");
}

/** A short number for notes and legends: 4 significant digits, exponent outside [1e-3, 1e5). */
export function short(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}
