/** diffmix eval SAMPLES --truth SPEC.json|--preset NAME|--reference DATA: quality as one JSON object. */
import { evaluate } from "../metrics/index.ts";
import { steinLoss } from "../metrics/stein.ts";
import { createKernels } from "../kernels/index.ts";
import { DataError } from "../dataset.ts";
import { ModelError } from "../model.ts";
import { readTable, STDIN } from "../io/files.ts";
import { type CommandSpec, UsageError, optionLines, parseCommand } from "./args.ts";
import { type Io, finiteLogpdf, presetMixture, presetNames, readModel, readSpec, seedOf } from "./common.ts";

/** What the metrics need (src/metrics/index.ts): two sample rows; a reference split in halves. */
const MIN_SAMPLES = 2, MIN_REFERENCE = 4;

export const spec: CommandSpec = {
  name: "eval",
  positionals: ["SAMPLES"],
  options: {
    truth: { type: "string", value: "SPEC.json" },
    preset: { type: "string", value: "NAME" },
    reference: { type: "string", value: "DATA" },
    model: { type: "string", value: "MODEL.json" },
    seed: { type: "string", value: "S" },
    help: { type: "boolean", short: "h" },
  },
};

export const help = `Usage: diffmix eval SAMPLES --truth SPEC.json [--seed S]
       diffmix eval SAMPLES --preset NAME [--seed S]
       diffmix eval SAMPLES --reference DATA [--seed S]

Measures how close SAMPLES (.csv or .npy; - reads CSV from stdin) are to a known
distribution (a spec file as for gen, or a preset) or, when no truth exists, to a reference
sample. Prints one JSON object on stdout:
  {"samples": FILE, "rows": m, "dim": n, "truth"|"reference": …, "metrics": {NAME: {"value": v, "floor": f}}}
Each metric's "floor" is its value for a fresh sample of the same size from the truth (or
the reference against itself, split): what a perfect sampler would score.

${optionLines(spec, {
  truth: "the true distribution: a spec file (see: diffmix gen --help)",
  preset: `the true distribution by name: ${presetNames().join(", ")}`,
  reference: "a table of samples to compare with (when no truth exists)",
  model: "also report the model's held-out Stein loss and negative log-likelihood on SAMPLES (\"model\": {\"steinLoss\", \"nll\"}: mean −log p̂ in nats; lower is better)",
  seed: "random seed for the floors and any subsampling (default 0)",
  help: "this text",
})}

Example:
  diffmix sample model.json -n 5000 -o - | diffmix eval - --preset blobs2d`;

export async function run(argv: string[], io: Io): Promise<void> {
  const { positionals: [file], values: v } = parseCommand(argv, spec);
  const given = (["truth", "preset", "reference"] as const).filter((k) => v[k] !== undefined);
  if (given.length > 1) throw new UsageError(`eval: give one of --truth, --preset and --reference, not ${given.map((k) => `--${k}`).join(" and ")}`);
  if (given.length === 0 && v.model === undefined) throw new UsageError("eval: missing --truth SPEC.json, --preset NAME or --reference DATA (see: diffmix eval --help)");
  const seed = seedOf(v);
  const preset = v.preset !== undefined ? presetMixture(v.preset as string) : undefined;

  const samples = await readTable(file);
  const name = file === "-" ? STDIN : file;
  const dim = samples.cols;
  const result: Record<string, unknown> = { samples: name, rows: samples.rows, dim };
  const need = (file: string, rows: number, min: number, what: string) => {
    if (rows < min) throw new DataError(`${file}: ${rows} row${rows === 1 ? "" : "s"}, but ${what} needs at least ${min}`);
  };
  if (given.length > 0) need(name, samples.rows, MIN_SAMPLES, "eval");
  if (given.length > 0) {
    const options: Parameters<typeof evaluate>[1] = { dim, seed };
    if (v.reference !== undefined) {
      const ref = await readTable(v.reference as string);
      if (ref.cols !== dim) throw new DataError(`${name}: ${dim} columns, but the reference ${v.reference} has ${ref.cols}`);
      need(v.reference as string, ref.rows, MIN_REFERENCE, "a reference");
      options.reference = ref.x;
      result.reference = v.reference;
    } else {
      const truth = preset ?? (await readSpec(v.truth as string));
      if (truth.dim !== dim) throw new DataError(`${name}: ${dim} columns, but the truth (${v.truth ?? `preset ${v.preset}`}) has dimension ${truth.dim}`);
      options.truth = truth;
      result.truth = v.truth ?? v.preset;
    }
    result.metrics = evaluate(samples.x, options);
  }
  if (v.model !== undefined) {
    const model = await readModel(v.model as string);
    if (model.dim !== dim) throw new ModelError(`${v.model}: dimension ${model.dim}, but ${name} has ${dim} columns`);
    const loss = steinLoss(createKernels(model.backend), model, samples.x, samples.rows, seed);
    const lp = await finiteLogpdf(model, samples.x, name);
    result.model = { file: v.model, steinLoss: loss, nll: -lp.reduce((s, x) => s + x, 0) / samples.rows };
  }
  io.out.write(JSON.stringify(result) + "\n");
}
