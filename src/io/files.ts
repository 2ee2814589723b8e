/**
 * Files at the edge: numeric tables (CSV or NPY, chosen by extension; `-` is CSV on
 * stdin/stdout), JSON documents, and outputs written to a temporary file in the target
 * folder and renamed into place, so that a failed run leaves no output behind (special
 * files are written in place).
 * Every failure is a DataError whose message starts with the file's name.
 */
import {
  accessSync, closeSync, constants, fstatSync, fsyncSync, lstatSync, openSync, readSync, readlinkSync, renameSync, statSync, unlinkSync, write,
} from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { constants as osConstants } from "node:os";
import { isatty } from "node:tty";
import { randomBytes } from "node:crypto";
import { DataError } from "../dataset.ts";
import { CsvParser, csvChunks } from "./csv.ts";
import { decodeNpyData, npyData, npyHeader, parseNpyHeader, type NpyHeader } from "./npy.ts";
import type { Table } from "./table.ts";

export type { Table } from "./table.ts";

/** The name used in messages for `-`. */
export const STDIN = "stdin";
const CHUNK = 1 << 20;

/** A table's format by its extension: .npy, .parquet (reading only), anything else CSV; `-` is CSV. */
export function formatOf(path: string): "csv" | "npy" | "parquet" {
  const ext = path === "-" ? "" : extname(path).toLowerCase();
  return ext === ".npy" ? "npy" : ext === ".parquet" || ext === ".parq" ? "parquet" : "csv";
}

export function nameOf(path: string): string {
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

export function openForReading(path: string): { fd: number; size: number } {
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

/**
 * Successive chunks of a file or of stdin (`-`). A file's chunks share one buffer: use each
 * before asking for the next. `onSize` gets the file's size before the first chunk.
 */
export async function* chunksOf(path: string, onSize?: (bytes: number) => void): AsyncGenerator<Buffer> {
  if (path === "-") {
    for await (const chunk of process.stdin) yield chunk as Buffer;
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
      yield buf.subarray(0, got);
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads a table of numbers: NPY or Parquet by extension, otherwise CSV (streamed). */
export async function readTable(path: string): Promise<Table> {
  const format = formatOf(path);
  return format === "npy" ? readNpy(path) : format === "parquet" ? readParquet(path) : readCsv(path);
}

export async function readCsv(path: string): Promise<Table> {
  let parser: CsvParser | undefined;
  for await (const chunk of chunksOf(path, (size) => (parser = new CsvParser(nameOf(path), size)))) (parser ??= new CsvParser(nameOf(path))).push(chunk);
  return (parser ?? new CsvParser(nameOf(path))).end();
}

/**
 * An NPY file opened and checked before any data is read: the header, and a file size that
 * matches it (truncated or trailing bytes are refused here). The caller closes `fd`.
 */
export function openNpy(path: string): { fd: number; h: NpyHeader } {
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
    return { fd, h };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Rows first … first + rows − 1 of an open NPY file, decoded and checked (messages name the file's rows). */
export function readNpyRows(path: string, fd: number, h: NpyHeader, first: number, rows: number): Table {
  const itemsize = h.dtype === "f8" ? 8 : 4, rowBytes = h.cols * itemsize, want = rows * rowBytes;
  const data = Buffer.allocUnsafeSlow(want);
  for (let done = 0; done < want; ) {
    let got: number;
    try {
      got = readSync(fd, data, done, want - done, h.offset + first * rowBytes + done);
    } catch (e) {
      throw openError(path, e);
    }
    if (got === 0) throw new DataError(`${path}: truncated while reading`);
    done += got;
  }
  return decodeNpyData({ ...h, rows }, data, path, first);
}

export function readNpy(path: string): Table {
  const { fd, h } = openNpy(path);
  try {
    return readNpyRows(path, fd, h, 0, h.rows);
  } finally {
    closeSync(fd);
  }
}

/** Reads a whole Parquet file (its numeric columns; hyparquet, loaded on first use). */
export async function readParquet(path: string): Promise<Table> {
  const { parquetTable } = await import("./parquet.ts");
  return parquetTable(path);
}

/** Reads a whole text file (or stdin) as UTF-8. */
export async function readText(path: string): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of chunksOf(path)) parts.push(Buffer.from(chunk));
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

// ---------------------------------------------------------------------------------------
// Outputs. A regular file (or a new name) is written to a temporary file beside it, checked to
// the last byte, fsync'd and renamed into place, so a failed or interrupted run leaves the old
// file, or none. Special files (devices, FIFOs) are written in place and never replaced;
// `-`, /dev/stdout and any other link to /proc/self/fd/1 are this process's stdout.

/** The longest file name (bytes) of the Linux file systems (ext4, xfs, btrfs, tmpfs). */
const NAME_MAX = 255;
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"] as const;

const WHY: Record<string, string> = {
  ENOSPC: "no space left on device", EDQUOT: "disk quota exceeded", EIO: "input/output error",
  EFBIG: "file too large", EROFS: "read-only file system", EACCES: "permission denied", EPERM: "permission denied",
  ENAMETOOLONG: "name too long", EPIPE: "the reading end was closed", ENXIO: "no reader on the other end",
};

function writeError(name: string, e: unknown): DataError {
  if (e instanceof DataError) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  const detail = code ? (WHY[code] ? `${code}: ${WHY[code]}` : code) : (e as Error)?.message ?? String(e);
  return new DataError(`${name}: cannot write (${detail})`);
}

/** Where an output goes. */
type Target =
  | { kind: "fd"; fd: 1 | 2 } // this process's stdout or stderr
  | { kind: "in place"; path: string } // a device, a FIFO, another process's descriptor
  | { kind: "replace"; path: string }; // a regular file or a new name: the file to rename onto

const FD_LINK = /^\/(?:proc\/self|dev)\/fd\/(\d+)$/;

function targetOf(path: string): Target {
  if (path === "-") return { kind: "fd", fd: 1 };
  // Follow the links by hand: realpath cannot resolve /proc/self/fd/1 when it is a pipe.
  let p = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    const fd = p === "/dev/stdout" ? 1 : p === "/dev/stderr" ? 2 : Number(FD_LINK.exec(p)?.[1] ?? -1);
    if (fd === 1 || fd === 2) return { kind: "fd", fd };
    if (fd >= 0) return { kind: "in place", path };
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return { kind: "replace", path: p }; // a new file
    }
    if (!st.isSymbolicLink()) return st.isFile() || st.isDirectory() ? { kind: "replace", path: p } : { kind: "in place", path };
    p = resolve(dirname(p), readlinkSync(p));
  }
  return { kind: "replace", path }; // a loop of links: the open fails and says so
}

/**
 * Checks before any work that `path` can be written: its name fits in a folder entry, its
 * folder exists and is a folder, and the path itself is not a folder. `-` (stdout) always can.
 */
export function checkWritable(path: string): void {
  if (path === "-") return;
  const bytes = Buffer.byteLength(basename(path));
  if (bytes > NAME_MAX) throw new DataError(`${path}: the name is too long (${bytes} bytes; a file name has at most ${NAME_MAX})`);
  const target = targetOf(path);
  if (target.kind === "fd") return;
  if (target.kind === "in place") {
    try {
      accessSync(target.path, constants.W_OK);
    } catch {
      throw new DataError(`${path}: cannot write (permission denied)`);
    }
    return;
  }
  const dir = dirname(target.path);
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new DataError(`${path}: the folder ${dirname(path)} does not exist`);
  }
  if (!st.isDirectory()) throw new DataError(`${path}: ${dirname(path)} is not a folder`);
  try {
    if (statSync(target.path).isDirectory()) throw new DataError(`${path}: is a directory (expected a file name)`);
  } catch (e) {
    if (e instanceof DataError) throw e;
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new DataError(`${path}: cannot write in ${dirname(path)} (permission denied)`);
  }
}

/**
 * Whether the regular files `a` and `b` are one file (the same path, or one reached through a
 * link): same device and inode. Anything else (a missing file, stdin, a device) is not.
 */
export function sameFile(a: string, b: string): boolean {
  if (a === "-" || b === "-") return false;
  try {
    const sa = statSync(a), sb = statSync(b);
    return sa.isFile() && sb.isFile() && sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

type Chunk = string | Uint8Array;
type Chunks = Iterable<Chunk> | AsyncIterable<Chunk>;

/** Calls `write` until every byte of `data` is written: a write may take fewer than asked. */
export async function writeAll(write: (data: Uint8Array, offset: number, length: number) => Promise<number>, data: Uint8Array): Promise<void> {
  for (let done = 0; done < data.length; ) {
    const n = await write(data, done, data.length - done);
    if (!(n > 0)) throw new Error(`a write of ${data.length - done} bytes wrote ${n}`);
    done += n;
  }
}

const bytesOf = (c: Chunk) => (typeof c === "string" ? Buffer.from(c, "utf8") : c);

async function writeChunks(file: FileHandle, chunks: Chunks): Promise<void> {
  for await (const c of chunks) await writeAll(async (b, o, l) => (await file.write(b, o, l)).bytesWritten, bytesOf(c));
}

/** stdout or stderr: a file or a device by plain writes to the descriptor, a pipe or terminal through its stream. */
async function writeDescriptor(fd: 1 | 2, chunks: Chunks): Promise<void> {
  const st = fstatSync(fd);
  if (st.isFile() || (st.isCharacterDevice() && !isatty(fd))) {
    const writeFd = (b: Uint8Array, o: number, l: number) => new Promise<number>((ok, fail) => write(fd, b, o, l, null, (e, n) => (e ? fail(e) : ok(n))));
    for await (const c of chunks) await writeAll(writeFd, bytesOf(c));
    return;
  }
  const stream = fd === 1 ? process.stdout : process.stderr;
  for await (const c of chunks) {
    try {
      await new Promise<void>((ok, fail) => void stream.write(c, (e) => (e ? fail(e) : ok())));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EPIPE") return; // the reader has gone (… | head): not a failure
      throw e;
    }
  }
}

/** A temporary name beside `path`, no longer than its own name (or 64 bytes), never over NAME_MAX. */
function temporaryPath(path: string): string {
  const tag = `.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  const name = basename(path);
  let room = Math.min(NAME_MAX, Math.max(Buffer.byteLength(name), 64)) - Buffer.byteLength(tag) - 1;
  let stem = "";
  for (const ch of name) {
    room -= Buffer.byteLength(ch);
    if (room < 0) break;
    stem += ch;
  }
  return join(dirname(path), `.${stem}${tag}`);
}

/**
 * Writes `chunks` to `path` (see Target): a regular file through a temporary file in the same
 * folder, every byte checked, fsync'd, then renamed into place; on any failure, or SIGINT,
 * SIGTERM, SIGHUP or SIGQUIT, the temporary file is removed. Failures are one DataError naming
 * the file (`data.csv: cannot write (ENOSPC: no space left on device)`).
 */
export async function writeOutput(path: string, chunks: Chunks): Promise<void> {
  const name = path === "-" ? "stdout" : path;
  checkWritable(path);
  const target = targetOf(path);
  if (target.kind === "fd") {
    try {
      return await writeDescriptor(target.fd, chunks);
    } catch (e) {
      throw writeError(name, e);
    }
  }
  if (target.kind === "in place") {
    let file: FileHandle | undefined;
    try {
      file = await open(target.path, "w");
      await writeChunks(file, chunks);
      await file.close();
      return;
    } catch (e) {
      await file?.close().catch(() => undefined);
      throw writeError(name, e);
    }
  }
  const tmp = temporaryPath(target.path);
  const onSignal = (sig: NodeJS.Signals) => {
    try {
      unlinkSync(tmp);
    } catch { /* not created yet */ }
    process.exit(128 + osConstants.signals[sig]);
  };
  for (const sig of SIGNALS) process.on(sig, onSignal);
  let file: FileHandle | undefined;
  try {
    file = await open(tmp, "wx");
    await writeChunks(file, chunks);
    await file.sync();
    await file.close();
    file = undefined;
    renameSync(tmp, target.path);
    syncFolder(dirname(target.path));
  } catch (e) {
    await file?.close().catch(() => undefined);
    try {
      unlinkSync(tmp);
    } catch { /* never created, or renamed */ }
    throw writeError(name, e);
  } finally {
    for (const sig of SIGNALS) process.off(sig, onSignal);
  }
}

/** Makes a rename durable: fsync of the folder (best effort; not every file system allows it). */
function syncFolder(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch { /* the file itself is synced; the entry follows with the next sync of the folder */ }
}

/** Writes rows × cols numbers as CSV or NPY (by extension; `-` is CSV on stdout). Parquet is read, not written. */
export async function writeTable(path: string, x: Float64Array, cols: number, header: string[] | null = null): Promise<void> {
  await writeRows(path, [x], x.length / cols, cols, header);
}

/**
 * Writes a table that arrives in pieces (rows × cols numbers in all, whole rows each) as CSV or
 * NPY, one piece in memory at a time. A number that is not finite is never written: it fails
 * the run (a bug upstream; nothing reads NaN back).
 */
export async function writeRows(path: string, pieces: Iterable<Float64Array> | AsyncIterable<Float64Array>, rows: number, cols: number, header: string[] | null = null): Promise<void> {
  if (formatOf(path) === "parquet") throw new DataError(`${path}: diffmix reads Parquet but does not write it (write .csv or .npy)`);
  const npy = formatOf(path) === "npy";
  let done = 0, failed: unknown;
  async function* chunks(): AsyncGenerator<Chunk> {
    try {
      if (npy) yield npyHeader(rows, cols);
      for await (const x of pieces) {
        const bad = x.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new Error(`${nameOf(path)}: row ${done + Math.floor(bad / cols) + 1}, column ${(bad % cols) + 1} would be ${x[bad]}: not written`);
        if (npy) yield npyData(x);
        else yield* csvChunks(x, cols, done === 0 ? header : null);
        done += x.length / cols;
      }
      if (done !== rows) throw new Error(`${nameOf(path)}: ${done} rows written, ${rows} promised`);
    } catch (e) {
      failed = e; // the pieces' own failure, not the file's: passed on as it is
      throw e;
    }
  }
  try {
    await writeOutput(path, chunks());
  } catch (e) {
    throw failed ?? e;
  }
}
