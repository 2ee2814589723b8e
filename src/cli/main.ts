/**
 * The `diffmix` command. Failures print one line on stderr and set the exit code:
 * 2 for usage errors, 1 for failed runs; no stack traces.
 */
import { readFileSync } from "node:fs";
import { OptionError } from "../options.ts";
import { DataError } from "../dataset.ts";
import { ModelError } from "../model.ts";
import { UsageError, closest } from "./args.ts";
import type { Io } from "./common.ts";

export { UsageError } from "./args.ts";

interface Command { help: string; run: (argv: string[], io: Io) => Promise<void> }

/** Loaded on demand: `diffmix gen` does not compile the fitting code. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  fit: () => import("./fit.ts"),
  sample: () => import("./sample.ts"),
  gen: () => import("./gen.ts"),
  eval: () => import("./eval.ts"),
  logpdf: () => import("./logpdf.ts"),
  components: () => import("./components.ts"),
  plot: () => import("./plot.ts"),
  demo: () => import("./demo.ts"),
  plan: () => import("./plan.ts"),
  stats: () => import("./stats.ts"),
  merge: () => import("./merge.ts"),
  solve: () => import("./solve.ts"),
  rows: () => import("./rows.ts"),
};

const HELP = `diffmix — learn a distribution from samples with a piecewise-polynomial diffusion score

Usage:
  diffmix fit DATA -o MODEL.json [--degree D] [--levels L] [--seed S] [--threads T]
  diffmix sample MODEL.json -n N -o OUT [--seed S] [--steps K] [--method exp|em|ode]
  diffmix gen SPEC.json|--preset NAME -n N -o DATA [--seed S]
  diffmix eval SAMPLES --truth SPEC.json|--preset NAME|--reference DATA
  diffmix logpdf MODEL.json POINTS -o OUT   the model's log-density at each point
  diffmix components MODEL.json             the mixture's weights and means, k found (JSON)
  diffmix plot MODEL.json [DATA] -o PICTURE.svg   a picture of the model (and of the data)
  diffmix demo          fit the embedded 2-D blob field, sample, compare with EM, draw a picture
  diffmix plan DATA… -o PLAN.json            a fit in shards: the plan, from a sample of the rows
  diffmix stats PLAN.json SHARD -o S.stats [--first-row K]   the plan's sums over one shard
  diffmix merge S1.stats S2.stats … -o ALL.stats              sums added, in any order
  diffmix solve PLAN.json ALL.stats -o MODEL.json             the model from the sums
  diffmix rows DATA…    each table's rows and columns (JSON lines)
  diffmix COMMAND --help    a command's options, with an example
  diffmix --version

Tables are CSV (one sample per line, optional header), NPY (by the .npy extension) or, to
read, Parquet (.parquet: numeric columns);
- means stdin/stdout. Progress goes to stderr on a terminal; --quiet silences it.
Exit codes: 0 success, 1 failed run (bad file, bad model), 2 usage error.

Example:
  diffmix gen --preset blobs2d -n 5000 -o data.csv
  diffmix fit data.csv -o model.json
  diffmix sample model.json -n 5000 -o samples.csv
  diffmix eval samples.csv --preset blobs2d`;

function version(): string {
  return JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;
}

export async function main(argv: string[], io: Io = { out: process.stdout, err: process.stderr }): Promise<number> {
  // A closed pipe downstream (diffmix sample … -o - | head) ends the run quietly.
  process.stdout.on?.("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
  });
  try {
    const [cmd, ...rest] = argv;
    if (cmd === undefined || cmd === "--help" || cmd === "-h") {
      io.out.write(HELP + "\n");
      return 0;
    }
    if (cmd === "help") {
      const topic = rest[0];
      if (topic !== undefined && !Object.hasOwn(COMMANDS, topic)) throw unknownCommand(topic);
      io.out.write((topic ? (await COMMANDS[topic]()).help : HELP) + "\n");
      return 0;
    }
    if (cmd === "--version" || cmd === "-V") {
      io.out.write(`${version()}\n`);
      return 0;
    }
    const load = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
    if (!load) throw cmd.startsWith("-") ? new UsageError(`unknown option ${cmd} (see: diffmix --help)`) : unknownCommand(cmd);
    const command = await load();
    if (rest.includes("--help") || rest.includes("-h")) {
      io.out.write(command.help + "\n");
      return 0;
    }
    await command.run(rest, io);
    return 0;
  } catch (e) {
    const usage = e instanceof UsageError || e instanceof OptionError;
    const known = usage || e instanceof DataError || e instanceof ModelError;
    const msg = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, " "); // one line, always
    io.err.write(`diffmix: ${known ? msg : `internal error: ${msg}`}\n`);
    return usage ? 2 : 1;
  }
}

function unknownCommand(cmd: string): UsageError {
  const guess = closest(cmd, Object.keys(COMMANDS));
  return new UsageError(`unknown command "${cmd}"${guess ? ` (did you mean ${guess}?)` : ""}; commands: ${Object.keys(COMMANDS).join(", ")}`);
}
