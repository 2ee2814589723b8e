/** Field checks for specs and constructors: one-line messages that name the field and show the value. */
import { show } from "./options.ts";

export function bad(where: string, field: string, what: string, got: unknown): never {
  if (got === undefined) throw new Error(`${where}: missing "${field}" (${what})`);
  throw new Error(`${where}: "${field}" must be ${what}, got ${show(got)}`);
}

export const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

export function positive(v: unknown, field: string, where: string): number {
  if (!isNum(v) || v <= 0) bad(where, field, "a positive finite number", v);
  return v;
}

export function numbers(
  v: unknown,
  field: string,
  where: string,
  opt: { len?: number; min?: number; positive?: boolean; note?: string } = {},
): number[] {
  const count = opt.len !== undefined ? `${opt.len}` : opt.min !== undefined ? `at least ${opt.min}` : "";
  const what = `an array of ${count ? count + " " : ""}${opt.positive ? "positive " : ""}finite numbers${opt.note ?? ""}`;
  const ok =
    Array.isArray(v) &&
    v.every((u) => isNum(u) && (!opt.positive || u > 0)) &&
    (opt.len === undefined || v.length === opt.len) &&
    v.length >= (opt.min ?? 1);
  if (!ok) bad(where, field, what, v);
  return [...(v as number[])];
}

/** A non-empty array of points, all of the dimension of the first. */
export function points(v: unknown, field: string, where: string): number[][] {
  if (!Array.isArray(v) || v.length === 0) bad(where, field, "a non-empty array of points (arrays of finite numbers)", v);
  const first = numbers(v[0], `${field}[0]`, where);
  const note = ` (the dimension of ${field}[0])`;
  return v.map((p, i) => (i === 0 ? first : numbers(p, `${field}[${i}]`, where, { len: first.length, note })));
}

/**
 * Weights given explicitly must be positive and sum to 1 within 1e−6 (a wrong sum is more
 * likely a typo than an intent); they are then renormalised so they sum to 1 in floating point.
 */
export function weightsOf(v: unknown, count: number, where: string): number[] {
  const ok =
    Array.isArray(v) &&
    v.length === count &&
    v.every((u) => isNum(u) && u > 0) &&
    Math.abs(v.reduce((s: number, u: number) => s + u, 0) - 1) <= 1e-6;
  if (!ok) bad(where, "weights", `an array of ${count} positive finite numbers summing to 1 (±1e-6)`, v);
  return normalise(v as number[]);
}

export function segmentsOf(v: unknown, where: string): number[][][] {
  if (!Array.isArray(v) || v.length === 0) bad(where, "segments", "a non-empty array of segments [[a…], [b…]]", v);
  let dim = 0;
  return v.map((s, i) => {
    const field = `segments[${i}]`;
    const what = "a pair of distinct points [[a…], [b…]]";
    if (!Array.isArray(s) || s.length !== 2) bad(where, field, what, s);
    const A = numbers(s[0], `${field}[0]`, where, dim ? { len: dim, note: " (the dimension of segments[0])" } : {});
    const B = numbers(s[1], `${field}[1]`, where, { len: A.length, note: ` (the dimension of ${field}[0])` });
    if (A.every((u, k) => u === B[k])) bad(where, field, what, s);
    dim = A.length;
    return [A, B];
  });
}

export function normalise(w: number[]): number[] {
  const s = w.reduce((p, v) => p + v, 0);
  return w.map((v) => v / s);
}
