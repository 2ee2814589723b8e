/** diffmix sample MODEL.json -n N -o OUT: draw new samples by reverse diffusion. */
import { DEFAULT_STEPS } from "../sample.ts";
import { sample } from "../node.ts";
import { writeTable } from "../io/files.ts";
import { type CommandSpec, choiceOption, intOption, optionLines, parseCommand } from "./args.ts";
import { type Io, checkOutput, countOf, outputOf, readModel, seconds, seedOf, threadsOf } from "./common.ts";
import { Progress } from "./progress.ts";

export const spec: CommandSpec = {
  name: "sample",
  positionals: ["MODEL.json"],
  options: {
    n: { type: "string", short: "n", value: "N" },
    output: { type: "string", short: "o", value: "OUT" },
    seed: { type: "string", value: "S" },
    steps: { type: "string", value: "K" },
    method: { type: "string", value: "exp|em|ode" },
    threads: { type: "string", value: "T" },
    quiet: { type: "boolean", short: "q" },
    help: { type: "boolean", short: "h" },
  },
};

export const help = `Usage: diffmix sample MODEL.json -n N -o OUT [--seed S] [--steps K] [--method exp|em|ode] [--quiet]

Draws N samples from a fitted model by running the reverse diffusion from t = T to 0 and
writes them as CSV, or NPY when OUT ends in .npy (- writes CSV to stdout).

${optionLines(spec, {
  n: "how many samples (a positive integer)",
  output: "the table to write: .csv, .npy, or - for stdout",
  seed: "random seed, 0–2147483647 (default 0)",
  steps: `reverse steps, 1–100000 (default ${DEFAULT_STEPS.exp} for exp and em, ${DEFAULT_STEPS.ode} for ode)`,
  method: "exp (default: exponential integrator), em (Euler–Maruyama) or ode (the probability-flow ODE, deterministic after the start)",
  threads: "worker threads, 1–256 (default: the machine's cores); the samples do not depend on it",
  quiet: "no progress bar or summary on stderr",
  help: "this text",
})}

Example:
  diffmix sample model.json -n 10000 -o samples.csv --seed 7`;

export async function run(argv: string[], io: Io): Promise<void> {
  const { positionals: [modelFile], values: v } = parseCommand(argv, spec);
  const count = countOf(v, "sample");
  const output = outputOf(v, "sample", "OUT (a .csv or .npy file, or - for stdout)");
  const seed = seedOf(v);
  const steps = v.steps === undefined ? undefined : intOption("steps", v.steps as string, 1, 100000);
  const method = v.method === undefined ? "exp" : choiceOption("method", v.method as string, ["exp", "em", "ode"] as const);
  const threads = threadsOf(v);
  const quiet = v.quiet === true;
  checkOutput(output, [modelFile]);

  const model = await readModel(modelFile);
  const progress = new Progress(io.err, quiet);
  const t0 = performance.now();
  const xs = await sample(model, count, { seed, steps, method, threads, onProgress: (p) => progress.update("sample", p.done, p.total, "batches") });
  progress.clear();
  const ms = performance.now() - t0;
  await writeTable(output, xs, model.dim);
  if (!quiet) io.err.write(`sample: ${count} × ${model.dim} → ${output === "-" ? "stdout" : output} (${seconds(ms)})\n`);
}
