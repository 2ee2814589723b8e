/**
 * Files at the edge: numeric tables (CSV or NPY, chosen by extension; `-` is CSV on
 * stdin/stdout), JSON documents, and outputs written to a temporary file in the target
 * folder and renamed into place, so that a failed run leaves no output behind.
 * Every failure is a DataError whose message starts with the file's name.
 */
import { accessSync, closeSync, constants, fstatSync, openSync, readSync, renameSync, statSync, unlinkSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { DataError } from "../dataset.ts";
import { CsvParser, csvChunks } from "./csv.ts";
import { decodeNpyData, npyChunks, parseNpyHeader } from "./npy.ts";
import type { Table } from "./table.ts";

export type { Table } from "./table.ts";

/** The name used in messages for `-`. */
export const STDIN = "stdin";
const CHUNK = 1 << 20;

export function formatOf(path: string): "csv" | "npy" {
  return path !== "-" && extname(path).toLowerCase() === ".npy" ? "npy" : "csv";
}

function nameOf(path: string): string {
  return path === "-" ? STDIN : path;
}

/** Why a file cannot be read, in words (`data.csv: no such file`). */
function openError(path: string, e: unknown): DataError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why =
    code === "ENOENT" ? "no such file" :
    code === "EISDIR" ? "is a directory (expected a file)" :
    code === "EACCES" || code === "EPERM" ? "permission denied" :
    code === "ENOTDIR" ? "no such file (a parent is not a folder)" :
    `cannot read (${code ?? (e as Error)?.message ?? e})`;
  return new DataError(`${path}: ${why}`);
}

function openForReading(path: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw openError(path, e);
  }
  const st = fstatSync(fd);
  if (st.isDirectory()) {
    closeSync(fd);
    throw new DataError(`${path}: is a directory (expected a file)`);
  }
  return { fd, size: st.size };
}

/** Calls `each` with successive chunks of a file or of stdin (`-`); the chunk's memory is reused. */
async function readChunks(path: string, each: (chunk: Buffer) => void, onSize?: (bytes: number) => void): Promise<void> {
  if (path === "-") {
    for await (const chunk of process.stdin) each(chunk as Buffer);
    return;
  }
  const { fd, size } = openForReading(path);
  onSize?.(size);
  const buf = Buffer.allocUnsafe(CHUNK);
  try {
    for (;;) {
      let got: number;
      try {
        got = readSync(fd, buf, 0, CHUNK, null);
      } catch (e) {
        throw openError(path, e);
      }
      if (got === 0) break;
      each(buf.subarray(0, got));
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads a table of numbers: NPY by extension, otherwise CSV (streamed). */
export async function readTable(path: string): Promise<Table> {
  return formatOf(path) === "npy" ? readNpy(path) : readCsv(path);
}

export async function readCsv(path: string): Promise<Table> {
  let parser: CsvParser | undefined;
  await readChunks(path, (chunk) => (parser ??= new CsvParser(nameOf(path))).push(chunk), (size) => (parser = new CsvParser(nameOf(path), size)));
  return (parser ?? new CsvParser(nameOf(path))).end();
}

export function readNpy(path: string): Table {
  const { fd, size } = openForReading(path);
  try {
    if (size === 0) throw new DataError(`${path}: empty file (expected an NPY array)`);
    const head = Buffer.alloc(Math.min(size, 1 << 16));
    readSync(fd, head, 0, head.length, 0);
    const h = parseNpyHeader(head, path);
    const itemsize = h.dtype === "f8" ? 8 : 4, type = h.dtype === "f8" ? "float64" : "float32";
    const want = h.rows * h.cols * itemsize, have = size - h.offset;
    if (have < want) {
      throw new DataError(`${path}: truncated: the header promises ${h.rows} × ${h.cols} ${type} numbers (${want} bytes), found ${have} bytes`);
    }
    if (have > want) throw new DataError(`${path}: ${have - want} bytes after the ${h.rows} × ${h.cols} array (corrupt file?)`);
    if (h.rows === 0 || h.cols === 0) throw new DataError(`${path}: no data (shape (${h.rows}, ${h.cols}))`);
    const data = Buffer.allocUnsafeSlow(want);
    for (let done = 0; done < want; ) {
      const got = readSync(fd, data, done, want - done, h.offset + done);
      if (got === 0) throw new DataError(`${path}: truncated while reading`);
      done += got;
    }
    return decodeNpyData(h, data, path);
  } finally {
    closeSync(fd);
  }
}

/** Reads a whole text file (or stdin) as UTF-8. */
export async function readText(path: string): Promise<string> {
  const parts: Buffer[] = [];
  await readChunks(path, (chunk) => parts.push(Buffer.from(chunk)));
  return Buffer.concat(parts).toString("utf8");
}

/** Reads and parses a JSON file; a syntax error names the file (a truncated file is the usual cause). */
export async function readJSON(path: string): Promise<unknown> {
  const text = await readText(path);
  const name = nameOf(path);
  if (text.trim() === "") throw new DataError(`${name}: empty file (expected JSON)`);
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = Number(/at position (\d+)/.exec(msg)?.[1] ?? NaN);
    const end = text.trimEnd().length;
    if (/end of JSON input|Unterminated/i.test(msg) || pos >= end) {
      throw new DataError(`${name}: not valid JSON: the file ends in the middle of a value (truncated?)`);
    }
    // V8 words it "Unexpected token 'x', "…text…" is not valid JSON" or "… in JSON at position N".
    const what = msg.replace(/\s*in JSON at position \d+[^]*$/, "").replace(/, "[^]*" is not valid JSON$/, "");
    if (Number.isNaN(pos)) throw new DataError(`${name}: not valid JSON: ${what}`);
    const before = text.slice(0, pos);
    const line = before.split("\n").length, column = pos - before.lastIndexOf("\n");
    throw new DataError(`${name}:${line}:${column}: not valid JSON: ${what}`);
  }
}

/**
 * Checks before any work that `path` can be written: its folder exists and is a folder, and
 * the path itself is not a folder. `-` (stdout) always can.
 */
export function checkWritable(path: string): void {
  if (path === "-") return;
  const dir = dirname(path);
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new DataError(`${path}: the folder ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new DataError(`${path}: ${dir} is not a folder`);
  try {
    if (statSync(path).isDirectory()) throw new DataError(`${path}: is a directory (expected a file name)`);
  } catch (e) {
    if (e instanceof DataError) throw e;
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new DataError(`${path}: cannot write in ${dir} (permission denied)`);
  }
}

type Chunk = string | Uint8Array;

/**
 * Writes `chunks` to `path` through a temporary file in the same folder, renamed into place
 * when complete; on any failure, Ctrl-C or SIGTERM the temporary file is removed. `-` writes
 * to stdout.
 */
export async function writeOutput(path: string, chunks: Iterable<Chunk>): Promise<void> {
  if (path === "-") {
    for (const c of chunks) {
      if (!process.stdout.write(c)) await once(process.stdout, "drain");
    }
    return;
  }
  checkWritable(path);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
  const onSignal = (sig: NodeJS.Signals) => {
    try {
      unlinkSync(tmp);
    } catch { /* not created yet */ }
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let file: FileHandle | undefined;
  try {
    file = await open(tmp, "wx");
    for (const c of chunks) await file.write(typeof c === "string" ? Buffer.from(c, "utf8") : c);
    await file.close();
    file = undefined;
    renameSync(tmp, path);
  } catch (e) {
    await file?.close().catch(() => undefined);
    try {
      unlinkSync(tmp);
    } catch { /* never created */ }
    if (e instanceof DataError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(`${path}: cannot write (${code ?? (e as Error).message})`);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Writes rows × cols numbers as CSV or NPY (by extension; `-` is CSV on stdout). */
export async function writeTable(path: string, x: Float64Array, cols: number, header: string[] | null = null): Promise<void> {
  await writeOutput(path, formatOf(path) === "npy" ? npyChunks(x, cols) : csvChunks(x, cols, header));
}
