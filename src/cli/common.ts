/** What the commands share: streams, reading models and specs, presets, common options. */
import { DataError } from "../dataset.ts";
import { ModelError, ScoreModel } from "../model.ts";
import type { Table } from "../io/table.ts";
import { EVAL_MAX } from "../bounds.ts";
import type { LogpdfRunOptions } from "../density.ts";
import { logpdf } from "../node.ts";
import { type Mixture } from "../mixture.ts";
import { mixtureFromSpec } from "../mixture-spec.ts";
import { presets } from "../presets.ts";
import { checkWritable, readJSON, sameFile, STDIN } from "../io/files.ts";
import { UsageError, closest, intOption, libraryValues } from "./args.ts";
import { SEED } from "../options.ts";
import type { Stream } from "./progress.ts";

export interface Io {
  out: Stream;
  err: Stream;
}

export type Values = Record<string, string | boolean | undefined>;

export const COUNT_MAX = 1e9;

/** --seed S for the commands whose randomness is their own (gen, eval): the library's SEED declaration. */
export function seedOf(v: Values): number {
  return (libraryValues({ seed: SEED }, ["seed"], v).seed as number | undefined) ?? (SEED.default as number);
}

/** -n N: a positive integer. */
export function countOf(v: Values, command: string): number {
  if (v.n === undefined) throw new UsageError(`${command}: missing -n N (the number of samples)`);
  return intOption("n", v.n as string, 1, COUNT_MAX, "a positive integer");
}

export function outputOf(v: Values, command: string, what: string): string {
  if (v.output === undefined) throw new UsageError(`${command}: missing -o ${what}`);
  return v.output as string;
}

/**
 * Before any work: `output` can be written (io/files.ts checkWritable; exit 1 if not) and is
 * none of the files the command reads, by name or through a link (a usage error: exit 2).
 */
export function checkOutput(output: string, inputs: (string | undefined)[]): void {
  checkWritable(output);
  for (const input of inputs) {
    if (input !== undefined && sameFile(input, output)) {
      throw new UsageError(`${output}: the output would overwrite the input ${input} (write it to another file)`);
    }
  }
}

export const display = (path: string) => (path === "-" ? STDIN : path);

export async function readModel(path: string): Promise<ScoreModel> {
  return ScoreModel.fromJSON(await readJSON(path), display(path));
}

/** A table of points for the model: as many columns, and the same names where both have a header. */
export function checkColumns(model: ScoreModel, modelFile: string, table: Table, tableFile: string): void {
  const name = display(tableFile);
  if (table.cols !== model.dim) throw new ModelError(`${display(modelFile)}: dimension ${model.dim}, but ${name} has ${table.cols} columns`);
  if (model.columns && table.header && table.header.some((c, i) => c !== model.columns![i])) {
    const i = table.header.findIndex((c, k) => c !== model.columns![k]);
    throw new ModelError(`${name}: column ${i + 1} is ${JSON.stringify(table.header[i])}, but the model was fitted with ${JSON.stringify(model.columns[i])} there (columns: ${model.columns.join(", ")})`);
  }
}

/** A mixture from a spec file; its validation errors (plain Errors naming the file) become DataErrors. */
export async function readSpec(path: string): Promise<Mixture> {
  const json = await readJSON(path);
  try {
    return mixtureFromSpec(json, display(path));
  } catch (e) {
    throw new DataError((e as Error).message);
  }
}

/**
 * log p̂ of each row, all finite: a point the model does not evaluate (beyond 1e100 noise
 * scales of its centre, where logpdf gives −Infinity) fails the run, naming the row, since
 * an output file holds numbers only.
 */
export async function finiteLogpdf(model: ScoreModel, x: Float64Array, name: string, options?: LogpdfRunOptions): Promise<Float64Array> {
  const lp = await logpdf(model, x, options);
  const far = lp.findIndex((v) => !Number.isFinite(v));
  if (far >= 0) {
    const count = lp.reduce((c, v) => c + (Number.isFinite(v) ? 0 : 1), 0);
    const others = count > 1 ? ` (and ${count - 1} more row${count > 2 ? "s" : ""})` : "";
    throw new DataError(`${name}: row ${far + 1}${others} is more than ${EVAL_MAX.toExponential(0)} noise scales from the model's data: its log-density is not a number diffmix can compute (remove the row)`);
  }
  return lp;
}

export function presetNames(): string[] {
  return Object.keys(presets);
}

export function presetMixture(name: string): Mixture {
  if (!Object.hasOwn(presets, name)) {
    const guess = closest(name, presetNames());
    throw new UsageError(`unknown preset "${name}"${guess ? ` (did you mean ${guess}?)` : ""}; known: ${presetNames().join(", ")}`);
  }
  return mixtureFromSpec(presets[name], `preset ${name}`);
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}
