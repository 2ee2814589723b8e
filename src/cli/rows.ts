/** diffmix rows DATA…: each table's rows and columns, one JSON line per file (shard offsets for --first-row). */
import { openTable } from "../io/blocks.ts";
import { type CommandSpec, optionLines, parseCommand } from "./args.ts";
import type { Io } from "./common.ts";

export const spec: CommandSpec = {
  name: "rows",
  positionals: ["DATA", "DATA…"],
  options: { help: { type: "boolean", short: "h" } },
};

export const help = `Usage: diffmix rows DATA…

Prints, for each table (.csv, .npy or .parquet; - reads CSV from stdin), one line of JSON:
{"file": …, "rows": …, "columns": …}. NPY and Parquet are counted from their headers; CSV is
read through (and checked, as any command that reads it would). A shard's --first-row for
diffmix stats is the sum of the rows of the shards before it.

${optionLines(spec, { help: "this text" })}

Example:
  diffmix rows part-000.csv part-001.csv`;

export async function run(argv: string[], io: Io): Promise<void> {
  const { positionals: files } = parseCommand(argv, spec);
  const lines: string[] = [];
  for (const path of files) {
    const t = await openTable(path);
    let rows = t.rows, cols = t.cols;
    if (rows === null || cols === null) {
      rows = 0;
      for await (const b of t.blocks()) rows = b.first + b.rows;
      cols = t.seen().cols;
    }
    lines.push(JSON.stringify({ file: t.name, rows, columns: cols }));
  }
  io.out.write(lines.join("\n") + "\n");
}
