/** diffmix components MODEL.json: the mixture's components recovered from the score, as JSON. */
import { COMPONENTS_OPTIONS, type ComponentsOptions } from "../components.ts";
import { type CommandSpec, libraryFlags, libraryNotes, libraryValues, optionLines, parseCommand } from "./args.ts";
import { type Io, readModel } from "./common.ts";

const FLAGS = ["seed", "starts"] as const;

export const spec: CommandSpec = {
  name: "components",
  positionals: ["MODEL.json"],
  options: {
    ...libraryFlags(COMPONENTS_OPTIONS, FLAGS),
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
  ...libraryNotes(COMPONENTS_OPTIONS, FLAGS),
  help: "this text",
})}

Example:
  diffmix components model.json`;

export async function run(argv: string[], io: Io): Promise<void> {
  const { positionals: [modelFile], values: v } = parseCommand(argv, spec);
  const options = libraryValues(COMPONENTS_OPTIONS, FLAGS, v) as ComponentsOptions;
  const model = await readModel(modelFile);
  const c = Object.keys(options).length ? model.components(options) : model.components();
  io.out.write(JSON.stringify({ model: modelFile === "-" ? "stdin" : modelFile, ...c }) + "\n");
}
