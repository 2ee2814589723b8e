/** diffmix stats PLAN.json SHARD -o S.stats: a plan's sums over one shard's rows, streamed. */
import { STREAM_OPTIONS } from "../stream.ts";
import type { StreamProgress } from "../stream.ts";
import { statsFile } from "../files.ts";
import { THREADS } from "../options.ts";
import { readPlan, writeStats } from "../io/shard-files.ts";
import { describeRanges } from "../shards.ts";
import { type CommandSpec, UsageError, libraryFlags, libraryNotes, libraryValues, optionLines, parseCommand } from "./args.ts";
import { type Io, checkOutput, outputOf, seconds } from "./common.ts";
import { Progress } from "./progress.ts";

const OPTIONS = { firstRow: STREAM_OPTIONS.firstRow, threads: THREADS };
const FLAGS = ["firstRow", "threads"] as const;

export const spec: CommandSpec = {
  name: "stats",
  positionals: ["PLAN.json", "SHARD"],
  options: {
    output: { type: "string", short: "o", value: "S.stats" },
    ...libraryFlags(OPTIONS, FLAGS),
    quiet: { type: "boolean", short: "q" },
    help: { type: "boolean", short: "h" },
  },
};

export const help = `Usage: diffmix stats PLAN.json SHARD -o S.stats [--first-row K] [--threads T]

The plan's sums over the rows of SHARD (.csv, .npy or .parquet; - reads CSV from stdin), read
block by block: memory does not grow with the shard. Row k of SHARD is row K + k of the whole
data: its noise comes from the seed, the level and that index, so shards cut anywhere, merged
in any order or grouping (diffmix merge), give the sums of the whole. S.stats is binary
(versioned, with the plan's digest, the row ranges it covers and a SHA-256 checksum).

${optionLines(spec, {
  output: "the stats file to write (- for stdout)",
  ...libraryNotes(OPTIONS, FLAGS),
  quiet: "no progress bar or summary on stderr",
  help: "this text",
})}

Example:
  diffmix stats plan.json part-001.npy --first-row 1000000 -o part-001.stats`;

/** The CLI's progress bar for the streamed passes. */
export function streamProgress(progress: Progress) {
  return (p: StreamProgress) => {
    if (p.phase === "select") progress.update("select", p.done, p.total, "candidates");
    else if (p.phase === "fit") progress.update("fit", p.done, p.total, "levels");
    else if (p.total) progress.update(p.phase, p.done, p.total, "rows");
    else progress.update(p.phase, 0, 1, "", `${p.done} rows`);
  };
}

export async function run(argv: string[], io: Io): Promise<void> {
  const { positionals: [planFile, shard], values: v } = parseCommand(argv, spec);
  const output = outputOf(v, "stats", "S.stats (the stats file to write)");
  const options = libraryValues(OPTIONS, FLAGS, v) as { firstRow?: number; threads?: number };
  if (planFile === "-" && shard === "-") throw new UsageError("stats: PLAN.json and SHARD cannot both be - (stdin)");
  checkOutput(output, [planFile, shard]);
  const quiet = v.quiet === true;
  const plan = await readPlan(planFile);
  const progress = new Progress(io.err, quiet);
  const t0 = performance.now();
  const s = await statsFile(plan, shard, { ...options, onProgress: streamProgress(progress) });
  progress.clear();
  await writeStats(output, s, plan);
  if (!quiet) io.err.write(`stats: ${s.stats.rows} rows of ${shard === "-" ? "stdin" : shard} (${describeRanges(s.ranges)} of the whole) → ${output === "-" ? "stdout" : output} (${seconds(performance.now() - t0)})\n`);
}
