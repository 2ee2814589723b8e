/**
 * Option constraints, declared once and checked at the top of every entry point. Messages
 * name the option and the value: `invalid option "degree": expected an integer in [0, 12], got 3.5`.
 */

type Constraint =
  | { kind: "int"; min: number; max: number }
  | { kind: "number"; min: number; max: number; openMin?: boolean }
  | { kind: "enum"; values: readonly string[] }
  | { kind: "function" };

export function describe(c: Constraint): string {
  switch (c.kind) {
    case "int": return `an integer in [${c.min}, ${c.max}]`;
    case "number": return `a number in ${c.openMin ? "(" : "["}${c.min}, ${c.max}]`;
    case "enum": return `one of ${c.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "function": return "a function";
  }
}

function ok(c: Constraint, v: unknown): boolean {
  switch (c.kind) {
    case "int": return Number.isInteger(v) && (v as number) >= c.min && (v as number) <= c.max;
    case "number":
      return typeof v === "number" && Number.isFinite(v) && (c.openMin ? v > c.min : v >= c.min) && v <= c.max;
    case "enum": return typeof v === "string" && c.values.includes(v);
    case "function": return typeof v === "function";
  }
}

/**
 * A value as the user wrote it, for messages: strings quoted, numbers as written (NaN stays
 * NaN, unlike JSON.stringify), arrays spelled out; cut at 60 characters.
 */
export function show(v: unknown): string {
  const full = (u: unknown): string => {
    if (typeof u === "number" || typeof u === "boolean" || u === undefined) return String(u);
    if (Array.isArray(u)) return `[${u.map(full).join(",")}]`;
    if (typeof u === "function") return "a function";
    return JSON.stringify(u) ?? String(u);
  };
  const s = full(v);
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

export class OptionError extends Error {}

/**
 * Check `given` against `table` (unknown keys are errors); `auto` lists options that also
 * accept the string "auto". Returns the options with defaults filled in.
 */
export function resolve<T extends object>(
  given: object | undefined,
  table: Record<string, Constraint>,
  defaults: T,
  auto: readonly string[] = [],
): T {
  const out = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(given ?? {})) {
    if (value === undefined) continue;
    const c = table[key];
    if (!c) {
      throw new OptionError(`unknown option "${key}" (known: ${Object.keys(table).join(", ")})`);
    }
    if (!(ok(c, value) || (value === "auto" && auto.includes(key)))) {
      const also = auto.includes(key) ? ` or "auto"` : "";
      throw new OptionError(`invalid option "${key}": expected ${describe(c)}${also}, got ${show(value)}`);
    }
    out[key] = value;
  }
  return out as T;
}

export const int = (min: number, max: number): Constraint => ({ kind: "int", min, max });
export const num = (min: number, max: number, openMin = false): Constraint => ({ kind: "number", min, max, openMin });
export const oneOf = (...values: string[]): Constraint => ({ kind: "enum", values });
export const fn: Constraint = { kind: "function" };
