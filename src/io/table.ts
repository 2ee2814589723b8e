/** A numeric table read from a file: rows × cols numbers, row-major. */
export interface Table {
  x: Float64Array;
  rows: number;
  cols: number;
  /** The CSV header's fields, when the file had one. */
  header: string[] | null;
}
