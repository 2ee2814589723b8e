/** diffmix logpdf MODEL.json POINTS -o OUT: the model's log-density at each point. */
import { LOGPDF_RUN_OPTIONS, type LogpdfRunOptions } from "../density.ts";
import { readTable, writeTable } from "../io/files.ts";
import { type CommandSpec, UsageError, libraryFlags, libraryNotes, libraryValues, optionLines, parseCommand } from "./args.ts";

const FLAGS = ["steps", "tolerance", "threads"] as const;
import { type Io, checkColumns, checkOutput, display, finiteLogpdf, outputOf, readModel, seconds } from "./common.ts";

export const spec: CommandSpec = {
  name: "logpdf",
  positionals: ["MODEL.json", "POINTS"],
  options: {
    output: { type: "string", short: "o", value: "OUT" },
    ...libraryFlags(LOGPDF_RUN_OPTIONS, FLAGS),
    quiet: { type: "boolean", short: "q" },
    help: { type: "boolean", short: "h" },
  },
};

export const help = `Usage: diffmix logpdf MODEL.json POINTS -o OUT [--steps K] [--tolerance NATS] [--threads T] [--quiet]

Writes log p̂(x), the fitted model's log-density, for each row of POINTS (.csv or .npy; -
reads CSV from stdin): one number per line, in input order, as CSV (or NPY when OUT ends in
.npy; - writes to stdout). The density is exact for the learned score: the probability-flow
ODE carries each point from t = 0 to T, adding the exact divergence of the score, and ends
on the Gaussian the sampler starts from. The mean of −log p̂ over held-out data is the
model's negative log-likelihood.

${optionLines(spec, {
  output: "the table to write: .csv, .npy, or - for stdout",
  ...libraryNotes(LOGPDF_RUN_OPTIONS, FLAGS),
  quiet: "no summary on stderr",
  help: "this text",
})}

Example:
  diffmix logpdf model.json heldout.csv -o logp.csv`;

export async function run(argv: string[], io: Io): Promise<void> {
  const { positionals: [modelFile, pointsFile], values: v } = parseCommand(argv, spec);
  const output = outputOf(v, "logpdf", "OUT (a .csv or .npy file, or - for stdout)");
  const options = libraryValues(LOGPDF_RUN_OPTIONS, FLAGS, v) as LogpdfRunOptions;
  if (modelFile === "-" && pointsFile === "-") throw new UsageError("logpdf: MODEL.json and POINTS cannot both be - (stdin)");
  checkOutput(output, [modelFile, pointsFile]);
  const model = await readModel(modelFile);
  const points = await readTable(pointsFile);
  checkColumns(model, modelFile, points, pointsFile);
  const t0 = performance.now();
  const lp = await finiteLogpdf(model, points.x, display(pointsFile), options);
  const ms = performance.now() - t0;
  await writeTable(output, lp, 1);
  if (v.quiet !== true) {
    const nll = -lp.reduce((s, x) => s + x, 0) / Math.max(1, lp.length);
    io.err.write(`logpdf: ${points.rows} points → ${output === "-" ? "stdout" : output} (mean −log p̂ ${nll.toFixed(4)}; ${seconds(ms)})\n`);
  }
}
