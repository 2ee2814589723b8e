/**
 * NPY (NumPy's array file, format versions 1–3): 2-D float64 or float32, C order, either
 * byte order. Read straight into a Float64Array; written as little-endian float64, v1.0.
 */
import { DataError } from "../dataset.ts";
import type { Table } from "./table.ts";

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

export interface NpyHeader {
  dtype: "f8" | "f4";
  littleEndian: boolean;
  rows: number;
  cols: number;
  /** Bytes before the data. */
  offset: number;
}

/** Parses the preamble; `head` holds at least the file's first bytes (all of the header, if it can). */
export function parseNpyHeader(head: Buffer, name: string): NpyHeader {
  if (head.length < 10 || !head.subarray(0, 6).equals(MAGIC)) throw new DataError(`${name}: not an NPY file (it does not start with \\x93NUMPY)`);
  const major = head[6];
  if (major < 1 || major > 3) throw new DataError(`${name}: unsupported NPY format version ${major}.${head[7]} (expected 1.0, 2.0 or 3.0)`);
  const lenBytes = major === 1 ? 2 : 4;
  const hlen = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  const offset = 8 + lenBytes + hlen;
  if (head.length < offset) throw new DataError(`${name}: truncated: the NPY header is incomplete`);
  const dict = head.toString(major === 3 ? "utf8" : "latin1", 8 + lenBytes, offset);
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(dict)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(dict)?.[1];
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined) {
    throw new DataError(`${name}: malformed NPY header (expected 'descr', 'fortran_order' and 'shape')`);
  }
  const m = /^([<>|=])(f8|f4)$/.exec(descr);
  if (!m) throw new DataError(`${name}: unsupported dtype '${descr}' (expected float64 '<f8' or float32 '<f4')`);
  if (fortran === "True") throw new DataError(`${name}: Fortran-order arrays are not supported (save in C order: np.ascontiguousarray)`);
  const dims = shape.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (dims.length !== 2 || !dims.every((d) => /^\d+$/.test(d))) {
    throw new DataError(`${name}: expected a 2-D array (rows × columns), got shape (${shape.trim()})`);
  }
  const [rows, cols] = dims.map(Number);
  return { dtype: m[2] as "f8" | "f4", littleEndian: m[1] !== ">", rows, cols, offset };
}

/**
 * Converts the raw data bytes (exactly rows × cols × itemsize) into a checked Float64Array.
 * `data` is taken over (byte-swapped in place when needed); float64 data aligned to 8 bytes
 * is used without a copy. `firstRow`: the 0-based index of the data's first row in the file (messages).
 */
export function decodeNpyData(h: NpyHeader, data: Buffer, name: string, firstRow = 0): Table {
  const count = h.rows * h.cols, size = h.dtype === "f8" ? 8 : 4;
  let raw = data.subarray(0, count * size);
  if (raw.byteOffset % size !== 0) {
    const copy = Buffer.allocUnsafeSlow(raw.length);
    raw.copy(copy);
    raw = copy;
  }
  if (h.littleEndian !== isLittleEndian()) (size === 8 ? raw.swap64() : raw.swap32());
  const x = size === 8
    ? new Float64Array(raw.buffer, raw.byteOffset, count)
    : Float64Array.from(new Float32Array(raw.buffer, raw.byteOffset, count));
  checkFinite(x, h.cols, name, firstRow);
  return { x, rows: h.rows, cols: h.cols, header: null };
}

export function checkFinite(x: Float64Array, cols: number, name: string, firstRow = 0): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new DataError(`${name}: row ${firstRow + Math.floor(i / cols) + 1}, column ${(i % cols) + 1} is ${x[i]} (expected a finite number)`);
    }
  }
}

/** The header of a v1.0 little-endian float64 file of rows × cols in C order (written before its data). */
export function npyHeader(rows: number, cols: number): Buffer {
  let dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - 10 - 1, " ") + "\n";
  const head = Buffer.alloc(10);
  MAGIC.copy(head, 0);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(dict.length, 8);
  return Buffer.concat([head, Buffer.from(dict, "latin1")]);
}

/** Little-endian float64 bytes of x (a view where the machine is little-endian). */
export function npyData(x: Float64Array): Buffer {
  const data = Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  return isLittleEndian() ? data : Buffer.from(data).swap64();
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
