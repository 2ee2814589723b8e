/**
 * The embedded default job, what a newcomer sees first: generate the blobs2d preset, fit,
 * sample, compare with the EM baseline that is told the number of components, print a short
 * table and draw diffmix-demo.svg.
 */
import { fit, sample } from "../node.ts";
import { DEFAULT_STEPS } from "../sample.ts";
import { fitEM, sampleEM } from "../em.ts";
import { evaluate } from "../metrics/index.ts";
import { mixtureFromSpec } from "../mixture-spec.ts";
import { presets } from "../presets.ts";
import { checkWritable, writeOutput } from "../io/files.ts";
import { type CommandSpec, choiceOption, intOption, libraryValues, optionLines, parseCommand } from "./args.ts";
import { FIT_OPTIONS } from "../fit.ts";
import type { Io } from "./common.ts";
import { Progress, type Stream } from "./progress.ts";
import { planeFigure } from "../plot/plane.ts";
import { BASELINE, SAMPLES } from "../plot/colours.ts";

export const spec: CommandSpec = {
  name: "demo",
  positionals: [],
  options: {
    output: { type: "string", short: "o", value: "PICTURE.svg" },
    rows: { type: "string", value: "N" },
    draws: { type: "string", value: "N" },
    levels: { type: "string", value: "L" },
    method: { type: "string", value: "ode|exp|em" },
    quiet: { type: "boolean", short: "q" },
    help: { type: "boolean", short: "h" },
  },
};

const ROWS = 20000, DRAWS = 100000, LEVELS = 40;

export const help = `Usage: diffmix demo [-o PICTURE.svg] [--rows N] [--draws N] [--levels L] [--quiet]

The embedded default: draws training rows from the blobs2d preset (5 Gaussians in 2-D),
fits diffmix, generates new samples, fits the EM baseline (identity covariances, k = 5
given), prints their quality against the exact density (with the floor: the same measure
for a fresh true sample) and the times, and draws a picture: data vs generated samples, the
regions at three noise levels, and the learned score field.

${optionLines(spec, {
  output: "the picture to write (default diffmix-demo.svg)",
  rows: `training rows (default ${ROWS})`,
  draws: `generated samples (default ${DRAWS})`,
  levels: `noise levels of the fit (default ${LEVELS})`,
  method: "sampler: ode (default: the probability-flow ODE, 50 steps; as close to the truth as the SDE at 320 steps, 6× faster), exp or em (the reverse SDE)",
  quiet: "no progress bar",
  help: "this text",
})}

Example:
  npx diffmix demo`;

export interface DemoOptions {
  rows?: number;
  draws?: number;
  levels?: number;
  method?: "ode" | "exp" | "em";
  picture?: string;
  quiet?: boolean;
}

export async function run(argv: string[], io: Io): Promise<void> {
  const { values: v } = parseCommand(argv, spec);
  await demo(io.out, io.err, {
    rows: v.rows === undefined ? undefined : intOption("rows", v.rows as string, 100, 1e7),
    draws: v.draws === undefined ? undefined : intOption("draws", v.draws as string, 100, 1e8),
    levels: libraryValues(FIT_OPTIONS, ["levels"], v).levels as number | undefined,
    method: v.method === undefined ? undefined : choiceOption("method", v.method as string, ["ode", "exp", "em"] as const),
    picture: v.output as string | undefined,
    quiet: v.quiet === true,
  });
}

export async function demo(out: Stream, err: Stream, options: DemoOptions = {}): Promise<void> {
  const rows = options.rows ?? ROWS, draws = options.draws ?? DRAWS, levels = options.levels ?? LEVELS;
  const method = options.method ?? "ode";
  const picture = options.picture ?? "diffmix-demo.svg";
  checkWritable(picture);
  const truth = mixtureFromSpec(presets.blobs2d);
  const k = presets.blobs2d.kind === "discrete" ? presets.blobs2d.weights.length : 5;
  out.write(`diffmix demo: blobs2d (k=${k} Gaussians in 2-D), ${rows} training rows, ${draws} generated\n`);
  const data = truth.sample(rows, 1);
  const progress = new Progress(err, options.quiet === true);
  const clock = () => performance.now();

  let t = clock();
  const model = await fit(data, {
    dim: 2, seed: 1, levels,
    onProgress: (p) => p.phase === "select"
      ? progress.update("select", p.done, p.total, "configurations")
      : progress.update("fit", p.done, p.total, "levels"),
  });
  const fitMs = clock() - t;
  t = clock();
  const xs = await sample(model, draws, { seed: 2, method, onProgress: (p) => progress.update("sample", p.done, p.total, "batches") });
  const sampleMs = clock() - t;
  progress.clear();

  t = clock();
  const em = fitEM(data, { k, covariance: "identity", nInit: 3, seed: 1, dim: 2 });
  const emFitMs = clock() - t;
  t = clock();
  const emXs = sampleEM(em, draws, 2);
  const emSampleMs = clock() - t;

  t = clock();
  const ours = evaluate(xs, { dim: 2, truth, seed: 3 });
  const theirs = evaluate(emXs, { dim: 2, truth, seed: 3 });
  const evalMs = clock() - t;

  const c = model.config as { R: number };
  out.write(`  model: ${model.regions.weights.length} regions (R=${c.R}), degree ${model.degree}, ${model.levels.length} levels; sampled by ${method === "ode" ? "the probability-flow ODE" : "the reverse SDE"} (${DEFAULT_STEPS[method]} steps)\n\n`);
  const names = Object.keys(ours);
  const w = Math.max(8, ...names.map((n) => n.length));
  const cell = (v: number | undefined) => (v === undefined ? "—" : Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(4)).padStart(10);
  out.write(`  ${"metric".padEnd(w)} ${"diffmix".padStart(10)} ${`EM (k=${k})`.padStart(10)} ${"floor".padStart(10)}\n`);
  for (const n of names) out.write(`  ${n.padEnd(w)} ${cell(ours[n].value)} ${cell(theirs[n]?.value)} ${cell(ours[n].floor)}\n`);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  out.write(`\n  time: diffmix fit ${s(fitMs)}, sample ${s(sampleMs)}; EM fit ${s(emFitMs)}, sample ${s(emSampleMs)}; metrics ${s(evalMs)}\n`);

  const svg = planeFigure({
    title: `diffmix demo — blobs2d, ${rows} rows: ${model.regions.weights.length} regions, degree ${model.degree}, ${model.levels.length} levels`,
    model, data, dataLabel: "training data", times: [0.05, 0.5, 1.5],
    samples: [{ label: "diffmix samples", points: xs, colour: SAMPLES }, { label: `EM baseline, k=${k}`, points: emXs, colour: BASELINE }],
    notes: [`Samples: ${method === "ode" ? "the probability-flow ODE" : "the reverse SDE"}, ${DEFAULT_STEPS[method]} steps; EM: identity covariances, k = ${k} given.`],
  });
  await writeOutput(picture, [svg]);
  out.write(`  picture: ${picture}\n`);
}
