/** diffmix merge S1.stats S2.stats … -o ALL.stats: the sums of the union of their rows. */
import { mergeShards, readStats, writeStats } from "../io/shard-files.ts";
import { addInto, describeRanges } from "../shards.ts";
import { type CommandSpec, UsageError, optionLines, parseCommand } from "./args.ts";
import { type Io, checkOutput, outputOf, seconds } from "./common.ts";

export const spec: CommandSpec = {
  name: "merge",
  positionals: ["S.stats", "S.stats…"],
  options: {
    output: { type: "string", short: "o", value: "ALL.stats" },
    quiet: { type: "boolean", short: "q" },
    help: { type: "boolean", short: "h" },
  },
};

export const help = `Usage: diffmix merge S1.stats S2.stats … -o ALL.stats

Adds stats files made with the same plan (diffmix stats, or earlier merges): the sums of the
union of their rows, in any order or grouping. Files of another plan or version, damaged or
truncated files, and files that share rows (a shard counted twice) are refused by name.

${optionLines(spec, {
  output: "the stats file to write (- for stdout)",
  quiet: "no summary on stderr",
  help: "this text",
})}

Example:
  diffmix merge part-*.stats -o all.stats`;

export async function run(argv: string[], io: Io): Promise<void> {
  const { positionals: inputs, values: v } = parseCommand(argv, spec);
  const output = outputOf(v, "merge", "ALL.stats (the stats file to write)");
  if (inputs.includes("-")) throw new UsageError("merge: stats files are read by name (- is not accepted)");
  checkOutput(output, inputs);
  const t0 = performance.now();
  const all = readStats(inputs[0]);
  for (const name of inputs.slice(1)) mergeShards(all, inputs[0] + (inputs.length > 2 ? " (and the files before it)" : ""), readStats(name), name, (a, b) => void addInto(a, b));
  await writeStats(output, all, all.header);
  if (v.quiet !== true) io.err.write(`merge: ${inputs.length} files, ${all.stats.rows} rows (${describeRanges(all.ranges)}) → ${output === "-" ? "stdout" : output} (${seconds(performance.now() - t0)})\n`);
}
