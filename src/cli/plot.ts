/**
 * diffmix plot MODEL.json [DATA] -o PICTURE.svg: a picture of a fitted model (and of the data
 * when given). 2-D models: data, samples, the learned density, the regions and the score at a
 * few t. More dimensions: a pairs picture of principal directions or chosen columns. With
 * DATA, log p̂ per row against the model's samples. The pictures come from src/plot; this
 * file reads the inputs, computes what they show through the library, and writes the output.
 */
import { basename } from "node:path";
import { sample } from "../node.ts";
import { LOGPDF_OPTIONS } from "../flow.ts";
import { SAMPLE_OPTIONS } from "../sample.ts";
import type { ScoreModel } from "../model.ts";
import { readTable, writeOutput, STDIN, type Table } from "../io/files.ts";
import { type CommandSpec, UsageError, closest, intOption, libraryFlags, libraryNotes, libraryValues, optionLines, parseCommand } from "./args.ts";
import { type Io, checkColumns, checkOutput, outputOf, readModel, seconds } from "./common.ts";
import { planeFigure } from "../plot/plane.ts";
import { pairsFigure } from "../plot/pairs.ts";
import { columnAxes, principalAxes } from "../plot/view.ts";
import { SAMPLES } from "../plot/colours.ts";
import type { Loglik } from "../plot/loglik.ts";

const SAMPLE_FLAGS = ["seed", "threads"] as const;

export const spec: CommandSpec = {
  name: "plot",
  positionals: ["MODEL.json", "DATA?"],
  options: {
    output: { type: "string", short: "o", value: "PICTURE.svg" },
    columns: { type: "string", value: "LIST" },
    directions: { type: "string", value: "K" },
    samples: { type: "string", value: "N" },
    ...libraryFlags(LOGPDF_OPTIONS, ["steps"]),
    ...libraryFlags(SAMPLE_OPTIONS, SAMPLE_FLAGS),
    quiet: { type: "boolean", short: "q" },
    help: { type: "boolean", short: "h" },
  },
};

/** Defaults: samples drawn, log p̂ steps (fewer than logpdf's 50: a picture, not a measurement), axes shown, noise levels of the region panels. */
export const SAMPLES_DEFAULT = 5000, STEPS_DEFAULT = 20, DIRECTIONS_DEFAULT = 4, MAX_AXES = 8;
const TIMES = [0.05, 0.5, 1.5];
/** Model samples whose log p̂ the log-likelihood panel shows (enough for its density estimate; each costs as much as a row of DATA). */
const LOGLIK_SAMPLES = 1000;
/** PNG pixels per SVG unit. */
const PNG_ZOOM = 2;
const RASTERISER = "@resvg/resvg-js";

export const help = `Usage: diffmix plot MODEL.json [DATA] -o PICTURE.svg [options]

Draws a fitted model as an SVG (or a PNG, with the optional package ${RASTERISER}):
  2-D models    DATA beside the model's samples, the learned density (heat map and contours
                of log p̂), and the regions with the learned score field at t = ${TIMES.join(", ")}
  more columns  a pairs picture of the first principal directions of DATA (of the samples
                without DATA; standardised columns), or of the columns given with --columns:
                histograms of DATA and the learned marginals (estimated from the samples) on
                the diagonal, DATA and samples below it, contours of both above it
With DATA (.csv or .npy, the model's columns; - reads CSV from stdin), a panel of log p̂ per
row of DATA against log p̂ of the model's samples: held-out rows of a model that fits look
like its samples. Axis names come from the CSV header the model was fitted with. The same
inputs and seed give the same bytes.

${optionLines(spec, {
  output: "the picture to write: .svg, or .png (needs the optional package " + RASTERISER + ")",
  columns: `columns to show, by header name or number from 1, comma-separated (at most ${MAX_AXES}); draws the pairs picture`,
  directions: `how many principal directions to show when there are more than 2 columns (default ${DIRECTIONS_DEFAULT}; at most ${MAX_AXES})`,
  samples: `model samples to draw, by the probability-flow ODE (default ${SAMPLES_DEFAULT})`,
  steps: `ODE steps of log p̂ for the density and log-likelihood panels (an integer in [1, 100000]; default ${STEPS_DEFAULT}, fewer than logpdf's 50: a picture, not a measurement)`,
  ...libraryNotes(SAMPLE_OPTIONS, SAMPLE_FLAGS),
  quiet: "no summary on stderr",
  help: "this text",
})}

Example:
  diffmix fit wine.csv -o wine.json
  diffmix plot wine.json wine.csv -o wine.svg`;

export async function run(argv: string[], io: Io): Promise<void> {
  const { positionals: [modelFile, dataFile], values: v } = parseCommand(argv, spec);
  const output = outputOf(v, "plot", "PICTURE.svg (the picture to write: .svg or .png)");
  const format = /\.svg$/i.test(output) ? "svg" : /\.png$/i.test(output) ? "png" : null;
  if (!format) throw new UsageError(`plot: ${output}: the picture is an .svg or a .png file`);
  const count = v.samples === undefined ? SAMPLES_DEFAULT : intOption("samples", v.samples as string, 100, 1e7);
  const steps = (libraryValues(LOGPDF_OPTIONS, ["steps"], v).steps as number | undefined) ?? STEPS_DEFAULT;
  const sampling = libraryValues(SAMPLE_OPTIONS, SAMPLE_FLAGS, v) as { seed?: number; threads?: number };
  if (v.columns !== undefined && v.directions !== undefined) throw new UsageError("plot: give --columns or --directions, not both");
  if (modelFile === "-" && dataFile === "-") throw new UsageError("plot: MODEL.json and DATA cannot both be - (stdin)");
  const rasterise = format === "png" ? await rasteriser(output) : null;
  checkOutput(output, [modelFile, dataFile]);

  const model = await readModel(modelFile);
  const cols = v.columns === undefined ? null : columnsOf(v.columns as string, model);
  const directions = v.directions === undefined ? Math.min(model.dim, DIRECTIONS_DEFAULT) : intOption("directions", v.directions as string, 1, Math.min(model.dim, MAX_AXES));
  let table: Table | null = null;
  if (dataFile !== undefined) {
    table = await readTable(dataFile);
    checkColumns(model, modelFile, table, dataFile);
  }
  const t0 = performance.now();
  const samples = await sample(model, count, { ...sampling, method: "ode" });
  const dataName = dataFile === undefined ? "" : dataFile === "-" ? STDIN : basename(dataFile);
  let loglik: Loglik | undefined;
  if (table) {
    const k = Math.min(count, LOGLIK_SAMPLES);
    loglik = {
      data: model.logpdf(table.x, { steps, tolerance: 0 }), // a picture, not a measurement: the fixed grid only
      samples: model.logpdf(samples.subarray(0, k * model.dim), { steps, tolerance: 0 }),
      steps, label: dataName,
    };
  }
  const title = `diffmix plot — ${modelFile === "-" ? STDIN : basename(modelFile)}: ${describe(model)}`;
  const samplesLabel = `model samples (${count}, probability-flow ODE)`;
  let svg: string;
  if (model.dim === 2 && cols === null) {
    svg = planeFigure({
      title, model, data: table?.x ?? null, dataLabel: dataName, times: TIMES, density: { steps }, loglik,
      samples: [{ label: "model samples", points: samples, colour: SAMPLES }],
      notes: [`Samples: ${count} by the probability-flow ODE (seed ${sampling.seed ?? 0}); log p̂ by the flow ODE with ${steps} steps${steps < 50 ? " (fewer than logpdf's 50: for the picture)" : ""}.`],
    });
  } else {
    const axes = cols !== null || model.dim === 1 ? columnAxes(model.dim, model.columns, cols ?? [0])
      : principalAxes(model.dim, model.columns, table?.x ?? samples, directions, table ? dataName : "the model's samples");
    svg = pairsFigure({
      title, names: axes.names, data: table ? axes.project(table.x) : null, dataLabel: dataName,
      samples: axes.project(samples), samplesLabel, loglik,
      notes: [...axes.notes, ...(loglik ? [`log p̂ by the flow ODE with ${steps} steps${steps < 50 ? " (fewer than logpdf's 50: for the picture)" : ""}.`] : [])],
    });
  }
  await writeOutput(output, [rasterise ? rasterise(svg) : svg]);
  if (v.quiet !== true) io.err.write(`plot: ${output === "-" ? "stdout" : output} (${model.dim}-D model${table ? `, ${table.rows} rows of ${dataName}` : ""}; ${seconds(performance.now() - t0)})\n`);
}

function describe(model: ScoreModel): string {
  const G = model.regions.weights.length;
  return `${model.dim}-D, ${G} region${G > 1 ? "s" : ""}, degree ${model.degree}, ${model.levels.length} levels (${model.map.kind} map, σ₀ ${Number(model.map.scale.toPrecision(3))})`;
}

/** --columns: names from the model's header or numbers from 1, comma-separated, each once. */
export function columnsOf(raw: string, model: ScoreModel): number[] {
  const names = model.columns, n = model.dim;
  const fields = raw.split(",").map((f) => f.trim());
  const bad = (why: string) => new UsageError(`invalid option --columns: ${why}`);
  if (fields.length > MAX_AXES) throw bad(`at most ${MAX_AXES} columns, got ${fields.length}`);
  const out: number[] = [];
  for (const f of fields) {
    if (f === "") throw bad(`an empty name in ${JSON.stringify(raw)}`);
    let i = names ? names.indexOf(f) : -1;
    if (i < 0 && /^\d+$/.test(f)) {
      i = Number(f) - 1;
      if (i < 0 || i >= n) throw bad(`column ${f} is beyond the model's ${n} columns`);
    }
    if (i < 0) {
      if (!names) throw bad(`"${f}" is not a column number in [1, ${n}] (the model has no column names)`);
      const guess = closest(f, names);
      throw bad(`no column "${f}"${guess ? ` (did you mean ${guess}?)` : ""}; the model's columns: ${names.join(", ")}`);
    }
    if (out.includes(i)) throw bad(`column ${names ? JSON.stringify(names[i]) : i + 1} is given twice`);
    out.push(i);
  }
  return out;
}

/** The SVG → PNG function, from the optional package; a usage error when it is not installed. */
async function rasteriser(output: string): Promise<(svg: string) => Uint8Array> {
  let mod: { Resvg: new (svg: string, options: unknown) => { render(): { asPng(): Uint8Array } } };
  try {
    const name = RASTERISER; // a variable: the package is optional, not a dependency TypeScript resolves
    mod = await import(name);
  } catch {
    throw new UsageError(`plot: ${output}: PNG needs the optional package ${RASTERISER} (npm install ${RASTERISER}), or write an .svg`);
  }
  return (svg) => mod.Resvg && new mod.Resvg(svg, {
    fitTo: { mode: "zoom", value: PNG_ZOOM },
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
    background: "white",
  }).render().asPng();
}
