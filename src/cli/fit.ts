/** diffmix fit DATA -o MODEL.json: learn the score from a table of samples. */
import { statSync } from "node:fs";
import { FIT_OPTIONS, MIN_ROWS, type FitOptions, type FitPlan } from "../fit.ts";
import { fit } from "../node.ts";
import { fitFile } from "../files.ts";
import { STREAM_OPTIONS } from "../stream.ts";
import { DataError } from "../dataset.ts";
import type { ScoreModel } from "../model.ts";
import { readTable, writeOutput, STDIN } from "../io/files.ts";
import { type CommandSpec, UsageError, choiceOption, libraryFlags, libraryNotes, libraryValues, optionLines, parseCommand } from "./args.ts";
import { type Io, checkOutput, outputOf, seconds } from "./common.ts";
import { Progress } from "./progress.ts";
import { streamProgress } from "./stats.ts";

/** The library's fit options offered here, declared in src/fit.ts. */
const FLAGS = ["map", "gates", "scale", "granularity", "R", "degree", "regions", "levels", "rMax", "maxUnknowns", "memory", "seed", "threads"] as const;
const STREAM_FLAGS = ["planRows"] as const;

/** Files larger than this are fitted streamed (--mode auto): read in passes, never all in memory. */
export const STREAM_BYTES = 128 * 2 ** 20;
const MODES = ["auto", "memory", "stream"] as const;

export const spec: CommandSpec = {
  name: "fit",
  positionals: ["DATA"],
  options: {
    output: { type: "string", short: "o", value: "MODEL.json" },
    ...libraryFlags(FIT_OPTIONS, FLAGS),
    mode: { type: "string", value: "auto|memory|stream" },
    ...libraryFlags(STREAM_OPTIONS, STREAM_FLAGS),
    quiet: { type: "boolean", short: "q" },
    help: { type: "boolean", short: "h" },
  },
};

export const help = `Usage: diffmix fit DATA -o MODEL.json [options]

Learns the distribution behind DATA (a .csv or .npy table, one sample per row; - reads CSV
from stdin) and saves the model as JSON. What is left "auto" — the data map, the noise scale
σ₀, the granularity, R and the degree — is chosen by held-out log-likelihood, and the summary
says what was chosen; the model records every candidate ("selection").

A file larger than ${STREAM_BYTES / 2 ** 20} MiB is fitted streamed (--mode auto): a first pass keeps a
seeded uniform sample of --plan-rows rows, on which the map, σ₀, regions and degree are
chosen; a second pass sums every row, block by block, so memory does not grow with the file.
The model's "rows" counts the rows summed; config.planSample the rows that chose the plan.
--mode memory or stream forces either; stdin is always read into memory.

${optionLines(spec, {
  output: "the model file to write (- for stdout)",
  ...libraryNotes(FIT_OPTIONS, FLAGS),
  mode: `memory (all rows read, then fitted), stream (two passes over the file), or auto: stream above ${STREAM_BYTES / 2 ** 20} MiB (default auto)`,
  ...libraryNotes(STREAM_OPTIONS, STREAM_FLAGS),
  quiet: "no progress bar or summary on stderr",
  help: "this text",
})}

Example:
  diffmix gen --preset blobs2d -n 5000 -o data.csv
  diffmix fit data.csv -o model.json
  diffmix fit heights.csv -o model.json --map isotropic --scale 0.5
  diffmix fit big.npy -o model.json --mode stream --plan-rows 200000`;

export async function run(argv: string[], io: Io): Promise<void> {
  const { positionals: [data], values: v } = parseCommand(argv, spec);
  const output = outputOf(v, "fit", "MODEL.json (the model file to write)");
  const options = libraryValues(FIT_OPTIONS, FLAGS, v) as FitOptions;
  const stream = libraryValues(STREAM_OPTIONS, STREAM_FLAGS, v) as { planRows?: number };
  const mode = v.mode === undefined ? "auto" : choiceOption("mode", v.mode as string, MODES);
  const quiet = v.quiet === true;
  if (mode === "stream" && data === "-") throw new UsageError("fit: --mode stream reads the file twice, so it needs a file, not - (stdin)");
  checkOutput(output, [data]);

  const streamed = mode === "stream" || (mode === "auto" && data !== "-" && sizeOf(data) > STREAM_BYTES);
  if (streamed) {
    const progress = new Progress(io.err, quiet);
    const t0 = performance.now();
    const model = await fitFile(data, { ...options, ...stream, onProgress: streamProgress(progress) });
    progress.clear();
    const ms = performance.now() - t0;
    await writeOutput(output, [JSON.stringify(model)]);
    const used = (model.config.planSample as { rows: number }).rows;
    if (!quiet) io.err.write(summary(model, model.rows, model.dim, output === "-" ? "stdout" : output, ms, "fit", ` (streamed; the plan chosen on ${used === model.rows ? "all of them" : `a sample of ${used}`})`));
    return;
  }
  if (stream.planRows !== undefined) throw new UsageError("fit: --plan-rows applies to a streamed fit (--mode stream, or a file above the threshold)");
  const table = await readTable(data);
  const name = data === "-" ? STDIN : data;
  if (table.rows < MIN_ROWS) throw new DataError(`${name}: ${table.rows} rows, but fit needs at least ${MIN_ROWS}`);
  const progress = new Progress(io.err, quiet);
  const t0 = performance.now();
  const model = await fit(table.x, {
    ...options, dim: table.cols, ...(table.header ? { columns: table.header } : {}),
    onProgress: (p) => p.phase === "select"
      ? progress.update("select", p.done, p.total, "candidates")
      : progress.update("fit", p.done, p.total, "levels"),
  }).catch((e) => {
    // The library names its input "data": here it is the file.
    throw e instanceof DataError && e.message.startsWith("data: ") ? new DataError(`${name}: ${e.message.slice(6)}`) : e;
  });
  progress.clear();
  const ms = performance.now() - t0;
  await writeOutput(output, [JSON.stringify(model)]);
  if (!quiet) io.err.write(summary(model, table.rows, table.cols, output === "-" ? "stdout" : output, ms));
}

/** The size of a file (0 if it cannot be read: the read says why). */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** What a summary reads: a model, or a plan (the same fields, levels without coefficients). */
type Summarised = Pick<FitPlan, "config" | "map" | "regions" | "ladder" | "degree" | "dequantised" | "compressed" | "columns" | "selection"> & { levels: unknown[] };

/** One line of what was fitted and chosen, then (when something was chosen) the candidates' scores. */
export function summary(model: Summarised, rows: number, cols: number, out: string, ms: number, command = "fit", note = ""): string {
  const c = model.config, map = model.map;
  const what = `${map.kind} map, ${c.gates ?? "soft"} gates, σ₀ ${fmt(map.scale)}, ${c.granularity} micro-clusters, R ${c.R} → ${model.regions.weights.length} regions${ladder(model)}, degree ${model.degree}, ${model.levels.length} levels`;
  const dq = model.dequantised.length ? `; dequantised ${model.dequantised.length} grid-valued column${model.dequantised.length > 1 ? "s" : ""}` : "";
  const squeezed = model.compressed?.length ? `; compressed ${model.compressed.length} heavy-tailed column${model.compressed.length > 1 ? "s" : ""} by asinh (${model.compressed.map((q) => `${q.column + 1}${model.columns ? ` ${JSON.stringify(model.columns[q.column])}` : ""}`).join(", ")})` : "";
  let text = `${command}: ${rows} rows × ${cols}${note} → ${out}: ${what}${ranks(model.regions.ranks)}${dq}${squeezed} (${seconds(ms)})\n`;
  if (model.selection.length > 1) {
    const chosen = (s: ScoreModel["selection"][number]) => (["map", "gates", "scale", "granularity", "R", "degree"] as const).every((k) => s[k] === c[k]);
    const confirmed = model.selection.some((s) => s.confirmed !== undefined);
    text += `  chosen (*) from ${model.selection.length} candidates by held-out −log p̂, nats per row${confirmed ? " (the best again on more rows in the last column)" : ""}:\n`;
    for (const s of model.selection) {
      const again = typeof s.confirmed === "number" ? `  ${s.confirmed.toFixed(4)}` : "";
      text += `  ${chosen(s) ? "*" : " "} ${String(s.map).padEnd(9)} ${String(s.gates ?? "soft").padEnd(10)} σ₀ ${fmt(s.scale as number).padEnd(7)} K ${String(s.granularity).padEnd(4)} R ${String(s.R).padEnd(2)} degree ${s.degree}  ${s.loss === null ? s.note : s.loss.toFixed(4)}${again}\n`;
    }
  }
  return text;
}

/** The regions' frame ranks, "; frame ranks 1×r15 4×r16" (none without frames). */
function ranks(r: number[]): string {
  if (!r.some((v) => v > 0)) return "";
  const count = new Map<number, number>();
  for (const v of r) count.set(v, (count.get(v) ?? 0) + 1);
  return `; frame ranks ${[...count].sort((a, b) => a[0] - b[0]).map(([v, k]) => `${k}×r${v}`).join(" ")}`;
}

/** A ladder's region counts from the lowest level's set up: ", a ladder of 5 sets (12 → 1 regions)". */
function ladder(model: Summarised): string {
  if (!model.ladder) return "";
  const counts = [model.regions, ...model.ladder].map((r) => r.weights.length);
  return ` at the lowest levels, a ladder of ${counts.length} set${counts.length > 1 ? "s" : ""} (${counts.join(" → ")} regions as t grows)`;
}

const fmt = (v: number) => (Math.abs(v) >= 1000 || Math.abs(v) < 0.01 ? v.toExponential(3) : v.toPrecision(4));
