/** Validation of user data at the public API: one message naming the row and column. */

export interface Rows {
  x: Float64Array; // row-major
  m: number;
  n: number;
}

export class DataError extends Error {}

/** Accepts number[][] or a row-major Float64Array with `dim`. Copies; never mutates input. */
export function toRows(data: unknown, dim?: number, what = "data", dimSource = 'the option "dim"'): Rows {
  if (data instanceof Float64Array) {
    if (!Number.isInteger(dim) || (dim as number) < 1) {
      throw new DataError(`${what}: a flat Float64Array needs the option "dim" (a positive integer)`);
    }
    const n = dim as number;
    if (data.length % n !== 0) throw new DataError(`${what}: length ${data.length} is not a multiple of dim ${n}`);
    const x = Float64Array.from(data);
    const bad = x.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new DataError(`${what}: row ${Math.floor(bad / n) + 1}, column ${(bad % n) + 1} is ${x[bad]} (expected a finite number)`);
    return { x, m: x.length / n, n };
  }
  if (!Array.isArray(data)) throw new DataError(`${what}: expected number[][] or a Float64Array, got ${typeof data}`);
  if (data.length === 0) throw new DataError(`${what}: no rows`);
  const first = data[0];
  if (!Array.isArray(first) || first.length === 0) throw new DataError(`${what}: row 1 is not a non-empty array of numbers`);
  const n = first.length;
  if (dim !== undefined && dim !== n) throw new DataError(`${what}: rows have ${n} numbers but ${dimSource} is ${dim}`);
  const x = new Float64Array(data.length * n);
  data.forEach((row, t) => {
    if (!Array.isArray(row) || row.length !== n) {
      throw new DataError(`${what}: row ${t + 1} has ${Array.isArray(row) ? row.length : "no"} numbers, expected ${n}`);
    }
    for (let i = 0; i < n; i++) {
      const v = row[i];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new DataError(`${what}: row ${t + 1}, column ${i + 1} is ${String(v)} (expected a finite number)`);
      }
      x[t * n + i] = v;
    }
  });
  return { x, m: data.length, n };
}

/** Points for evaluation: one point (number[]), rows (number[][]) or a row-major Float64Array. */
export function toPoints(x: unknown, n: number, what = "x"): Float64Array {
  const rows = Array.isArray(x) && (x.length === 0 || typeof x[0] === "number") ? [x] : x;
  return toRows(rows, n, what, "the model's dimension").x;
}
