/** diffmix fit DATA -o MODEL.json: learn the score from a table of samples. */
import { MIN_ROWS } from "../fit.ts";
import { fit } from "../node.ts";
import { DataError } from "../dataset.ts";
import { readTable, writeOutput, STDIN } from "../io/files.ts";
import { type CommandSpec, intOption, optionLines, parseCommand } from "./args.ts";
import { type Io, checkOutput, outputOf, seconds, seedOf, threadsOf } from "./common.ts";
import { Progress } from "./progress.ts";

export const spec: CommandSpec = {
  name: "fit",
  positionals: ["DATA"],
  options: {
    output: { type: "string", short: "o", value: "MODEL.json" },
    degree: { type: "string", value: "D" },
    levels: { type: "string", value: "L" },
    seed: { type: "string", value: "S" },
    threads: { type: "string", value: "T" },
    quiet: { type: "boolean", short: "q" },
    help: { type: "boolean", short: "h" },
  },
};

export const help = `Usage: diffmix fit DATA -o MODEL.json [--degree D] [--levels L] [--seed S] [--threads T] [--quiet]

Learns the score of the distribution behind DATA (a .csv or .npy table, one sample per row;
- reads CSV from stdin) and saves the model as JSON.

${optionLines(spec, {
  output: "the model file to write (- for stdout)",
  degree: 'polynomial degree per region, 0–12, or "auto" (default: picks from 0, 2, 6)',
  levels: "noise levels, 2–1000 (default 40)",
  seed: "random seed, 0–2147483647 (default 0)",
  threads: "worker threads, 1–256 (default: the machine's cores); the model does not depend on it",
  quiet: "no progress bar or summary on stderr",
  help: "this text",
})}

Example:
  diffmix gen --preset blobs2d -n 5000 -o data.csv
  diffmix fit data.csv -o model.json --levels 20`;

export async function run(argv: string[], io: Io): Promise<void> {
  const { positionals: [data], values: v } = parseCommand(argv, spec);
  const output = outputOf(v, "fit", "MODEL.json (the model file to write)");
  const degree = v.degree === undefined || v.degree === "auto" ? "auto" : intOption("degree", v.degree as string, 0, 12, 'an integer in [0, 12] or "auto"');
  const levels = v.levels === undefined ? 40 : intOption("levels", v.levels as string, 2, 1000);
  const seed = seedOf(v);
  const threads = threadsOf(v);
  const quiet = v.quiet === true;
  checkOutput(output, [data]);

  const table = await readTable(data);
  const name = data === "-" ? STDIN : data;
  if (table.rows < MIN_ROWS) throw new DataError(`${name}: ${table.rows} rows, but fit needs at least ${MIN_ROWS}`);
  const progress = new Progress(io.err, quiet);
  const t0 = performance.now();
  const model = await fit(table.x, {
    dim: table.cols, degree, levels, seed, threads,
    onProgress: (p) => p.phase === "select"
      ? progress.update("select", p.done, p.total, "configurations")
      : progress.update("fit", p.done, p.total, "levels"),
  });
  progress.clear();
  const ms = performance.now() - t0;
  await writeOutput(output, [JSON.stringify(model)]);
  if (!quiet) {
    io.err.write(`fit: ${table.rows} rows × ${table.cols} → ${output === "-" ? "stdout" : output}: ` +
      `${model.regions.weights.length} regions, degree ${model.degree}, ${model.levels.length} levels (${seconds(ms)})\n`);
  }
}
