/**
 * CSV of numbers: one sample per line, comma-separated decimal numbers, an optional header
 * (a first line with any field that is not a number). Parsed byte by byte as it streams in,
 * straight into a growing Float64Array: no strings per line or per field, so a file needs
 * about 1–2.5 times the memory of its numbers, whatever its size.
 *
 * Numbers take the fast path of Clinger's algorithm (a mantissa below 2^53 scaled by an
 * exact power of ten ≤ 10^22 is correctly rounded by one multiplication or division);
 * longer mantissas (17 significant digits, as `String(x)` writes them) fall back to
 * `Number()` on the field's bytes, so every value is exactly what JavaScript would read.
 */
import { DataError } from "../dataset.ts";
import type { Table } from "./table.ts";

const COMMA = 44, LF = 10, CR = 13, SPACE = 32, TAB = 9, PLUS = 43, MINUS = 45, DOT = 46, E_LO = 101, E_HI = 69, D0 = 48;
const MAX_EXACT = 9007199254740992; // 2^53
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

/** The outcome of parsing one field (the number itself goes to `value`). */
const OK = 0, EMPTY = 1, BAD = 2;
type Field = typeof OK | typeof EMPTY | typeof BAD;

/**
 * A push parser: feed it chunks with `push`, then `end()` returns the table. Errors are
 * DataErrors naming the source, the line and the column: `data.csv:17: expected 3 numbers, found 2`.
 */
export class CsvParser {
  private x = new Float64Array(1 << 12);
  private len = 0; // numbers stored
  private cols = -1; // numbers per row, once known
  private line = 0; // lines seen (1-based number of the last complete line)
  private rows = 0;
  private header: string[] | null = null;
  private sawLine = false; // any non-blank line
  private carry: Buffer | null = null;
  private bytes = 0;
  private value = 0; // the last parsed number
  private readonly row: number[] = [];

  constructor(readonly name: string) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.bytes === 0 && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
      chunk = chunk.subarray(3); // a UTF-8 byte-order mark
    }
    this.bytes += chunk.length;
    let start = 0;
    if (this.carry) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      const joined = Buffer.concat([this.carry, chunk.subarray(0, nl)]);
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
    if (start < chunk.length) this.carry = Buffer.from(chunk.subarray(start)); // copy: the reader reuses its buffer
  }

  end(): Table {
    if (this.carry) {
      const c = this.carry;
      this.carry = null;
      this.parseLine(c, 0, c.length);
    }
    if (!this.sawLine) throw new DataError(`${this.name}: empty file (expected one sample per line)`);
    if (this.rows === 0) throw new DataError(`${this.name}: a header line but no data rows`);
    // Trim the spare capacity when it is large; otherwise keep the view (no copy).
    const x = this.x.length > this.len * 1.25 ? this.x.slice(0, this.len) : this.x.subarray(0, this.len);
    this.x = new Float64Array(0);
    return { x, rows: this.rows, cols: this.cols, header: this.header };
  }

  private parseLine(b: Buffer, start: number, end: number): void {
    this.line++;
    if (end > start && b[end - 1] === CR) end--;
    let s = start;
    while (s < end && (b[s] === SPACE || b[s] === TAB)) s++;
    if (s === end) return; // blank line
    if (!this.sawLine) {
      this.sawLine = true;
      if (this.isHeader(b, start, end)) {
        this.header = b.toString("utf8", start, end).split(",").map((f) => f.trim());
        this.cols = this.header.length;
        return;
      }
    }
    const n = this.cols;
    if (n > 0 && this.len + n > this.x.length) this.grow(n);
    let col = 0, p = start;
    for (;;) {
      let q = p;
      while (q < end && b[q] !== COMMA) q++;
      const f = this.parseField(b, p, q);
      if (f !== OK) this.fieldError(b, p, q, col, f);
      if (n < 0) this.row.push(this.value);
      else if (col < n) this.x[this.len + col] = this.value;
      col++;
      if (q === end) break;
      p = q + 1;
    }
    if (n < 0) {
      this.cols = col;
      this.grow(col);
      for (let i = 0; i < col; i++) this.x[i] = this.row[i];
      this.row.length = 0;
    } else if (col !== n) {
      const why = this.header && this.rows === 0 ? ` (the header has ${n} fields)` : "";
      throw new DataError(`${this.name}:${this.line}: expected ${n} numbers${why}, found ${col}`);
    }
    this.len += this.cols;
    this.rows++;
  }

  /** A first line is a header when any field is not a number (NaN and ±Infinity count as numbers). */
  private isHeader(b: Buffer, start: number, end: number): boolean {
    let p = start;
    for (;;) {
      let q = p;
      while (q < end && b[q] !== COMMA) q++;
      if (this.parseField(b, p, q) !== OK && !NON_FINITE.test(b.toString("latin1", p, q).trim())) return true;
      if (q === end) return false;
      p = q + 1;
    }
  }

  /** Parses b[p, q) into this.value. */
  private parseField(b: Buffer, p: number, q: number): Field {
    while (p < q && (b[p] === SPACE || b[p] === TAB)) p++;
    while (q > p && (b[q - 1] === SPACE || b[q - 1] === TAB)) q--;
    if (p === q) return EMPTY;
    const from = p;
    let neg = false;
    if (b[p] === MINUS) { neg = true; p++; } else if (b[p] === PLUS) p++;
    let m = 0, digits = 0, exp = 0, c = 0;
    while (p < q && (c = b[p] - D0) >= 0 && c <= 9) { m = m * 10 + c; digits++; p++; }
    if (p < q && b[p] === DOT) {
      p++;
      while (p < q && (c = b[p] - D0) >= 0 && c <= 9) { m = m * 10 + c; digits++; exp--; p++; }
    }
    if (digits === 0) return BAD;
    if (p < q && (b[p] === E_LO || b[p] === E_HI)) {
      p++;
      let eneg = false, e = 0, ed = 0;
      if (p < q && b[p] === MINUS) { eneg = true; p++; } else if (p < q && b[p] === PLUS) p++;
      while (p < q && (c = b[p] - D0) >= 0 && c <= 9) { if (e < 100000) e = e * 10 + c; ed++; p++; }
      if (ed === 0) return BAD;
      exp += eneg ? -e : e;
    }
    if (p !== q) return BAD;
    if (m <= MAX_EXACT && exp >= -22 && exp <= 22) {
      const v = exp >= 0 ? m * POW10[exp] : m / POW10[-exp];
      this.value = neg ? -v : v;
    } else {
      this.value = Number(b.toString("latin1", from, q)); // the grammar is checked: this is a decimal number
    }
    return Number.isFinite(this.value) ? OK : BAD; // e.g. 1e999
  }

  private fieldError(b: Buffer, p: number, q: number, col: number, f: Field): never {
    const at = `${this.name}:${this.line}: column ${col + 1}`;
    if (f === EMPTY) throw new DataError(`${at}: empty cell (expected a number)`);
    let text = b.toString("utf8", p, q).trim();
    if (NON_FINITE.test(text) || /^[+-]?[\d.]+e[+-]?\d+$/i.test(text)) throw new DataError(`${at}: ${text} is not a finite number`);
    if (text.length > 40) text = `${text.slice(0, 39)}…`;
    throw new DataError(`${at}: ${JSON.stringify(text)} is not a number`);
  }

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
