/**
 * What the shard protocol adds to the fit's plan → accumulate → merge → solve (src/fit.ts),
 * for rows that arrive in blocks (files larger than memory, shards on other machines):
 *
 *   PlanSample     the plan's rows: the K rows of smallest key u(seed, id) — a seeded uniform
 *                  sample without replacement, one pass, K rows of memory, and the same rows
 *                  however the table is cut into files or blocks (the key follows the row's id)
 *   sortByRegion   a block's rows ordered by their most likely region (with their ids, which
 *                  keep the noise), so that each 256-row block of the level sums touches few
 *                  regions, as the in-memory fit's order by micro-cluster does
 *   addInto        a += b in place: one running sum of the stats, memory flat in the rows
 *   RowRanges      the row ids a sum covers, as disjoint intervals: merged, and refused when
 *                  two sums share a row (a shard counted twice)
 */
import type { FitPlan, FitStats } from "./fit.ts";
import { DataError } from "./dataset.ts";
import { compressRows, mapMatrices, toModel } from "./map.ts";
import { rowUniforms, streamState } from "./random.ts";

/** Values farther than this many noise scales from the plan's centre are refused (the fit's own limit: their squares must stay finite). */
const FAR = 1e12;

/**
 * A bottom-K sample by key: row id's key is a uniform draw of the stream (seed, "plan-sample",
 * id). Keeps the K smallest (key, id) in a max-heap.
 */
export class PlanSample {
  private readonly keys: Float64Array;
  private readonly ids: Float64Array;
  private readonly x: Float64Array;
  private size = 0;
  /** Rows offered. */
  seen = 0;
  private readonly stream: Uint32Array;

  constructor(readonly capacity: number, readonly dim: number, seed: number) {
    this.keys = new Float64Array(capacity);
    this.ids = new Float64Array(capacity);
    this.x = new Float64Array(capacity * dim);
    this.stream = streamState(seed, "plan-sample");
  }

  /** Offers `rows` rows (row-major, dim columns) whose ids are firstId, firstId + 1, … */
  add(x: Float64Array, rows: number, firstId: number): void {
    const n = this.dim, ids = Float64Array.from({ length: rows }, (_, k) => firstId + k);
    const u = rowUniforms(this.stream, ids);
    for (let k = 0; k < rows; k++) {
      const key = u[k], id = ids[k];
      if (this.size < this.capacity) {
        const slot = this.size++;
        this.keys[slot] = key;
        this.ids[slot] = id;
        this.x.set(x.subarray(k * n, k * n + n), slot * n);
        this.up(slot);
      } else if (this.before(key, id, 0)) {
        this.keys[0] = key;
        this.ids[0] = id;
        this.x.set(x.subarray(k * n, k * n + n), 0);
        this.down(0);
      }
    }
    this.seen += rows;
  }

  /** The kept rows in id order (file order), with their ids. */
  rows(): { x: Float64Array; ids: Float64Array; m: number } {
    const m = this.size, n = this.dim;
    const order = Array.from({ length: m }, (_, k) => k).sort((a, b) => this.ids[a] - this.ids[b]);
    const x = new Float64Array(m * n), ids = new Float64Array(m);
    order.forEach((slot, k) => {
      x.set(this.x.subarray(slot * n, slot * n + n), k * n);
      ids[k] = this.ids[slot];
    });
    return { x, ids, m };
  }

  /** (key, id) ordered before the heap entry at slot s. */
  private before(key: number, id: number, s: number): boolean {
    return key < this.keys[s] || (key === this.keys[s] && id < this.ids[s]);
  }

  private swap(a: number, b: number): void {
    const n = this.dim;
    [this.keys[a], this.keys[b]] = [this.keys[b], this.keys[a]];
    [this.ids[a], this.ids[b]] = [this.ids[b], this.ids[a]];
    for (let i = 0; i < n; i++) [this.x[a * n + i], this.x[b * n + i]] = [this.x[b * n + i], this.x[a * n + i]];
  }

  private up(s: number): void {
    while (s > 0) {
      const p = (s - 1) >> 1;
      if (!this.before(this.keys[p], this.ids[p], s)) return;
      this.swap(s, p);
      s = p;
    }
  }

  private down(s: number): void {
    for (;;) {
      const l = 2 * s + 1, r = l + 1;
      let big = s;
      if (l < this.size && this.before(this.keys[big], this.ids[big], l)) big = l;
      if (r < this.size && this.before(this.keys[big], this.ids[big], r)) big = r;
      if (big === s) return;
      this.swap(s, big);
      s = big;
    }
  }
}

/**
 * A block's rows (data units) and ids ordered by their most likely region at t = 0,
 * argmax_g log π_g + ⟨z, c_g⟩ − |c_g|²/2 in model units (stable: ids stay in order within a
 * region). Refuses values beyond the fit's limit, naming `name`'s row (ids[k] − base + 1).
 */
export function sortByRegion(plan: FitPlan, x: Float64Array, m: number, ids: Float64Array, name: string, base: number): { x: Float64Array; ids: Float64Array } {
  const n = plan.dim, { centres, weights } = plan.regions, G = weights.length;
  // Compressed as accumulate() will (the order only needs it roughly: not dequantised), on a copy.
  const y = plan.compressed?.length ? Float64Array.from(x) : x;
  compressRows(plan.compressed ?? [], y, m, n);
  const z = toModel(plan.map, mapMatrices(plan.map).inv, y, m);
  const bias = centres.map((c, g) => Math.log(weights[g]) - 0.5 * c.reduce((s, v) => s + v * v, 0));
  const region = new Int32Array(m), count = new Int32Array(G + 1);
  for (let k = 0; k < m; k++) {
    let best = -Infinity, arg = 0;
    for (let i = 0; i < n; i++) {
      const v = z[k * n + i];
      if (!(Math.abs(v) <= FAR)) {
        throw new DataError(`${name}: row ${ids[k] - base + 1}, column ${i + 1}: ${x[k * n + i]} is ${Math.abs(v).toExponential(1)} noise scales from the plan's centre (at most ${FAR.toExponential(0)})`);
      }
    }
    for (let g = 0; g < G; g++) {
      let l = bias[g];
      for (let i = 0; i < n; i++) l += z[k * n + i] * centres[g][i];
      if (l > best) {
        best = l;
        arg = g;
      }
    }
    region[k] = arg;
    count[arg + 1]++;
  }
  for (let g = 0; g < G; g++) count[g + 1] += count[g];
  const sx = new Float64Array(m * n), sids = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const to = count[region[k]]++;
    sx.set(x.subarray(k * n, k * n + n), to * n);
    sids[to] = ids[k];
  }
  return { x: sx, ids: sids };
}

/** a += b, in place (the stats of one plan); returns a. */
export function addInto(a: FitStats, b: FitStats): FitStats {
  const add = (x: Float64Array, y: Float64Array) => {
    for (let k = 0; k < x.length; k++) x[k] += y[k];
  };
  a.rows += b.rows;
  add(a.sum, b.sum);
  add(a.outer, b.outer);
  a.levels.forEach((s, l) => {
    const t = b.levels[l];
    s.rows += t.rows;
    add(s.S, t.S);
    add(s.Rx, t.Rx);
    add(s.Rc, t.Rc);
    add(s.csum, t.csum);
    add(s.dsum, t.dsum);
    add(s.qsum, t.qsum);
  });
  return a;
}

/** Row ids as sorted, disjoint, non-adjacent half-open intervals [first, end). */
export type RowRanges = [number, number][];

/** The union of two sets of ranges; null when they share a row (the first shared range is returned instead). */
export function unionRanges(a: RowRanges, b: RowRanges): { ranges: RowRanges } | { overlap: [number, number] } {
  const all = [...a, ...b].sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  const out: RowRanges = [];
  for (const [lo, hi] of all) {
    const last = out[out.length - 1];
    if (last && lo < last[1]) return { overlap: [lo, Math.min(hi, last[1])] };
    if (last && lo === last[1]) last[1] = hi;
    else out.push([lo, hi]);
  }
  return { ranges: out };
}

/** "rows 1–5000, 7001–9000" (1-based, inclusive), shortened after a few ranges. */
export function describeRanges(r: RowRanges): string {
  const shown = r.slice(0, 4).map(([lo, hi]) => (hi - lo === 1 ? `${lo + 1}` : `${lo + 1}–${hi}`));
  return `row${r.length === 1 && r[0][1] - r[0][0] === 1 ? "" : "s"} ${shown.join(", ")}${r.length > 4 ? `, … (${r.length} ranges)` : ""}`;
}
