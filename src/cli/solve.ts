/** diffmix solve PLAN.json ALL.stats -o MODEL.json: the model of a plan from the sums of its rows. */
import { solve } from "../node.ts";
import { checkStatsPlan, readPlan, readStats } from "../io/shard-files.ts";
import { describeRanges } from "../shards.ts";
import { writeOutput } from "../io/files.ts";
import { type CommandSpec, UsageError, optionLines, parseCommand } from "./args.ts";
import { type Io, checkOutput, outputOf, seconds } from "./common.ts";

export const spec: CommandSpec = {
  name: "solve",
  positionals: ["PLAN.json", "ALL.stats"],
  options: {
    output: { type: "string", short: "o", value: "MODEL.json" },
    quiet: { type: "boolean", short: "q" },
    help: { type: "boolean", short: "h" },
  },
};

export const help = `Usage: diffmix solve PLAN.json ALL.stats -o MODEL.json

Solves each level's normal equations from the sums in ALL.stats (diffmix stats or merge, made
with this plan) and writes the model, as diffmix fit does. The model's "rows" is the number of
rows the sums saw; config.planSample says how many chose the plan.

${optionLines(spec, {
  output: "the model file to write (- for stdout)",
  quiet: "no summary on stderr",
  help: "this text",
})}

Example:
  diffmix solve plan.json all.stats -o model.json`;

export async function run(argv: string[], io: Io): Promise<void> {
  const { positionals: [planFile, statsName], values: v } = parseCommand(argv, spec);
  const output = outputOf(v, "solve", "MODEL.json (the model file to write)");
  if (statsName === "-") throw new UsageError("solve: the stats file is read by name (- is not accepted)");
  checkOutput(output, [planFile, statsName]);
  const t0 = performance.now();
  const plan = await readPlan(planFile);
  const s = readStats(statsName);
  checkStatsPlan(s, statsName, plan, planFile === "-" ? "stdin" : planFile);
  if (s.stats.rows === 0) throw new UsageError(`${statsName}: holds no rows`);
  const model = solve(plan, s.stats);
  await writeOutput(output, [JSON.stringify(model)]);
  if (v.quiet !== true) io.err.write(`solve: ${s.stats.rows} rows (${describeRanges(s.ranges)}) → ${output === "-" ? "stdout" : output}: ${model.regions.weights.length} regions, degree ${model.degree}, ${model.levels.length} levels (${seconds(performance.now() - t0)})\n`);
}
