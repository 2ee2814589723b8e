/** diffmix plan DATA… -o PLAN.json: the plan of a fit (map, σ₀, regions, degree, levels) from a sample of the rows. */
import { FIT_OPTIONS, type FitOptions } from "../fit.ts";
import { STREAM_OPTIONS } from "../stream.ts";
import { planFiles } from "../files.ts";
import { writePlan } from "../io/shard-files.ts";
import { type CommandSpec, UsageError, libraryFlags, libraryNotes, libraryValues, optionLines, parseCommand } from "./args.ts";
import { type Io, checkOutput, outputOf } from "./common.ts";
import { summary } from "./fit.ts";
import { Progress } from "./progress.ts";
import { streamProgress } from "./stats.ts";

const FIT_FLAGS = ["map", "scale", "granularity", "R", "degree", "levels", "rMax", "maxUnknowns", "memory", "seed", "threads"] as const;
const STREAM_FLAGS = ["planRows", "firstRow"] as const;

export const spec: CommandSpec = {
  name: "plan",
  positionals: ["DATA", "DATA…"],
  options: {
    output: { type: "string", short: "o", value: "PLAN.json" },
    ...libraryFlags(STREAM_OPTIONS, STREAM_FLAGS),
    ...libraryFlags(FIT_OPTIONS, FIT_FLAGS),
    quiet: { type: "boolean", short: "q" },
    help: { type: "boolean", short: "h" },
  },
};

export const help = `Usage: diffmix plan DATA… -o PLAN.json [--plan-rows N] [fit options]

The first step of a fit in shards: reads DATA (.csv, .npy or .parquet files, in order, as one
table) once, keeps a seeded uniform sample of at most N rows (the same rows however the table
is cut into files), and chooses on it everything a fit fixes before its sums — the data map,
σ₀, the regions, the degree, the noise levels and their clip boxes — as diffmix fit does.
PLAN.json is {"format": "diffmix-plan", "version": 1, …} with the SHA-256 digest of its
content; config.planSample records how many rows chose it ({rows, seen}). Then:

  diffmix stats PLAN.json SHARD --first-row K -o SHARD.stats   (per shard, anywhere)
  diffmix merge A.stats B.stats … -o ALL.stats                  (in any order or grouping)
  diffmix solve PLAN.json ALL.stats -o MODEL.json

${optionLines(spec, {
  output: "the plan file to write (- for stdout)",
  ...libraryNotes(STREAM_OPTIONS, STREAM_FLAGS),
  ...libraryNotes(FIT_OPTIONS, FIT_FLAGS),
  quiet: "no progress bar or summary on stderr",
  help: "this text",
})}

Example:
  diffmix plan part-000.npy part-001.npy --plan-rows 100000 --seed 1 -o plan.json`;

export async function run(argv: string[], io: Io): Promise<void> {
  const { positionals: data, values: v } = parseCommand(argv, spec);
  const output = outputOf(v, "plan", "PLAN.json (the plan file to write)");
  const options = { ...libraryValues(FIT_OPTIONS, FIT_FLAGS, v), ...libraryValues(STREAM_OPTIONS, STREAM_FLAGS, v) } as FitOptions;
  if (data.filter((d) => d === "-").length > 0 && data.length > 1) throw new UsageError("plan: - (stdin) can only be the one DATA");
  checkOutput(output, data);
  const quiet = v.quiet === true;
  const progress = new Progress(io.err, quiet);
  const t0 = performance.now();
  const { plan, rows, cols } = await planFiles(data, { ...options, onProgress: streamProgress(progress) });
  progress.clear();
  await writePlan(output, plan);
  const ms = performance.now() - t0;
  if (!quiet) {
    const used = (plan.config.planSample as { rows: number }).rows;
    io.err.write(summary(plan, rows, cols, output === "-" ? "stdout" : output, ms, "plan", `, chosen on ${used === rows ? "all of them" : `a sample of ${used}`}`));
  }
}

