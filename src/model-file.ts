/**
 * The model file: `{"format": "diffmix-model", "version": 3, …}`, written by ScoreModel's
 * toJSON and read back here with every field checked; messages name the field. Version 1
 * (no data map) still loads, as the identity map with σ₀ = 1; version 2 (no "ladder": fixed
 * regions) as it was.
 *
 * What loads evaluates to finite numbers: besides shapes and types, parseModel enforces every
 * invariant the evaluators rely on (times, weights, frames, the map, the moments) and the bounds
 * of src/bounds.ts, which keep their arithmetic finite.
 */
import { basisSize, multiIndexTable } from "./basis.ts";
import { CLIP_MAX, COORD_MAX, DATA_MAX, DEGREE_MAX, EVAL_MAX, T_MAX } from "./bounds.ts";
import { inverse } from "./map.ts";
import { GATINGS, type Gating, type Level, type Regions } from "./level.ts";
import { MAP_KINDS, identityMap, type Compression, type DataMap, type MapKind } from "./map.ts";

export interface Candidate { R: number; degree: number; loss: number | null; note?: string; [key: string]: unknown }

export interface ModelData {
  dim: number;
  /** The columns' names (a CSV header), or null. */
  columns: string[] | null;
  /** Data → model units. */
  map: DataMap;
  /** Grid-valued columns the fit spread over their grid step (uniform noise), recorded. */
  dequantised: { column: number; step: number }[];
  /** Heavy-tailed columns compressed (after dequantising, before the map: src/map.ts); absent or [] for none. */
  compressed?: Compression[];
  /** Rows the level statistics saw. */
  rows: number;
  degree: number;
  /** How rows are shared among regions (src/level.ts; the file's "gates"). */
  gating: Gating;
  tMin: number;
  T: number;
  /** The regions (with a ladder: the lowest levels' set). */
  regions: Regions;
  /** regions: "ladder": the coarser region sets of the levels above (Level.set k ≥ 1 uses ladder[k − 1]); null for fixed regions. */
  ladder: Regions[] | null;
  levels: Level[]; // ascending t
  moments: { mean: number[]; cov: number[] };
  config: Record<string, unknown>; // the options the fit used, for the record
  selection: Candidate[]; // held-out scores of the configurations tried (empty if fixed)
}

export const MODEL_FORMAT = "diffmix-model";
export const MODEL_VERSION = 3;

/** Relative tolerance of the invariants that rounding touches (weights summing to 1, det M = 1, orthonormal frames). */
const TOL = 1e-6;

export class ModelError extends Error {}

/** The JSON object of a model (the fields of ModelData, in a fixed order). */
export function modelJSON(d: ModelData): Record<string, unknown> {
  const { dim, columns, map, dequantised, compressed, rows, degree, gating, tMin, T, regions, ladder, levels, moments, config, selection } = d;
  // "compressed" only where a column is: files of data without heavy tails stay as they were.
  return { format: MODEL_FORMAT, version: MODEL_VERSION, dim, columns, map, dequantised, ...(compressed?.length ? { compressed } : {}), rows, degree, gates: gating, tMin, T, regions, ladder, levels, moments, config, selection };
}

/** Parse and validate; `where` names the source in messages (e.g. a file name). */
export function parseModel(json: unknown, where = "model"): ModelData {
  const v = new Validator(where);
  const o = v.object(json, "");
  if (o.format !== MODEL_FORMAT) v.fail("format", `expected "${MODEL_FORMAT}", got ${show(o.format)}`);
  if (o.version !== MODEL_VERSION && o.version !== 2 && o.version !== 1) v.fail("version", `unsupported version ${show(o.version)} (this diffmix reads versions 1 to ${MODEL_VERSION})`);
  const n = v.int(o.dim, "dim", 1);
  const v1 = o.version === 1;
  const map = v1 ? identityMap(n) : v.map(o.map, n);
  const columns = v1 || o.columns === null ? null : v.strings(o.columns, "columns", n);
  const dequantised = v1 ? [] : v.columnList(o.dequantised, "dequantised", n, (e, at, column) => ({ column, step: v.positive(e.step, `${at}.step`) }));
  const compressed = v1 || o.compressed === undefined ? [] : v.columnList(o.compressed, "compressed", n, (e, at, column): Compression => {
    const centre = v.num(e.centre, `${at}.centre`), scale = v.positive(e.scale, `${at}.scale`);
    if (!(Math.abs(centre) <= DATA_MAX)) v.fail(`${at}.centre`, `${centre} is beyond ±${DATA_MAX.toExponential(0)}`);
    // s·sinh((y − c)/s) must stay finite over the model's range, and (x − c)/s meaningful.
    if (!(scale <= DATA_MAX && scale >= 1e-300)) v.fail(`${at}.scale`, `expected a scale in [1e-300, ${DATA_MAX.toExponential(0)}], got ${scale}`);
    return { column, centre, scale };
  });
  const rows = v1 ? 0 : v.int(o.rows, "rows", 0);
  const degree = v.int(o.degree, "degree", 0, DEGREE_MAX);
  const gating = GATINGS.includes(o.gates as Gating) ? (o.gates as Gating) : v.fail("gates", `expected one of ${GATINGS.map((g) => `"${g}"`).join(", ")}`);
  const tMin = v.positive(o.tMin, "tMin");
  const T = v.num(o.T, "T");
  if (!(T > tMin && T <= T_MAX)) v.fail("T", `expected a number in (tMin, ${T_MAX}] (tMin is ${tMin}), got ${T}`);
  const regions = v.regions(o.regions, "regions", n, v1);
  const ladder = o.version !== MODEL_VERSION || o.ladder === null ? null : v.array(o.ladder, "ladder").map((r, k) => v.regions(r, `ladder[${k}]`, n, false));
  const sets = [regions, ...(ladder ?? [])];
  const levels = v.array(o.levels, "levels").map((raw, l): Level => {
    const lv = v.object(raw, `levels[${l}]`);
    const set = ladder ? v.int(lv.set, `levels[${l}].set`, 0, ladder.length) : lv.set === undefined ? 0 : v.fail(`levels[${l}].set`, "a model without a ladder has one region set (no \"set\")");
    const rs = sets[set], G = rs.weights.length;
    const at = (k: string, g: number) => `levels[${l}].${k}[${g}]`;
    const lo = v.array(lv.lo, `levels[${l}].lo`), hi = v.array(lv.hi, `levels[${l}].hi`), W = v.array(lv.W, `levels[${l}].W`);
    if (lo.length !== G || hi.length !== G || W.length !== G) v.fail(`levels[${l}]`, `expected lo, hi and W for ${G} regions`);
    const t = v.num(lv.t, `levels[${l}].t`);
    if (!(t >= tMin * (1 - TOL) && t <= T * (1 + TOL))) v.fail(`levels[${l}].t`, `expected a time in [tMin, T] = [${tMin}, ${T}], got ${t}`);
    const level: Level = {
      t,
      lo: lo.map((x, g) => v.numbers(x, at("lo", g), rs.ranks[g], CLIP_MAX)),
      hi: hi.map((x, g) => v.numbers(x, at("hi", g), rs.ranks[g], CLIP_MAX)),
      W: W.map((x, g) => v.numbers(x, at("W", g), n * basisSize(rs.ranks[g], degree))),
      ...(ladder ? { set } : {}),
    };
    level.lo.forEach((b, g) => b.forEach((x, j) => x <= level.hi[g][j] || v.fail(`${at("lo", g)}[${j}]`, `the clip box is empty: lo ${x} > hi ${level.hi[g][j]}`)));
    return level;
  });
  if (levels.length < 1) v.fail("levels", "expected at least one level");
  levels.forEach((lv, l) => l > 0 && !(lv.t > levels[l - 1].t) && v.fail(`levels[${l}].t`, "levels must have increasing t"));
  // A ladder's sets follow the levels in order, each used by one run of levels: 0 first, then 1, 2, …
  levels.forEach((lv, l) => {
    const prev = l === 0 ? 0 : levels[l - 1].set ?? 0, set = lv.set ?? 0;
    if (set !== prev && set !== prev + 1) v.fail(`levels[${l}].set`, `expected ${prev} or ${prev + 1} (sets follow the levels in order), got ${set}`);
  });
  if (ladder && (levels[levels.length - 1].set ?? 0) !== ladder.length) v.fail("ladder", `has ${ladder.length} sets but the levels use ${levels[levels.length - 1].set}`);
  sets.forEach((rs, k) => v.posteriorBound(rs, levels.filter((lv) => (lv.set ?? 0) === k), degree));
  const mo = v.object(o.moments, "moments");
  const moments = { mean: v.numbers(mo.mean, "moments.mean", n, COORD_MAX), cov: v.numbers(mo.cov, "moments.cov", n * n, COORD_MAX ** 2) };
  v.covariance(moments.cov, n, "moments.cov");
  const config = o.config && typeof o.config === "object" ? (o.config as Record<string, unknown>) : {};
  const selection = Array.isArray(o.selection) ? (o.selection as Candidate[]) : [];
  return { dim: n, columns, map, dequantised, compressed, rows, degree, gating, tMin, T, regions, ladder, levels, moments, config, selection };
}

/** A value in a message: numbers as JavaScript writes them (NaN, Infinity), a missing field as such. */
function show(x: unknown): string {
  if (x === undefined) return "nothing (the field is missing)";
  if (typeof x === "number") return String(x);
  const s = JSON.stringify(x);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/**
 * Upper bounds of the normalised Hermite polynomials and their derivatives on [−U, U], k ≤ D:
 * the recurrence h_k = (u·h_{k−1} − √(k−1)·h_{k−2})/√k in absolute values, h'_k = √k·h_{k−1}.
 */
function hermiteBounds(U: number, D: number): { h: number[]; dh: number[] } {
  const h = [1, U], dh = [0, 1];
  for (let k = 2; k <= D; k++) {
    h.push((U * h[k - 1] + Math.sqrt(k - 1) * h[k - 2]) / Math.sqrt(k));
    dh.push(Math.sqrt(k) * h[k - 1]);
  }
  return { h, dh };
}

class Validator {
  constructor(private readonly where: string) {}
  fail(path: string, msg: string): never {
    throw new ModelError(`${this.where}: ${path ? `"${path}" ` : ""}${msg}`);
  }
  object(x: unknown, path: string): Record<string, unknown> {
    if (!x || typeof x !== "object" || Array.isArray(x)) this.fail(path, "expected a JSON object");
    return x as Record<string, unknown>;
  }
  /** A region set at `path`: shapes, positive weights summing to 1, orthonormal frames. */
  regions(raw: unknown, path: string, n: number, v1: boolean): Regions {
    const rg = this.object(raw, path);
    const G = this.array(rg.weights, `${path}.weights`).length;
    if (G < 1) this.fail(`${path}.weights`, "expected at least one region");
    if (this.int(rg.dim, `${path}.dim`, 1) !== n) this.fail(`${path}.dim`, `is ${rg.dim} but dim is ${n}`);
    const weights = this.numbers(rg.weights, `${path}.weights`, G);
    const ranks = this.array(rg.ranks, `${path}.ranks`).map((r, g) => this.int(r, `${path}.ranks[${g}]`, 0, n));
    const centres = this.array(rg.centres, `${path}.centres`).map((c, g) => this.numbers(c, `${path}.centres[${g}]`, n, COORD_MAX));
    // Version 1 kept each region's whole n×n eigenvector frame; version 2 keeps the r_g frame directions.
    const r = (g: number) => ranks[g] ?? 0;
    const frames = this.array(rg.frames, `${path}.frames`).map((c, g) => {
      const E = this.numbers(c, `${path}.frames[${g}]`, v1 ? n * n : n * r(g));
      return v1 ? Array.from({ length: n * r(g) }, (_, k) => E[Math.floor(k / r(g)) * n + (k % r(g))]) : E;
    });
    const spreads = this.array(rg.spreads, `${path}.spreads`).map((c, g) => this.numbers(c, `${path}.spreads[${g}]`, v1 ? n : r(g), COORD_MAX ** 2).slice(0, r(g)));
    const regions: Regions = { dim: n, weights, ranks, centres, frames, spreads };
    for (const key of ["ranks", "centres", "frames", "spreads"] as const) {
      if (regions[key].length !== G) this.fail(`${path}.${key}`, `has ${regions[key].length} entries, expected ${G}`);
    }
    weights.forEach((w, g) => w > 0 || this.fail(`${path}.weights[${g}]`, `expected a positive weight, got ${w}`));
    const total = weights.reduce((s, w) => s + w, 0);
    if (!(Math.abs(total - 1) <= TOL)) this.fail(`${path}.weights`, `expected weights summing to 1 (±${TOL}), got ${total}`);
    frames.forEach((E, g) => this.orthonormal(E, n, ranks[g], `${path}.frames[${g}]`));
    return regions;
  }
  array(x: unknown, path: string): unknown[] {
    if (!Array.isArray(x)) this.fail(path, "expected an array");
    for (let i = 0; i < x.length; i++) if (!(i in x)) this.fail(`${path}[${i}]`, "expected a value, got a hole in the array");
    return x as unknown[];
  }
  num(x: unknown, path: string): number {
    if (typeof x !== "number" || !Number.isFinite(x)) this.fail(path, `expected a finite number, got ${show(x)}`);
    return x as number;
  }
  int(x: unknown, path: string, min: number, max = Infinity): number {
    if (!Number.isInteger(x) || (x as number) < min || (x as number) > max) this.fail(path, `expected an integer in [${min}, ${max}], got ${show(x)}`);
    return x as number;
  }
  positive(x: unknown, path: string): number {
    const v = this.num(x, path);
    if (!(v > 0)) this.fail(path, `expected a positive number, got ${v}`);
    return v;
  }
  strings(x: unknown, path: string, len: number): string[] {
    const a = this.array(x, path);
    if (a.length !== len) this.fail(path, `expected ${len} names, got ${a.length}`);
    for (let i = 0; i < a.length; i++) if (typeof a[i] !== "string") this.fail(`${path}[${i}]`, `expected a string, got ${show(a[i])}`);
    return a as string[];
  }
  /** n finite numbers, each of magnitude at most `max`. */
  /** A list of per-column entries ({column, …}), each column in [0, n) and listed once; `entry` reads the rest. */
  columnList<T>(x: unknown, path: string, n: number, entry: (e: Record<string, unknown>, at: string, column: number) => T): T[] {
    const seen = new Set<number>();
    return this.array(x, path).map((q, k) => {
      const at = `${path}[${k}]`, e = this.object(q, at);
      const column = this.int(e.column, `${at}.column`, 0, n - 1);
      if (seen.has(column)) this.fail(`${at}.column`, `column ${column} is listed twice`);
      seen.add(column);
      return entry(e, at, column);
    });
  }
  numbers(x: unknown, path: string, len: number, max = Infinity): number[] {
    const a = this.array(x, path);
    if (a.length !== len) this.fail(path, `expected ${len} numbers, got ${a.length} (wrong dimension?)`);
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (typeof v !== "number" || !Number.isFinite(v)) this.fail(`${path}[${i}]`, `expected a finite number, got ${show(v)}`);
      if (!(Math.abs(v) <= max)) this.fail(`${path}[${i}]`, `${v} is beyond ±${max.toExponential(0)}, where the model's arithmetic stays finite`);
    }
    return a as number[];
  }
  /**
   * The map: a known kind; the shape of that kind (the identity for none and isotropic, a
   * positive diagonal for diagonal) with det 1; σ₀M and its inverse finite, and their product
   * the identity (to TOL): a map that can be inverted.
   */
  map(x: unknown, n: number): DataMap {
    const o = this.object(x, "map");
    const kind = MAP_KINDS.includes(o.kind as MapKind) ? (o.kind as MapKind) : this.fail("map.kind", `expected one of ${MAP_KINDS.join(", ")}, got ${show(o.kind)}`);
    const map = { kind, centre: this.numbers(o.centre, "map.centre", n, DATA_MAX), shape: this.numbers(o.shape, "map.shape", n * n), scale: this.positive(o.scale, "map.scale") };
    const M = map.shape;
    if (kind === "none" && map.centre.some((b) => b !== 0)) this.fail("map.centre", `a map of kind "none" has the centre 0`);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const want = kind === "none" || kind === "isotropic" ? (i === j ? 1 : 0) : kind === "diagonal" && i !== j ? 0 : undefined;
        if (want !== undefined && M[i * n + j] !== want) this.fail(`map.shape[${i * n + j}]`, `a map of kind "${kind}" has ${want} there, got ${M[i * n + j]}`);
      }
      if (kind === "diagonal" && !(M[i * n + i] > 0)) this.fail(`map.shape[${i * n + i}]`, `expected a positive scale, got ${M[i * n + i]}`);
    }
    const A = M.map((v) => v * map.scale);
    const inv = inverse(A, n);
    A.forEach((v, k) => Math.abs(v) <= DATA_MAX || this.fail(`map.shape[${k}]`, `σ₀ × ${M[k]} = ${v} is beyond ±${DATA_MAX.toExponential(0)} (data units)`));
    if (!inv.every(Number.isFinite)) this.fail("map", `the inverse of σ₀·shape is not finite: the map cannot be inverted`);
    let worst = 0, logdet = 0;
    // Row i of A·inv over the nonzero A[i, k] only: O(n²) for the diagonal kinds, not O(n³).
    const row = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      row.fill(0);
      for (let k = 0; k < n; k++) {
        const aik = A[i * n + k];
        if (aik !== 0) for (let j = 0; j < n; j++) row[j] += aik * inv[k * n + j];
      }
      for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(row[j] - (i === j ? 1 : 0)));
    }
    if (!(worst <= TOL)) this.fail("map.shape", `is singular or too ill-conditioned to invert (σ₀M·(σ₀M)⁻¹ is off the identity by ${worst.toExponential(1)})`);
    const lu = Float64Array.from(M);
    for (let c = 0; c < n; c++) {
      let p = c;
      for (let r = c + 1; r < n; r++) if (Math.abs(lu[r * n + c]) > Math.abs(lu[p * n + c])) p = r;
      if (p !== c) for (let k = 0; k < n; k++) [lu[c * n + k], lu[p * n + k]] = [lu[p * n + k], lu[c * n + k]];
      const d = lu[c * n + c];
      logdet += Math.log(Math.abs(d));
      for (let r = c + 1; r < n; r++) {
        const f = lu[r * n + c] / d;
        if (f !== 0) for (let k = c; k < n; k++) lu[r * n + k] -= f * lu[c * n + k];
      }
    }
    if (!(Math.abs(logdet) <= TOL)) this.fail("map.shape", `expected |det| = 1 (σ₀ carries the scale), got ${Math.exp(logdet)}`);
    return map;
  }
  /** The r columns of the n×r frame E (row-major) are orthonormal (to TOL). */
  orthonormal(E: number[], n: number, r: number, path: string): void {
    for (let j = 0; j < r; j++) {
      for (let k = j; k < r; k++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += E[i * r + j] * E[i * r + k];
        if (!(Math.abs(s - (j === k ? 1 : 0)) <= TOL)) this.fail(path, `the frame's directions ${j} and ${k} are not orthonormal (inner product ${s})`);
      }
    }
  }
  /** Symmetric and positive semi-definite (a Cholesky factorisation of cov + TOL·max diag·I succeeds). */
  covariance(c: number[], n: number, path: string): void {
    let top = 0;
    for (let i = 0; i < n; i++) {
      if (!(c[i * n + i] >= 0)) this.fail(`${path}[${i * n + i}]`, `a variance must be ≥ 0, got ${c[i * n + i]}`);
      top = Math.max(top, c[i * n + i]);
      for (let j = 0; j < i; j++) {
        if (!(Math.abs(c[i * n + j] - c[j * n + i]) <= TOL * Math.max(1e-300, Math.abs(c[i * n + j])))) this.fail(path, `is not symmetric ([${i}][${j}] is ${c[i * n + j]}, [${j}][${i}] is ${c[j * n + i]})`);
      }
    }
    const L = new Float64Array(n * n), jitter = TOL * top + 1e-300;
    for (let j = 0; j < n; j++) {
      let d = c[j * n + j] + jitter;
      for (let k = 0; k < j; k++) d -= L[j * n + k] ** 2;
      if (!(d > 0)) this.fail(path, "is not positive semi-definite (not a covariance)");
      L[j * n + j] = Math.sqrt(d);
      for (let i = j + 1; i < n; i++) {
        let s = c[i * n + j];
        for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
        L[i * n + j] = s / L[j * n + j];
      }
    }
  }
  /**
   * E[μ|x] = W_g φ(u)/a and its divergence stay within COORD_MAX over the whole clip box at
   * every level (blended levels are convex combinations: the same bound holds between them).
   */
  posteriorBound(regions: Regions, levels: Level[], D: number): void {
    const n = regions.dim;
    const tables = new Map<number, Int32Array>();
    regions.ranks.forEach((r, g) => {
      let U = 0;
      for (const lv of levels) for (let j = 0; j < r; j++) U = Math.max(U, Math.abs(lv.lo[g][j]), Math.abs(lv.hi[g][j]));
      const { h, dh } = hermiteBounds(U, D);
      const p = basisSize(r, D);
      if (!tables.has(r)) tables.set(r, multiIndexTable(r, D));
      const table = tables.get(r)!;
      const phi = new Float64Array(p), dphi = new Float64Array(p * r);
      for (let f = 0; f < p; f++) {
        phi[f] = 1;
        for (let j = 0; j < r; j++) phi[f] *= h[table[f * r + j]];
        for (let j = 0; j < r; j++) {
          let d = 1;
          for (let i = 0; i < r; i++) d *= i === j ? dh[table[f * r + i]] : h[table[f * r + i]];
          dphi[f * r + j] = d;
        }
      }
      const E = regions.frames[g];
      levels.forEach((lv, l) => {
        const W = lv.W[g], ia = Math.exp(lv.t);
        let div = 0;
        for (let i = 0; i < n; i++) {
          let m = 0;
          for (let f = 0; f < p; f++) m += Math.abs(W[i * p + f]) * phi[f];
          if (!(m * ia <= COORD_MAX)) this.fail(`levels[${l}].W[${g}]`, `E[μ | x] reaches ${(m * ia).toExponential(1)} in the clip box (at most ${COORD_MAX.toExponential(0)}): coefficients too large`);
          for (let j = 0; j < r; j++) {
            let s = 0;
            for (let f = 0; f < p; f++) s += Math.abs(W[i * p + f]) * dphi[f * r + j];
            div += Math.abs(E[i * r + j]) * s;
          }
        }
        if (!(div * ia <= COORD_MAX)) this.fail(`levels[${l}].W[${g}]`, `the divergence of E[μ | x] reaches ${(div * ia).toExponential(1)} in the clip box (at most ${COORD_MAX.toExponential(0)}): coefficients too large`);
      });
    });
  }
}
