/** diffmix gen SPEC.json|--preset NAME -n N -o DATA: samples from a known distribution. */
import { totalmem } from "node:os";
import { writeTable } from "../io/files.ts";
import { type CommandSpec, UsageError, optionLines, parseCommand } from "./args.ts";
import { type Io, checkOutput, countOf, outputOf, presetMixture, presetNames, readSpec, seedOf } from "./common.ts";

export const spec: CommandSpec = {
  name: "gen",
  positionals: ["SPEC.json?"],
  options: {
    preset: { type: "string", value: "NAME" },
    n: { type: "string", short: "n", value: "N" },
    output: { type: "string", short: "o", value: "DATA" },
    seed: { type: "string", value: "S" },
    quiet: { type: "boolean", short: "q" },
    help: { type: "boolean", short: "h" },
  },
};

export const help = `Usage: diffmix gen SPEC.json -n N -o DATA [--seed S]
       diffmix gen --preset NAME -n N -o DATA [--seed S]

Draws N samples from a known distribution p = ∫ N(μ, I) dν(μ) and writes them as CSV, or NPY
when DATA ends in .npy (- writes CSV to stdout). SPEC.json is one of
  {"weights": [0.5, 0.5], "means": [[-3, 0], [3, 0]]}               Gaussians, identity covariance
  {"type": "circle", "center": [0, 0], "radius": 5}                 μ uniform on a circle
  {"type": "sphere", "center": [0, 0, 0], "radius": 3}              … on a sphere
  {"type": "segments", "segments": [[[-5, -5], [5, 5]], …]}         … on segments
  {"type": "balls", "centers": [[-5, 0], …], "radii": [1.5, …]}     … in a union of balls
("weights" is optional for segments and balls; "kind" may be written for "type").

${optionLines(spec, {
  preset: `a named distribution instead of SPEC.json: ${presetNames().join(", ")}`,
  n: "how many samples (a positive integer)",
  output: "the table to write: .csv, .npy, or - for stdout",
  seed: "random seed, 0–2147483647 (default 0)",
  quiet: "no summary on stderr",
  help: "this text",
})}

Example:
  diffmix gen --preset ring -n 5000 -o ring.csv --seed 1`;

export async function run(argv: string[], io: Io): Promise<void> {
  const { positionals: [specFile], values: v } = parseCommand(argv, spec);
  if (specFile !== undefined && v.preset !== undefined) throw new UsageError("gen: give SPEC.json or --preset NAME, not both");
  if (specFile === undefined && v.preset === undefined) throw new UsageError("gen: missing SPEC.json or --preset NAME (see: diffmix gen --help)");
  const count = countOf(v, "gen");
  const output = outputOf(v, "gen", "DATA (a .csv or .npy file, or - for stdout)");
  const seed = seedOf(v);
  const mixture = v.preset !== undefined ? presetMixture(v.preset as string) : undefined;
  checkOutput(output, [specFile]);
  const truth = mixture ?? (await readSpec(specFile));
  // A mixture draws all its rows at once (its streams span the whole count): refuse what cannot be held.
  const bytes = 8 * count * truth.dim;
  if (bytes > totalmem()) {
    throw new UsageError(`gen: -n ${count} × ${truth.dim} columns is ${(bytes / 2 ** 30).toFixed(1)} GiB of numbers, more than this machine's memory (${(totalmem() / 2 ** 30).toFixed(1)} GiB; gen holds them all): use a smaller -n`);
  }
  await writeTable(output, truth.sample(count, seed), truth.dim);
  if (v.quiet !== true) io.err.write(`gen: ${count} × ${truth.dim} (${truth.kind}) → ${output === "-" ? "stdout" : output}\n`);
}
