/**
 * Tables read block by block, for files larger than memory: an async iterator of row blocks,
 * each with the 0-based index of its first row in the file. The same parsers as readTable
 * (io/files.ts): CSV through CsvParser's take() after each chunk, NPY by reading the rows'
 * bytes at their offset, Parquet a row group at a time. A bad value is an error naming the
 * file and the row (CSV: the line) when its block is read, so a consumer that writes its
 * output only at the end leaves nothing behind.
 */
import { closeSync } from "node:fs";
import { DataError } from "../dataset.ts";
import { CsvParser } from "./csv.ts";
import { chunksOf, formatOf, nameOf, openForReading, openNpy, readNpyRows } from "./files.ts";

/** Rows per block by default: 64 Ki rows (4 MB at 8 columns). */
export const BLOCK_ROWS = 1 << 16;
const CHUNK = 1 << 20;

export interface Block {
  /** rows × cols numbers, row-major (the block's own memory). */
  x: Float64Array;
  rows: number;
  /** The 0-based index of the block's first row in the file. */
  first: number;
}

/** A table opened for reading in blocks. `rows` is known up front for NPY and Parquet (null for CSV until read). */
export interface BlockTable {
  name: string;
  format: "csv" | "npy" | "parquet";
  cols: number | null;
  rows: number | null;
  header: string[] | null;
  /** One pass over the rows; each call starts again from the first row (stdin: once only). */
  blocks(blockRows?: number): AsyncGenerator<Block>;
  /** After a pass: the columns and header seen (CSV learns them from its first lines). */
  seen(): { cols: number; header: string[] | null };
}

export async function openTable(path: string): Promise<BlockTable> {
  const format = formatOf(path), name = nameOf(path);
  if (format === "npy") {
    const { fd, h } = openNpy(path);
    closeSync(fd);
    return {
      name, format, cols: h.cols, rows: h.rows, header: null, seen: () => ({ cols: h.cols, header: null }),
      async *blocks(blockRows = BLOCK_ROWS) {
        const { fd, h } = openNpy(path); // again: the file may have changed between passes
        try {
          for (let first = 0; first < h.rows; first += blockRows) {
            const rows = Math.min(blockRows, h.rows - first);
            yield { x: readNpyRows(path, fd, h, first, rows).x, rows, first };
          }
        } finally {
          closeSync(fd);
        }
      },
    };
  }
  if (format === "parquet") {
    const { openParquet } = await import("./parquet.ts");
    const src = await openParquet(path);
    return {
      name, format, cols: src.cols, rows: src.rows, header: src.header, seen: () => ({ cols: src.cols, header: src.header }),
      blocks: (blockRows = BLOCK_ROWS) => src.blocks(blockRows),
    };
  }
  if (path !== "-") closeSync(openForReading(path).fd); // a missing file is an error now, not at the first pass
  let shape: { cols: number; header: string[] | null } = { cols: 0, header: null };
  let used = false;
  return {
    name, format, cols: null, rows: null, header: null, seen: () => shape,
    async *blocks(blockRows = BLOCK_ROWS) {
      if (path === "-" && used) throw new DataError(`${name}: stdin can be read only once (give a file to read it in passes)`);
      used = true;
      const parser = new CsvParser(name);
      const take = () => {
        const b = parser.take();
        shape = parser.shape;
        return b;
      };
      for await (const chunk of chunksOf(path)) {
        parser.push(chunk);
        if (parser.pending >= blockRows) yield take()!;
      }
      parser.finish();
      const last = take();
      if (last) yield last;
    },
  };
}
