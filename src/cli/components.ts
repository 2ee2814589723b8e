/** diffmix components MODEL.json: the mixture's components recovered from the score, as JSON. */
import { type CommandSpec, intOption, optionLines, parseCommand } from "./args.ts";
import { type Io, readModel, seedOf } from "./common.ts";

export const spec: CommandSpec = {
  name: "components",
  positionals: ["MODEL.json"],
  options: {
    seed: { type: "string", value: "S" },
    starts: { type: "string", value: "N" },
    help: { type: "boolean", short: "h" },
  },
};

export const help = `Usage: diffmix components MODEL.json [--seed S] [--starts N]

Reads the weights and means of a discrete mixture p = Σ wᵢ N(μᵢ, I) off a fitted model, with
k found from the fixed points of the learned posterior mean (mean shift at small noise from
points drawn from the model), and prints one JSON object on stdout:
  {"model": FILE, "k": k, "weights": [...], "means": [[...], ...], "modes": [...], "diagnostics": {...}}
When no finite mixture fits (a continuous mixing measure: a ridge of fixed points rather
than isolated modes, or a posterior mean that varies inside the basins) "k" is null and
"reason" says which check failed; the exit code is still 0.

${optionLines(spec, {
  seed: "random seed for the points drawn from the model, 0–2147483647 (default 0)",
  starts: "mean-shift starts, 10–20000 (default 1000)",
  help: "this text",
})}

Example:
  diffmix components model.json`;

export async function run(argv: string[], io: Io): Promise<void> {
  const { positionals: [modelFile], values: v } = parseCommand(argv, spec);
  const seed = seedOf(v);
  const starts = v.starts === undefined ? undefined : intOption("starts", v.starts as string, 10, 20000);
  const model = await readModel(modelFile);
  const c = model.components({ seed, starts });
  io.out.write(JSON.stringify({ model: modelFile === "-" ? "stdin" : modelFile, ...c }) + "\n");
}
