/**
 * Command-line arguments: node:util parseArgs reads the tokens, this file checks them
 * against a command's declared options (unknown ones get the closest known name) and turns
 * values into numbers with messages that name the option.
 */
import { parseArgs } from "node:util";
import { satisfies, type Decl, type Table } from "../options.ts";

/** A usage error: exit code 2. */
export class UsageError extends Error {}

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  /** The value's placeholder in help text, e.g. "N". */
  value?: string;
}

export interface CommandSpec {
  name: string;
  /** Positional arguments in order; a trailing "?" marks one as optional, a trailing "…" (the last) as repeatable. */
  positionals: string[];
  options: Record<string, OptionSpec>;
}

export interface Parsed {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

/** Levenshtein distance (insertions, deletions, substitutions; a swap of neighbours counts 1). */
export function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest of `known` to `word`, if it is close enough to be a likely typo. */
export function closest(word: string, known: string[]): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const k of known) {
    const d = k.startsWith(word) && word.length >= 2 ? 0.5 : distance(word, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return bestD <= Math.max(1, Math.min(3, Math.floor(word.length / 3))) ? best : undefined;
}

export function parseCommand(argv: string[], spec: CommandSpec): Parsed {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const [name, o] of Object.entries(spec.options)) options[name] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const values: Parsed["values"] = {};
  const positionals: string[] = [];
  const longNames = Object.keys(spec.options).filter((n) => n.length > 1).map((n) => `--${n}`);
  for (const t of tokens) {
    if (t.kind === "positional") {
      positionals.push(t.value);
      continue;
    }
    if (t.kind !== "option") continue;
    const o = spec.options[t.name];
    if (!o) {
      const raw = t.rawName;
      const guess = closest(raw.startsWith("--") ? raw : `--${raw.replace(/^-+/, "")}`, longNames);
      const hint = guess ? ` (did you mean ${guess}?)` : ` (see: diffmix ${spec.name} --help)`;
      throw new UsageError(`unknown option ${raw}${hint}`);
    }
    if (o.type === "boolean") {
      if (t.value !== undefined) throw new UsageError(`option ${t.rawName} takes no value, got "${t.value}"`);
      values[t.name] = true;
      continue;
    }
    // parseArgs (strict: false) takes the next argument as the value even when it is an option.
    // An empty value (--output=, -o "") is missing too.
    if (!t.value || (!t.inlineValue && t.value.startsWith("-") && t.value !== "-" && !/^-\d|^-\.\d/.test(t.value))) {
      throw new UsageError(`option ${t.rawName} needs a value${o.value ? ` (${o.value})` : ""}`);
    }
    if (values[t.name] !== undefined) throw new UsageError(`option ${t.rawName} is given twice`);
    values[t.name] = t.value;
  }
  const required = spec.positionals.filter((p) => !p.endsWith("?") && !p.endsWith("…")).length;
  const repeatable = spec.positionals.at(-1)?.endsWith("…") === true;
  if (!repeatable && positionals.length > spec.positionals.length) {
    throw new UsageError(`${spec.name}: unexpected argument "${positionals[spec.positionals.length]}" (see: diffmix ${spec.name} --help)`);
  }
  if (positionals.length < required && !values.help) {
    throw new UsageError(`${spec.name}: missing ${spec.positionals[positionals.length]} (see: diffmix ${spec.name} --help)`);
  }
  return { positionals, values };
}

/** The option as the user would type it, for messages. */
export function flag(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** An integer option in [min, max]; `what` describes the expectation in the message. */
export function intOption(name: string, raw: string, min: number, max: number, what?: string): number {
  const v = NUMBER.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isInteger(v) || v < min || v > max) {
    const expect = what ?? (max === Infinity ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`);
    throw new UsageError(`invalid option ${flag(name)}: expected ${expect}, got ${Number.isNaN(v) ? JSON.stringify(raw) : raw}`);
  }
  return v;
}

export function choiceOption<T extends string>(name: string, raw: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  const guess = closest(raw, [...choices]);
  throw new UsageError(`invalid option ${flag(name)}: expected ${choices.length > 2 ? `${choices.slice(0, -1).join(", ")} or ${choices[choices.length - 1]}` : choices.join(" or ")}, got "${raw}"${guess ? ` (did you mean ${guess}?)` : ""}`);
}

/** Help text for a command's options, one per line. */
export function optionLines(spec: CommandSpec, notes: Record<string, string>): string {
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const names = name.length === 1 ? flag(name) : (o.short ? `-${o.short}, ` : "    ") + flag(name);
    const head = names + (o.value ? ` ${o.value}` : "");
    return [head, notes[name] ?? ""] as const;
  });
  const w = Math.max(...rows.map(([h]) => h.length)) + 2;
  return rows.map(([h, n]) => `  ${h.padEnd(w)}${n}`.trimEnd()).join("\n");
}

// ---------------------------------------------------------------------------------------
// Flags derived from the library's option tables (src/options.ts): the same bounds, defaults
// and documentation as the API, so the two cannot disagree.

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The command-line name of a library option: its declared flag, or the key in kebab case. */
export function flagOf(key: string, d: Decl): string {
  return d.cli?.flag ?? kebab(key);
}

/** The CommandSpec options for the library options `keys` of `table` (each must declare `cli`). */
export function libraryFlags(table: Table, keys: readonly string[]): Record<string, OptionSpec> {
  const out: Record<string, OptionSpec> = {};
  for (const key of keys) {
    const d = table[key];
    if (!d?.cli) throw new Error(`internal: option "${key}" has no command-line form`);
    out[flagOf(key, d)] = { type: "string", value: d.cli.value };
  }
  return out;
}

/** The words of a constraint on the command line: `an integer in [0, 12] or "auto"`. */
function expected(d: Decl): string {
  const c = d.check;
  const base = c.kind === "enum" ? (c.values.length > 2 ? `${c.values.slice(0, -1).join(", ")} or ${c.values[c.values.length - 1]}` : c.values.join(" or "))
    : c.kind === "int" ? `an integer in [${c.min}, ${c.max}]`
    : c.kind === "number" ? (c.max === Infinity ? (c.openMin ? `a number above ${c.min}` : `a number ≥ ${c.min}`) : `a number in ${c.openMin ? "(" : "["}${c.min}, ${c.max}]`)
    : "a function";
  return d.auto ? `${base} or "auto"` : base;
}

/** The given flags' values, typed and checked by their declarations; absent flags are left out. */
export function libraryValues(table: Table, keys: readonly string[], v: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const d = table[key], name = flagOf(key, d), raw = v[name];
    if (typeof raw !== "string") continue;
    if (d.auto && raw === "auto") {
      out[key] = "auto";
      continue;
    }
    if (d.check.kind === "enum") {
      out[key] = choiceOption(name, raw, d.check.values);
      continue;
    }
    const value = NUMBER.test(raw.trim()) ? Number(raw) : NaN;
    if (!satisfies(d.check, value)) {
      const guess = d.auto ? closest(raw, ["auto"]) : undefined;
      throw new UsageError(`invalid option ${flag(name)}: expected ${expected(d)}, got ${Number.isNaN(value) ? JSON.stringify(raw) : raw}${guess ? ` (did you mean ${guess}?)` : ""}`);
    }
    out[key] = value;
  }
  return out;
}

/** Help notes for those flags: the declaration's doc, what it accepts, and its default. */
export function libraryNotes(table: Table, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const d = table[key];
    const dflt = d.cli?.default ?? (d.default !== undefined ? String(d.default) : undefined);
    out[flagOf(key, d)] = `${d.doc} (${expected(d)}${dflt !== undefined ? `; default ${dflt}` : ""})`;
  }
  return out;
}
