/**
 * Which axes a pairs picture of n-D rows shows: chosen columns (in data units), or the first
 * principal directions of a table (src/principal.ts: of the standardised columns), with
 * notes that say what each direction is made of.
 */
import { principalDirections, project, selectColumns } from "../principal.ts";

export interface PairsAxes {
  /** Each axis's name: a column's, or "PC1 (38 %)". */
  names: string[];
  /** Rows (data units, rows × dim) → their coordinates on the axes (rows × names.length). */
  project: (x: Float64Array) => Float64Array;
  /** Lines that say what the axes are. */
  notes: string[];
}

/** The columns `cols` (0-based) of the model's rows. */
export function columnAxes(dim: number, names: string[] | null, cols: number[]): PairsAxes {
  return {
    names: cols.map((c) => (names ? names[c] : `x${c + 1}`)),
    project: (x) => selectColumns(x, dim, cols),
    notes: [],
  };
}

/** The first `count` principal directions of `table` (rows × dim, data units; the data, or samples). */
export function principalAxes(dim: number, names: string[] | null, table: Float64Array, count: number, what: string): PairsAxes {
  const pc = principalDirections(table, dim, { count });
  const label = (i: number) => (names ? names[i] : `x${i + 1}`);
  const notes = pc.directions.map((d, j) => {
    const order = d.map((v, i) => [v, i] as const).sort((a, b) => Math.abs(b[0]) - Math.abs(a[0]) || a[1] - b[1]);
    const top = order.slice(0, 4).map(([v, i]) => `${v < 0 ? "−" : "+"}${Math.abs(v).toFixed(2)} ${label(i)}`).join(" ");
    return `PC${j + 1} (${(100 * pc.share[j]).toFixed(1)} % of the variance) = ${top}${dim > 4 ? " …" : ""}`;
  });
  notes.unshift(`Axes: the first ${count} principal directions of ${what}, in standardised units (each column centred and divided by its standard deviation):`);
  return {
    names: pc.directions.map((_, j) => `PC${j + 1} (${Math.round(100 * pc.share[j])} %)`),
    project: (x) => project(pc, x),
    notes,
  };
}
