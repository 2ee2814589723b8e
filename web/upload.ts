/**
 * A CSV file the user opens or drops on the page: read with the command line's parser
 * (src/io/csv.ts), so a malformed file gets the very line `diffmix fit FILE` prints, and split
 * into training and held-out rows.
 */
import { CsvParser } from "../src/io/csv.ts";
import { DataError } from "../src/index.ts";

/** What `diffmix fit` needs (src/fit.ts MIN_ROWS), checked with the command's message (src/cli/fit.ts). */
const MIN_ROWS = 50;
/** Share of the rows held out for the log-likelihood. */
export const HELDOUT = 0.2;

export interface Upload {
  name: string;
  x: Float64Array;
  rows: number;
  cols: number;
  header: string[] | null;
}

/** Parses the file as it streams in; a DataError's message names the file, line and column as the command line does. */
export async function readUpload(file: File): Promise<Upload> {
  const parser = new CsvParser(file.name, file.size);
  const reader = file.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.push(value);
  }
  const t = parser.end();
  if (t.rows < MIN_ROWS) throw new DataError(`${file.name}: ${t.rows} rows, but fit needs at least ${MIN_ROWS}`);
  return { name: file.name, ...t };
}

/** The line the command line prints for an error (src/cli/main.ts): "diffmix: " and one line. */
export function cliMessage(e: unknown): string {
  const remote = (e as { remoteName?: string }).remoteName; // an error raised in the worker
  const known = e instanceof DataError || ["DataError", "ModelError", "OptionError"].includes(remote ?? "");
  const msg = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, " ");
  return `diffmix: ${known ? msg : `internal error: ${msg}`}`;
}

/** A seeded shuffle of the rows: the first HELDOUT of them held out (at least one), the rest to fit on. */
export function split(u: Upload, seed: number): { train: Float64Array; heldout: Float64Array } {
  const order = Array.from({ length: u.rows }, (_, i) => i);
  let a = (seed * 2654435761) >>> 0 || 1;
  const next = () => ((a ^= a << 13), (a ^= a >>> 17), (a ^= a << 5), (a >>> 0) / 4294967296);
  for (let i = u.rows - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const h = Math.max(1, Math.round(HELDOUT * u.rows)), n = u.cols;
  const take = (ids: number[]) => {
    const out = new Float64Array(ids.length * n);
    ids.forEach((r, k) => out.set(u.x.subarray(r * n, (r + 1) * n), k * n));
    return out;
  };
  return { heldout: take(order.slice(0, h).sort((p, q) => p - q)), train: take(order.slice(h).sort((p, q) => p - q)) };
}

/** A download of text made in the page. */
export function download(name: string, parts: string[], type: string): void {
  const url = URL.createObjectURL(new Blob(parts, { type }));
  const a = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
