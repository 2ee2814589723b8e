/**
 * The `diffmix` command. Failures print one line on stderr and set the exit code:
 * 2 for usage errors, 1 for failed runs; no stack traces.
 */
import { readFileSync } from "node:fs";
import { demo } from "./demo.ts";
import { OptionError } from "../options.ts";
import { DataError } from "../dataset.ts";
import { ModelError } from "../model.ts";

const HELP = `diffmix — learn a distribution with a piecewise-polynomial diffusion score

Usage:
  diffmix demo        fit the embedded 2-D blob field, sample it, print the quality
  diffmix --help      this text
  diffmix --version   the version

Example:
  npx diffmix demo`;

export class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  try {
    const [cmd, ...rest] = argv;
    if (cmd === undefined || cmd === "--help" || cmd === "-h" || cmd === "help") {
      process.stdout.write(HELP + "\n");
      return 0;
    }
    if (cmd === "--version" || cmd === "-V") {
      const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
      process.stdout.write(`${pkg.version}\n`);
      return 0;
    }
    if (cmd === "demo") {
      if (rest.includes("--help")) {
        process.stdout.write("Usage: diffmix demo\n  Generates the blobs2d preset (20 000 rows), fits, samples 100 000 and prints TV against the exact density.\nExample:\n  npx diffmix demo\n");
        return 0;
      }
      if (rest.length > 0) throw new UsageError(`demo: unexpected argument "${rest[0]}"`);
      await demo(process.stdout, process.stderr);
      return 0;
    }
    throw new UsageError(`unknown command "${cmd}" (try: diffmix --help)`);
  } catch (e) {
    const usage = e instanceof UsageError || e instanceof OptionError;
    const known = usage || e instanceof DataError || e instanceof ModelError;
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`diffmix: ${known ? msg : `internal error: ${msg}`}\n`);
    return usage ? 2 : 1;
  }
}
