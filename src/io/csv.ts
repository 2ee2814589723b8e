/**
 * CSV of numbers: one sample per line, comma-separated decimal numbers, an optional header
 * (a first line with any field that is not a number). Parsed byte by byte as it streams in,
 * straight into a growing Float64Array: no strings per line or per field, so a file needs
 * about 1–2.5 times the memory of its numbers, whatever its size.
 *
 * Every number is the double that `Number()` would give (correctly rounded): a mantissa below
 * 2^53 times an exact power of ten ≤ 10^22 takes Clinger's fast path (one multiplication or
 * division); 16–19 digit mantissas (as `String(x)` writes them) are scaled in double-double
 * arithmetic and checked (`scaleExact`); the rest (more digits, larger exponents, or the rare
 * number too close to a rounding boundary) go through `Number()` on the field's bytes.
 *
 * It reads bytes (Uint8Array; Node's Buffers are ones) and uses nothing of Node, so the
 * browser demo parses an uploaded file with it and reports the command line's messages.
 */
import { DataError } from "../dataset.ts";
import type { Table } from "./table.ts";

const COMMA = 44, LF = 10, CR = 13, SPACE = 32, TAB = 9, PLUS = 43, MINUS = 45, DOT = 46, E_LO = 101, E_HI = 69, D0 = 48;
const MAX_EXACT = 9007199254740992; // 2^53
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
/** Text that reads as a number, finite or not (1e999 overflows to Infinity). */
const NUMBER_LIKE = /^[+-]?((\d+\.?\d*|\.\d+)(e[+-]?\d+)?|nan|inf|infinity)$/i;

/** What is wrong with a field, for the message; parseField returns them as negative indices. */
const EMPTY = 1, BAD = 2;
type Field = typeof EMPTY | typeof BAD;
const EMPTY_AT = -1, BAD_AT = -2;

const UTF8 = new TextDecoder("utf-8");

/** The bytes [start, end) as UTF-8 text (a header, a bad field for a message). */
function utf8(b: Uint8Array, start: number, end: number): string {
  return UTF8.decode(b.subarray(start, end));
}

/** The bytes [start, end) one character each (what Number() reads; the grammar was checked). */
function latin1(b: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
  return s;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function fieldEnd(b: Uint8Array, p: number, end: number): number {
  while (p < end && b[p] !== COMMA) p++;
  return p;
}

/**
 * A push parser: feed it chunks with `push`, then `end()` returns the table. Errors are
 * DataErrors naming the source, the line and the column: `data.csv:17: expected 3 numbers, found 2`.
 * Two drivers: readCsv keeps every row (end), the block reader (io/blocks.ts) takes the rows
 * parsed so far after each chunk (take) and finishes with finish() and a last take().
 */
export class CsvParser {
  private x = new Float64Array(1 << 12);
  private len = 0; // numbers stored
  private cols = -1; // numbers per row, once known
  private line = 0; // lines seen (1-based number of the last complete line)
  private rows = 0;
  private taken = 0; // rows handed out by take()
  private header: string[] | null = null;
  private sawLine = false; // any non-blank line
  private carry: Uint8Array | null = null;
  private value = 0; // the last parsed number
  private readonly row: number[] = [];

  /** `sizeHint`: the input's size in bytes when known, to size the buffer from the first row. */
  constructor(readonly name: string, private readonly sizeHint = 0) {}

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    let start = 0;
    if (this.carry) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.carry = concat(this.carry, chunk);
        return;
      }
      const joined = concat(this.carry, chunk.subarray(0, nl));
      this.carry = null;
      this.parseLine(joined, 0, joined.length);
      start = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(LF, start);
      if (nl < 0) break;
      this.parseLine(chunk, start, nl);
      start = nl + 1;
    }
    if (start < chunk.length) this.carry = Uint8Array.prototype.slice.call(chunk, start); // a copy: the reader reuses its buffer
  }

  /** The rows parsed since the last take (a copy; `first` is the 0-based index of the first), or null if none. */
  take(): { x: Float64Array; rows: number; first: number } | null {
    const rows = this.rows - this.taken;
    if (rows === 0) return null;
    const block = { x: this.x.slice(0, this.len), rows, first: this.taken };
    this.taken = this.rows;
    this.len = 0;
    return block;
  }

  /** Rows parsed and not yet taken. */
  get pending(): number {
    return this.rows - this.taken;
  }

  /** The columns (once a row or header is seen) and the header. */
  get shape(): { cols: number; header: string[] | null } {
    return { cols: this.cols, header: this.header };
  }

  /** Parses the last line (without a newline) and checks that there was data. */
  finish(): void {
    if (this.carry) {
      const c = this.carry;
      this.carry = null;
      this.parseLine(c, 0, c.length);
    }
    if (!this.sawLine) throw new DataError(`${this.name}: empty file (expected one sample per line)`);
    if (this.rows === 0) throw new DataError(`${this.name}: a header line but no data rows`);
  }

  end(): Table {
    this.finish();
    // Trim the spare capacity when it is large; otherwise keep the view (no copy).
    const x = this.x.length > this.len * 1.25 ? this.x.slice(0, this.len) : this.x.subarray(0, this.len);
    this.x = new Float64Array(0);
    return { x, rows: this.rows, cols: this.cols, header: this.header };
  }

  private parseLine(b: Uint8Array, start: number, end: number): void {
    this.line++;
    if (this.line === 1 && end - start >= 3 && b[start] === 0xef && b[start + 1] === 0xbb && b[start + 2] === 0xbf) start += 3; // a UTF-8 byte-order mark
    if (end > start && b[end - 1] === CR) end--;
    let s = start;
    while (s < end && (b[s] === SPACE || b[s] === TAB)) s++;
    if (s === end) return; // blank line
    if (!this.sawLine) {
      this.sawLine = true;
      if (this.isHeader(b, start, end)) {
        this.header = utf8(b, start, end).split(",").map((f) => f.trim());
        this.cols = this.header.length;
        return;
      }
    }
    const n = this.cols;
    if (n > 0 && this.len + n > this.x.length) this.grow(n);
    let col = 0, p = start;
    for (;;) {
      const q = this.parseField(b, p, end);
      if (q < 0) this.fieldError(b, p, end, col, q === EMPTY_AT ? EMPTY : BAD);
      if (n < 0) this.row.push(this.value);
      else if (col < n) this.x[this.len + col] = this.value;
      col++;
      if (q === end) break;
      p = q + 1;
    }
    if (n < 0) {
      this.cols = col;
      // Room for the whole file at the first row's length (+10%), or grow by half as needed.
      const estimate = this.sizeHint > 0 ? Math.ceil((1.1 * this.sizeHint) / Math.max(1, end - start + 1)) * col : 0;
      this.grow(Math.max(col, Math.min(estimate, 2 ** 27)));
      for (let i = 0; i < col; i++) this.x[i] = this.row[i];
      this.row.length = 0;
    } else if (col !== n) {
      const why = this.header && this.rows === 0 ? ` (the header has ${n} fields)` : "";
      throw new DataError(`${this.name}:${this.line}: expected ${n} numbers${why}, found ${col}`);
    }
    this.len += this.cols;
    this.rows++;
  }

  /**
   * A first line is a header when any field is not a number. NaN, ±Infinity and decimals
   * beyond a double's range (1e999) count as numbers: such a line is data, and an error.
   */
  private isHeader(b: Uint8Array, start: number, end: number): boolean {
    let p = start;
    for (;;) {
      const q = fieldEnd(b, p, end);
      if (this.parseField(b, p, end) < 0 && !NUMBER_LIKE.test(latin1(b, p, q).trim())) return true;
      if (q === end) return false;
      p = q + 1;
    }
  }

  /**
   * Parses the field that starts at p (and ends at the next comma or at `end`) into
   * this.value, in one pass; returns the index of that comma (or `end`), or EMPTY_AT / BAD_AT.
   */
  private parseField(b: Uint8Array, p: number, end: number): number {
    while (p < end && (b[p] === SPACE || b[p] === TAB)) p++;
    if (p === end || b[p] === COMMA) return EMPTY_AT;
    const q = end;
    const from = p;
    let neg = false;
    if (b[p] === MINUS) { neg = true; p++; } else if (b[p] === PLUS) p++;
    // Significant digits: the first 15 in hi, the next 4 in lo; w = hi·10^nlo + lo, value = w·10^exp.
    let hi = 0, lo = 0, nlo = 0, sig = 0, exp = 0, digits = 0, lost = false, c = 0;
    while (p < q && (c = b[p] - D0) >= 0 && c <= 9) {
      digits++;
      p++;
      if (sig === 0 && c === 0) continue; // a leading zero
      if (sig < 15) hi = hi * 10 + c;
      else if (sig < 19) { lo = lo * 10 + c; nlo++; }
      else { exp++; if (c !== 0) lost = true; }
      sig++;
    }
    if (p < q && b[p] === DOT) {
      p++;
      while (p < q && (c = b[p] - D0) >= 0 && c <= 9) {
        digits++;
        p++;
        if (sig === 0 && c === 0) { exp--; continue; }
        if (sig < 15) { hi = hi * 10 + c; exp--; }
        else if (sig < 19) { lo = lo * 10 + c; nlo++; exp--; }
        else if (c !== 0) lost = true;
        sig++;
      }
    }
    if (digits === 0) return BAD_AT;
    if (p < q && (b[p] === E_LO || b[p] === E_HI)) {
      p++;
      let eneg = false, e = 0, ed = 0;
      if (p < q && b[p] === MINUS) { eneg = true; p++; } else if (p < q && b[p] === PLUS) p++;
      while (p < q && (c = b[p] - D0) >= 0 && c <= 9) { if (e < 100000) e = e * 10 + c; ed++; p++; }
      if (ed === 0) return BAD_AT;
      exp += eneg ? -e : e;
    }
    const to = p;
    while (p < q && (b[p] === SPACE || b[p] === TAB)) p++;
    if (p < q && b[p] !== COMMA) return BAD_AT;
    let v = NaN;
    if (!lost && exp >= -22 && exp <= 22) {
      const w = nlo === 0 ? hi : hi * POW10[nlo] + lo;
      if (w < MAX_EXACT) v = exp >= 0 ? w * POW10[exp] : w / POW10[-exp]; // Clinger's fast path: exact inputs, one rounding
      else v = scaleExact(hi, POW10[nlo], lo, exp);
    }
    // The grammar is checked, so this is a decimal number: Number() reads it (exactly, but slowly).
    this.value = v === v ? (neg ? -v : v) : Number(latin1(b, from, to));
    return Number.isFinite(this.value) ? p : BAD_AT; // e.g. 1e999
  }

  private fieldError(b: Uint8Array, p: number, end: number, col: number, f: Field): never {
    const q = fieldEnd(b, p, end);
    const at = `${this.name}:${this.line}: column ${col + 1}`;
    if (f === EMPTY) throw new DataError(`${at}: empty cell (expected a number)`);
    let text = utf8(b, p, q).trim();
    if (NUMBER_LIKE.test(text)) throw new DataError(`${at}: ${text} is not a finite number`); // NaN, Infinity, 1e999
    if (text.length > 40) text = `${text.slice(0, 39)}…`;
    throw new DataError(`${at}: ${JSON.stringify(text)} is not a number`);
  }

  /** Makes room for at least n more numbers. */
  private grow(n: number): void {
    let cap = this.x.length;
    while (cap < this.len + n) cap = Math.ceil(cap * 1.5) + n;
    if (cap === this.x.length) return;
    const next = new Float64Array(cap);
    next.set(this.x.subarray(0, this.len));
    this.x = next;
  }
}

/**
 * Writes rows as CSV text in pieces of about `chunkChars` characters (the caller sends each
 * piece on). Numbers are written by `String(x)`: the shortest text that reads back exactly.
 */
export function* csvChunks(x: Float64Array, cols: number, header: string[] | null = null, chunkChars = 1 << 20): Generator<string> {
  let out = header ? header.join(",") + "\n" : "";
  const rows = x.length / cols;
  for (let r = 0; r < rows; r++) {
    let line = String(x[r * cols]);
    for (let c = 1; c < cols; c++) line += "," + x[r * cols + c];
    out += line + "\n";
    if (out.length >= chunkChars) {
      yield out;
      out = "";
    }
  }
  if (out.length > 0) yield out;
}

// ---------------------------------------------------------------------------------------
// Correctly rounded w·10^e for 16–19 digit mantissas w = hi·10^k + lo and |e| ≤ 22, in
// double-double arithmetic (Dekker's exact products): w is held exactly as wh + wl, the
// product or quotient with P = 10^|e| (an exact double) is formed to a relative error below
// 2^-100, and its rounding is accepted only when it is the same at both ends of an
// interval 2^-95·|v| wide around the estimate; otherwise (about one number in 2^40) NaN
// sends the caller to Number().

const SPLIT = 134217729; // 2^27 + 1

/** a·b = p + err exactly (Dekker); returns p, err in the module's scratch. */
let tpErr = 0;
function twoProduct(a: number, b: number): number {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  tpErr = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  return p;
}

function scaleExact(hi: number, tenK: number, lo: number, e: number): number {
  // w = hi·10^k + lo exactly as wh + wl (integers below 2^64).
  const p = twoProduct(hi, tenK), pe = tpErr;
  const s = p + lo, bb = s - p, se = (p - (s - bb)) + (lo - bb); // TwoSum
  const t = pe + se; // small integers: exact
  const wh = s + t, wl = t - (wh - s); // FastTwoSum, |s| ≥ |t|
  let vh: number, vl: number;
  if (e >= 0) {
    const P = POW10[e];
    const a = twoProduct(wh, P), ae = tpErr;
    const r = ae + wl * P;
    vh = a + r;
    vl = r - (vh - a);
  } else {
    const P = POW10[-e];
    const q1 = wh / P;
    const c = twoProduct(q1, P), ce = tpErr;
    const r = (wh - c) + wl - ce; // w − q1·P, to a relative error of 2^-52 of a tiny number
    const q2 = r / P;
    vh = q1 + q2;
    vl = q2 - (vh - q1);
  }
  const d = Math.abs(vh) * 2 ** -95;
  return vh + (vl - d) === vh && vh + (vl + d) === vh ? vh : NaN;
}
