/**
 * What the fit does to the rows before the map (documented in the README, "What the model
 * assumes"):
 *
 *   constant column   refused, by name: a column with one value has no density to learn
 *   grid-valued       dequantised: each value spread uniformly over its grid cell,
 *                     x + U(−δ/2, δ/2) (seeded), where every value is a multiple of the step
 *                     δ and values repeat (integers, prices in cents, ratings, …); recorded in
 *                     the model as {column, step}
 *   far out           refused, by row and column: a value more than FAR_OUT robust scales from
 *                     its column's median would overflow the arithmetic of the fit, and so is
 *                     one beyond ±DATA_MAX (the model file's bound in data units)
 *   heavy tails       compressed: a column whose values beyond TAIL robust scales are spread
 *                     over decades like a power law of index below TAIL_INDEX (Cauchy is 1)
 *                     that continues the body is taken through y = c + s·asinh((x − c)/s)
 *                     (src/map.ts, Compression; recorded in the model): as given, the held-out
 *                     likelihood picks a σ₀ as wide as the tail and the samples come out far
 *                     too spread (issue 14, row 12); refused by name if still heavy after it.
 *                     A far cluster, however wide, is fitted as it is
 *   too many columns  refused: beyond DIM_MAX the fit's n × n matrices (the map, every
 *                     region's frame) cannot be allocated
 */
import { DataError } from "./dataset.ts";
import { rowUniforms, streamState } from "./random.ts";
import { columnStats, compressRows, type Compression } from "./map.ts";
import { DATA_MAX } from "./bounds.ts";

/** |x − median| / robust scale beyond this is refused: squares stay far from overflow (1e24 ≪ 1e308). */
export const FAR_OUT = 1e12;

/** Columns at most: an n × n matrix of doubles is 8n² bytes (128 MB at 4096), and the fit holds one per region. */
export const DIM_MAX = 4096;

/**
 * Heavy tails: among the values more than TAIL robust scales from the median (when at least
 * TAIL_ROWS and 1% of the rows are), the 90% and 10% quantiles of the distance have the ratio
 * 9^(1/α) for a power-law tail of index α; a column with α̂ = ln 9 / ln(q90/q10) below TAIL_INDEX
 * is compressed. Measured (2000 rows): the fit as given was right for t₂ (α̂ ≈ 2), a log-normal
 * (≈ 2.5) and a far cluster (a tight tail: α̂ ≫ 10), far too wide for α = 1.5 and Cauchy.
 *
 * A power-law tail continues the body: beyond the threshold u its 10% quantile is at
 * 0.9^(−1/α)·u, below 1.25u for any α ≥ 0.5. Values that start well past u are a cluster of
 * their own, however wide (scikit-learn's Boston data, column ZN: 73% zeros, so a robust scale of
 * 0.28 after dequantising, the rest from 12.5 to 100: α̂ = 1.6, but its 10% quantile at 7u): a
 * tail whose 10% quantile is beyond TAIL_GAP·u is not one, and is tested again on its own centre
 * and scale (heavyTail).
 */
const TAIL = 10, TAIL_ROWS = 20, TAIL_INDEX = 1.75, TAIL_GAP = 2;

export interface Prepared {
  x: Float64Array;
  dequantised: { column: number; step: number }[];
  /** Heavy-tailed columns, compressed in x (after dequantising). */
  compressed: Compression[];
  centre: number[];
  scales: number[];
}

/** The column's name for messages: "column 3" or `column 3 ("price")`. */
export function columnName(i: number, columns: string[] | null): string {
  return columns ? `column ${i + 1} (${JSON.stringify(columns[i])})` : `column ${i + 1}`;
}

/**
 * The grid step of a column, or 0: the smallest gap between distinct sorted values divides
 * every gap (to 1e-6 of the step, or a 1/k of it for k ≤ 12), and values repeat (fewer distinct
 * values than two thirds of the rows).
 */
export function gridStep(v: Float64Array): number {
  const u = Float64Array.from(v).sort();
  const distinct: number[] = [];
  for (const x of u) if (distinct.length === 0 || x !== distinct[distinct.length - 1]) distinct.push(x);
  if (distinct.length < 2 || distinct.length > (2 / 3) * u.length) return 0;
  let gap = Infinity;
  for (let k = 1; k < distinct.length; k++) gap = Math.min(gap, distinct[k] - distinct[k - 1]);
  for (let div = 1; div <= 12; div++) {
    const step = gap / div;
    const fits = distinct.every((x) => {
      const q = (x - distinct[0]) / step;
      return Math.abs(q - Math.round(q)) <= 1e-6 * Math.max(1, Math.abs(q)) + 1e-9;
    });
    if (fits) return step;
  }
  return 0;
}

/**
 * Spread the grid-valued columns over their cells, in place: row k's noise from (seed, column,
 * ids[k]) alone, so a row gets the same noise whichever rows share the call (shards, streams).
 */
export function dequantise(x: Float64Array, m: number, n: number, steps: { column: number; step: number }[], seed: number, ids: ArrayLike<number>): void {
  for (const { column, step } of steps) {
    const u = rowUniforms(streamState(seed, "dequantise", column), ids);
    for (let t = 0; t < m; t++) x[t * n + column] += (u[t] - 0.5) * step;
  }
}

export function prepare(x0: Float64Array, m: number, n: number, seed: number, columns: string[] | null, ids: ArrayLike<number>, what = "data"): Prepared {
  if (n > DIM_MAX) throw new DataError(`${what}: ${n} columns, but diffmix fits at most ${DIM_MAX} (the fit holds n × n matrices: ${((8 * n * n) / 2 ** 20).toFixed(0)} MB each at ${n})`);
  for (let k = 0; k < m * n; k++) {
    if (!(Math.abs(x0[k]) <= DATA_MAX)) {
      throw new DataError(`${what}: row ${Math.floor(k / n) + 1}, ${columnName(k % n, columns)}: ${x0[k]} is beyond ±${DATA_MAX.toExponential(0)}, the largest value diffmix takes: rescale the column`);
    }
  }
  const { centre, scales } = columnStats(x0, m, n);
  if (m > 1 && scales.every((s) => !(s > 0))) {
    throw new DataError(`${what}: every row is the same (${Array.from(x0.subarray(0, Math.min(n, 8))).join(", ")}${n > 8 ? ", …" : ""}): there is no distribution to learn`);
  }
  for (let i = 0; i < n; i++) {
    if (!(scales[i] > 0)) {
      throw new DataError(`${what}: ${columnName(i, columns)} is constant (${x0[i]} in every row): remove it; diffmix learns the density of columns that vary`);
    }
  }
  for (let t = 0; t < m; t++) {
    for (let i = 0; i < n; i++) {
      const far = Math.abs(x0[t * n + i] - centre[i]) / scales[i];
      if (!(far <= FAR_OUT)) {
        throw new DataError(`${what}: row ${t + 1}, ${columnName(i, columns)}: ${x0[t * n + i]} is ${far.toExponential(1)} times the column's spread from its median (at most ${FAR_OUT.toExponential(0)}): a wrong value? remove the row or rescale the column`);
      }
    }
  }
  const dequantised: { column: number; step: number }[] = [];
  for (let i = 0; i < n; i++) {
    const step = gridStep(column(x0, m, n, i));
    if (step > 0) dequantised.push({ column: i, step });
  }
  const x = Float64Array.from(x0);
  dequantise(x, m, n, dequantised, seed, ids);
  const compressed: Compression[] = [];
  for (let i = 0; i < n; i++) {
    const tail = heavyTail(column(x, m, n, i), m);
    if (tail) compressed.push({ column: i, centre: tail.centre, scale: tail.scale });
  }
  // The spreads after dequantising (a grid column's MAD can be 0 before).
  if (!compressed.length) return { x, dequantised, compressed, ...(dequantised.length ? columnStats(x, m, n) : { centre, scales }) };
  compressRows(compressed, x, m, n);
  // Within FAR_OUT a compressed tail spans a few dozen scales at most (s·log(2·FAR_OUT)), too
  // few for a power law below TAIL_INDEX: a guard, not expected to fire.
  for (const { column: i } of compressed) {
    const still = heavyTail(column(x, m, n, i), m);
    if (still) {
      throw new DataError(`${what}: ${columnName(i, columns)} is heavy-tailed even compressed by asinh (values scattered over decades like a power law of index ${still.alpha.toFixed(1)}; Cauchy is 1): diffmix learns light-tailed densities and would spread the samples far too wide; transform the column first (log, log log)`);
    }
  }
  return { x, dequantised, compressed, ...columnStats(x, m, n) };
}

function column(x: Float64Array, m: number, n: number, i: number): Float64Array {
  return Float64Array.from({ length: m }, (_, t) => x[t * n + i]);
}

/**
 * A power-law tail of the values v (one column, m rows in all): its index α̂ and the centre and
 * robust scale it was measured from, or null where there is none — too few values beyond TAIL
 * scales, or a tail that falls off faster than TAIL_INDEX. A tail that starts well past the
 * threshold (TAIL_GAP) is a part of its own: tested again on its own centre and scale, so that
 * a spike (a robust scale near 0) followed by a far, bounded cluster is not a tail (Boston's ZN)
 * and one followed by a heavy-tailed part is (that part's centre and scale then compress it).
 */
function heavyTail(v: Float64Array, m: number): { alpha: number; centre: number; scale: number } | null {
  for (let depth = 0; depth < 3; depth++) {
    const { centre: [centre], scales: [scale] } = columnStats(v, v.length, 1);
    if (!(scale > 0)) return null;
    const far = v.filter((x) => Math.abs(x - centre) / scale > TAIL);
    if (far.length < Math.max(TAIL_ROWS, 0.01 * m)) return null;
    const d = Float64Array.from(far, (x) => Math.abs(x - centre) / scale).sort();
    const q10 = d[Math.floor(0.1 * (d.length - 1))], alpha = Math.log(9) / Math.log(d[Math.floor(0.9 * (d.length - 1))] / q10);
    if (q10 <= TAIL_GAP * TAIL) return alpha < TAIL_INDEX ? { alpha, centre, scale } : null;
    v = far;
  }
  return null;
}
