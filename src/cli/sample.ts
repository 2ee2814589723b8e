/** diffmix sample MODEL.json -n N -o OUT: draw new samples by reverse diffusion. */
import { SAMPLE_OPTIONS, type SampleOptions } from "../sample.ts";
import { sampleChunks } from "../node.ts";
import { writeRows } from "../io/files.ts";
import { type CommandSpec, libraryFlags, libraryNotes, libraryValues, optionLines, parseCommand } from "./args.ts";
import { type Io, checkOutput, countOf, outputOf, readModel, seconds } from "./common.ts";

/** The library's sample options offered here, declared in src/sample.ts. */
const FLAGS = ["seed", "start", "steps", "method", "threads"] as const;
import { Progress } from "./progress.ts";

export const spec: CommandSpec = {
  name: "sample",
  positionals: ["MODEL.json"],
  options: {
    n: { type: "string", short: "n", value: "N" },
    output: { type: "string", short: "o", value: "OUT" },
    ...libraryFlags(SAMPLE_OPTIONS, FLAGS),
    quiet: { type: "boolean", short: "q" },
    help: { type: "boolean", short: "h" },
  },
};

export const help = `Usage: diffmix sample MODEL.json -n N -o OUT [--seed S] [--start K] [--steps K] [--method exp|em|ode] [--quiet]

Draws N samples from a fitted model by running the probability-flow ODE (or with --method exp
or em the reverse SDE) from t = T to 0 and
writes them as CSV, or NPY when OUT ends in .npy (- writes CSV to stdout). Each seed is one
stream of samples: --start K writes its rows K … K+N−1, so shards of a large sample drawn
anywhere concatenate to the output of one call.

${optionLines(spec, {
  n: "how many samples (a positive integer)",
  output: "the table to write: .csv, .npy, or - for stdout",
  ...libraryNotes(SAMPLE_OPTIONS, FLAGS),
  quiet: "no progress bar or summary on stderr",
  help: "this text",
})}

Example:
  diffmix sample model.json -n 10000 -o samples.csv --seed 7
  diffmix sample model.json -n 10000 -o part-1.npy --seed 7 --start 10000`;

export async function run(argv: string[], io: Io): Promise<void> {
  const { positionals: [modelFile], values: v } = parseCommand(argv, spec);
  const count = countOf(v, "sample");
  const output = outputOf(v, "sample", "OUT (a .csv or .npy file, or - for stdout)");
  const options = libraryValues(SAMPLE_OPTIONS, FLAGS, v) as SampleOptions;
  const quiet = v.quiet === true;
  checkOutput(output, [modelFile]);

  const model = await readModel(modelFile);
  const progress = new Progress(io.err, quiet);
  const t0 = performance.now();
  // Written as the batches come (any N: one piece of batches in memory at a time).
  const pieces = sampleChunks(model, count, { ...options, onProgress: (p) => progress.update("sample", p.done, p.total, "batches") });
  await writeRows(output, pieces, count, model.dim);
  progress.clear();
  const ms = performance.now() - t0;
  const range = options.start ? ` (rows ${options.start}…${options.start + count - 1})` : "";
  if (!quiet) io.err.write(`sample: ${count} × ${model.dim}${range} → ${output === "-" ? "stdout" : output} (${seconds(ms)})\n`);
}
