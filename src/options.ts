/**
 * Options, declared once: each entry point (fit, sample, logpdf, components, EM) has a table
 * of declarations — constraint, default, one line of documentation, and the command-line
 * placeholder if the CLI offers it — checked at the top of the call. The CLI derives its
 * flags, bounds, defaults and --help from the same tables (src/cli/args.ts). Messages name
 * the option and the value: `invalid option "degree": expected an integer in [0, 12], got 3.5`.
 */

export type Constraint =
  | { kind: "int"; min: number; max: number }
  | { kind: "number"; min: number; max: number; openMin?: boolean }
  | { kind: "enum"; values: readonly string[] }
  | { kind: "function" };

export interface Decl {
  check: Constraint;
  /** Absent: undefined unless given (the entry point decides, e.g. threads = the cores). */
  default?: unknown;
  /** Also accepts the string "auto". */
  auto?: boolean;
  /** What it does, in one line (the CLI's --help uses it). */
  doc: string;
  /** On the command line as --flag VALUE (flag: the kebab-case of the name unless given; default: the words for an absent default). */
  cli?: { value: string; flag?: string; default?: string };
}

export type Table = Record<string, Decl>;

export function describe(c: Constraint): string {
  switch (c.kind) {
    case "int": return `an integer in [${c.min}, ${c.max}]`;
    case "number": return `a number in ${c.openMin ? "(" : "["}${c.min}, ${c.max}]`;
    case "enum": return `one of ${c.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "function": return "a function";
  }
}

export function satisfies(c: Constraint, v: unknown): boolean {
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

/** What a declaration accepts, in words: `an integer in [0, 12] or "auto"`. */
export function expectation(d: Decl): string {
  return describe(d.check) + (d.auto ? ` or "auto"` : "");
}

/** Check `given` against `table` (unknown keys are errors); returns the options with the table's defaults filled in. */
export function resolve<T>(given: object | undefined, table: Table): T {
  const out: Record<string, unknown> = {};
  for (const [key, d] of Object.entries(table)) if (d.default !== undefined) out[key] = d.default;
  for (const [key, value] of Object.entries(given ?? {})) {
    if (value === undefined) continue;
    const d = Object.hasOwn(table, key) ? table[key] : undefined;
    if (!d) throw new OptionError(`unknown option "${key}" (known: ${Object.keys(table).join(", ")})`);
    if (!(satisfies(d.check, value) || (d.auto && value === "auto"))) {
      throw new OptionError(`invalid option "${key}": expected ${expectation(d)}, got ${show(value)}`);
    }
    out[key] = value;
  }
  return out as T;
}

export const int = (min: number, max: number): Constraint => ({ kind: "int", min, max });
export const num = (min: number, max: number, openMin = false): Constraint => ({ kind: "number", min, max, openMin });
export const oneOf = (...values: string[]): Constraint => ({ kind: "enum", values });
export const fn: Constraint = { kind: "function" };

// Declarations shared by several entry points.
export const SEED: Decl = { check: int(0, 2 ** 31 - 1), default: 0, doc: "random seed: the same seed gives the same numbers", cli: { value: "S" } };
export const THREADS: Decl = {
  check: int(1, 256),
  doc: "worker threads (the result does not depend on them)",
  cli: { value: "T", default: "the machine's cores" },
};
export const BACKEND: Decl = { check: oneOf("wasm", "reference"), doc: 'the kernels: "wasm", or "reference" (pure TypeScript, the same numbers)' };
export const PROGRESS: Decl = { check: fn, doc: "called as the work proceeds" };
export const DIM: Decl = { check: int(1, 100000), doc: "row length when the data is a flat Float64Array" };
