/**
 * Parquet tables, read with hyparquet (pure JavaScript; loaded only when a .parquet file is
 * read, so the CLI starts without it): every column must be numeric (DOUBLE, FLOAT, INT32 or
 * INT64 without a date or time meaning), the columns' names are the table's header. Read one
 * row group at a time: memory follows the file's row-group size, not its row count.
 * Compression: what hyparquet decodes by itself (uncompressed, SNAPPY); another codec is
 * refused by name.
 */
import { DataError } from "../dataset.ts";
import { checkFinite } from "./npy.ts";
import type { Table } from "./table.ts";

type Hyparquet = typeof import("hyparquet");

/** A Parquet file opened for reading: its columns, row count and row groups. */
export interface ParquetSource {
  name: string;
  rows: number;
  cols: number;
  header: string[];
  /** Row blocks of at most `blockRows` rows (whole row groups cut into pieces), with the 0-based index of the first. */
  blocks(blockRows: number): AsyncGenerator<{ x: Float64Array; rows: number; first: number }>;
}

const TEMPORAL = new Set(["DATE", "TIME_MILLIS", "TIME_MICROS", "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS", "INTERVAL"]);
const NUMERIC = new Set(["DOUBLE", "FLOAT", "INT32", "INT64"]);
const DECODED = new Set(["UNCOMPRESSED", "SNAPPY"]);

function corrupt(name: string, e: unknown): DataError {
  if (e instanceof DataError) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === "ENOENT") return new DataError(`${name}: no such file`);
  if (code === "EISDIR") return new DataError(`${name}: is a directory (expected a file)`);
  if (code === "EACCES" || code === "EPERM") return new DataError(`${name}: permission denied`);
  return new DataError(`${name}: not a readable Parquet file (${(e as Error)?.message ?? e})`);
}

export async function openParquet(path: string): Promise<ParquetSource> {
  let hp: Hyparquet;
  try {
    hp = await import("hyparquet");
  } catch {
    throw new DataError(`${path}: reading Parquet needs the package hyparquet (npm install hyparquet)`);
  }
  const name = path;
  let file, metadata;
  try {
    file = await hp.asyncBufferFromFile(path);
    metadata = await hp.parquetMetadataAsync(file);
  } catch (e) {
    throw corrupt(name, e);
  }
  const schema = hp.parquetSchema(metadata);
  const header: string[] = [];
  schema.children.forEach((c, i) => {
    const e = c.element, what = `${name}: column ${i + 1} (${JSON.stringify(e.name)})`;
    if (c.children.length > 0) throw new DataError(`${what} is a nested group, not numbers`);
    const logical = e.logical_type?.type;
    if (!e.type || !NUMERIC.has(e.type) || (e.converted_type && TEMPORAL.has(e.converted_type)) || logical === "DATE" || logical === "TIME" || logical === "TIMESTAMP") {
      throw new DataError(`${what} is ${e.type ?? "a group"}${e.converted_type ? ` (${e.converted_type})` : logical ? ` (${logical})` : ""}, not numbers`);
    }
    header.push(e.name);
  });
  if (header.length === 0) throw new DataError(`${name}: no columns`);
  for (const g of metadata.row_groups) {
    for (const c of g.columns) {
      const codec = c.meta_data?.codec;
      if (codec && !DECODED.has(codec)) throw new DataError(`${name}: column ${JSON.stringify(c.meta_data?.path_in_schema.join("."))} is compressed with ${codec}; diffmix reads uncompressed and SNAPPY Parquet (rewrite the file with compression="snappy")`);
    }
  }
  const rows = Number(metadata.num_rows), cols = header.length;
  if (rows === 0) throw new DataError(`${name}: no data rows`);
  const meta = metadata;
  async function* blocks(blockRows: number) {
    let scan;
    try {
      scan = await hp.parquetScan({ file: file!, metadata: meta, columns: header });
    } catch (e) {
      throw corrupt(name, e);
    }
    for (const { rowStart, rowEnd } of scan.ranges) {
      const m = rowEnd - rowStart, x = new Float64Array(m * cols);
      for (let j = 0; j < cols; j++) {
        let col;
        try {
          col = await scan.readColumn({ column: header[j], rowStart, rowEnd });
        } catch (e) {
          throw corrupt(name, e);
        }
        if (col.length !== m) throw new DataError(`${name}: column ${j + 1} (${JSON.stringify(header[j])}) has ${col.length} values in rows ${rowStart + 1}–${rowEnd}, expected ${m}`);
        for (let r = 0; r < m; r++) {
          const v = col[r] as unknown;
          const num = typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : NaN;
          if (typeof v !== "number" && typeof v !== "bigint") {
            throw new DataError(`${name}: row ${rowStart + r + 1}, column ${j + 1} (${JSON.stringify(header[j])}) is ${v === null || v === undefined ? "empty (null)" : JSON.stringify(String(v))} (expected a number)`);
          }
          x[r * cols + j] = num;
        }
      }
      checkFinite(x, cols, name, rowStart);
      for (let lo = 0; lo < m; lo += blockRows) {
        const hi = Math.min(m, lo + blockRows);
        yield { x: x.subarray(lo * cols, hi * cols), rows: hi - lo, first: rowStart + lo };
      }
    }
  }
  return { name, rows, cols, header, blocks };
}

/** The whole file as one table. */
export async function parquetTable(path: string): Promise<Table> {
  const src = await openParquet(path);
  const x = new Float64Array(src.rows * src.cols);
  let seen = 0;
  for await (const b of src.blocks(1 << 16)) {
    x.set(b.x, b.first * src.cols);
    seen += b.rows;
  }
  if (seen !== src.rows) throw new DataError(`${path}: the footer promises ${src.rows} rows, the row groups hold ${seen}`);
  return { x, rows: src.rows, cols: src.cols, header: src.header };
}
