/**
 * CSV reading: diffmix's byte-level numeric parser (src/io/csv.ts) against papaparse
 * (streamed, dynamicTyping) and a naive split-and-Number reader, on 1e6 × 10 files.
 * Two files: numbers as `String(x)` writes them (17 significant digits, what diffmix writes)
 * and with 6 decimals (typical exported data). Each reader runs in its own process so that
 * the peak memory (max RSS) is its own; each runs `repeats` times and the fastest run counts
 * (the machines this runs on are shared: the minimum is the least disturbed).
 *
 *   npx tsx bench/csv.ts [rows] [repeats]        (default 1e6 rows, 3 repeats)
 */
import { execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Papa from "papaparse";
import { readCsv, writeOutput } from "../src/io/files.ts";
import { csvChunks } from "../src/io/csv.ts";
import { normals, streamState } from "../src/random.ts";

const COLS = 10;

async function child(method: string, file: string): Promise<void> {
  const t0 = performance.now();
  let x: Float64Array;
  if (method === "diffmix") {
    x = (await readCsv(file)).x;
  } else if (method === "papaparse") {
    let buf = new Float64Array(1 << 16), len = 0;
    await new Promise<void>((resolve, reject) => {
      Papa.parse(createReadStream(file) as unknown as File, {
        dynamicTyping: true,
        skipEmptyLines: true,
        chunk: (res: Papa.ParseResult<number[]>) => {
          for (const row of res.data) {
            if (len + row.length > buf.length) {
              const next = new Float64Array(Math.ceil(buf.length * 1.5) + row.length);
              next.set(buf.subarray(0, len));
              buf = next;
            }
            for (const v of row) buf[len++] = v;
          }
        },
        complete: () => resolve(),
        error: (e: Error) => reject(e),
      });
    });
    x = buf.subarray(0, len);
  } else {
    const { readFileSync } = await import("node:fs");
    const lines = readFileSync(file, "utf8").split("\n");
    const out: number[] = [];
    for (const line of lines) if (line) for (const f of line.split(",")) out.push(Number(f));
    x = Float64Array.from(out);
  }
  const ms = performance.now() - t0;
  let sum = 0;
  for (let i = 0; i < x.length; i += 997) sum += x[i]; // consume the result
  process.stdout.write(JSON.stringify({ ms, values: x.length, maxRssMB: process.resourceUsage().maxRSS / 1024, check: sum }));
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1e6), repeats = Number(process.argv[3] ?? 3);
  const dir = mkdtempSync(join(tmpdir(), "diffmix-bench-csv-"));
  try {
    const x = normals(rows * COLS, streamState(1, "bench-csv"));
    const files = {
      "17 digits": join(dir, "full.csv"),
      "6 decimals": join(dir, "short.csv"),
    };
    await writeOutput(files["17 digits"], csvChunks(x, COLS));
    const rounded = x.map((v) => Number(v.toFixed(6)));
    await writeOutput(files["6 decimals"], csvChunks(rounded, COLS));
    const self = fileURLToPath(import.meta.url);
    console.log(`csv read: ${rows} rows × ${COLS} columns (node ${process.version}), best of ${repeats}`);
    console.log("| file | size MB | reader | time s | MB/s | max RSS MB |");
    console.log("|---|---|---|---|---|---|");
    for (const [label, file] of Object.entries(files)) {
      const mb = statSync(file).size / 2 ** 20;
      const checks = new Set<number>();
      for (const method of ["diffmix", "papaparse", "naive"]) {
        let r = { ms: Infinity, values: 0, maxRssMB: 0, check: 0 };
        for (let k = 0; k < repeats; k++) {
          const out = execFileSync(process.execPath, ["--import", "tsx", "--max-old-space-size=8192", self, "--child", method, file], { encoding: "utf8" });
          const run = JSON.parse(out);
          if (run.ms < r.ms) r = run;
        }
        if (r.values !== rows * COLS) throw new Error(`${method}: read ${r.values} values, expected ${rows * COLS}`);
        checks.add(r.check);
        console.log(`| ${label} | ${mb.toFixed(0)} | ${method} | ${(r.ms / 1000).toFixed(2)} | ${(mb / (r.ms / 1000)).toFixed(0)} | ${r.maxRssMB.toFixed(0)} |`);
      }
      if (checks.size !== 1) throw new Error(`${label}: the readers disagree`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") await child(process.argv[3], process.argv[4]);
else await main();
