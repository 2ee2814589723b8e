/**
 * The model file: `{"format": "diffmix-model", "version": 2, …}`, written by ScoreModel's
 * toJSON and read back here with every field checked; messages name the field. Version 1
 * (no data map) still loads, as the identity map with σ₀ = 1.
 */
import { basisSize } from "./basis.ts";
import type { Level, Regions } from "./level.ts";
import type { Candidate, ModelData } from "./model.ts";
import { MAP_KINDS, identityMap, type DataMap, type MapKind } from "./map.ts";

export const MODEL_FORMAT = "diffmix-model";
export const MODEL_VERSION = 2;

export class ModelError extends Error {}

/** The JSON object of a model (the fields of ModelData, in a fixed order). */
export function modelJSON(d: ModelData): Record<string, unknown> {
  const { dim, columns, map, dequantised, rows, degree, gating, tMin, T, regions, levels, moments, config, selection } = d;
  return { format: MODEL_FORMAT, version: MODEL_VERSION, dim, columns, map, dequantised, rows, degree, gates: gating, tMin, T, regions, levels, moments, config, selection };
}

/** Parse and validate; `where` names the source in messages (e.g. a file name). */
export function parseModel(json: unknown, where = "model"): ModelData {
  const v = new Validator(where);
  const o = v.object(json, "");
  if (o.format !== MODEL_FORMAT) v.fail("format", `expected "${MODEL_FORMAT}", got ${JSON.stringify(o.format)}`);
  if (o.version !== MODEL_VERSION && o.version !== 1) v.fail("version", `unsupported version ${JSON.stringify(o.version)} (this diffmix reads versions 1 and ${MODEL_VERSION})`);
  const n = v.int(o.dim, "dim", 1);
  const v1 = o.version === 1;
  const map = v1 ? identityMap(n) : v.map(o.map, n);
  const columns = v1 || o.columns === null ? null : v.strings(o.columns, "columns", n);
  const dequantised = v1 ? [] : v.array(o.dequantised, "dequantised").map((q, k) => {
    const e = v.object(q, `dequantised[${k}]`);
    return { column: v.int(e.column, `dequantised[${k}].column`, 0, n - 1), step: v.positive(e.step, `dequantised[${k}].step`) };
  });
  const rows = v1 ? 0 : v.int(o.rows, "rows", 0);
  const degree = v.int(o.degree, "degree", 0);
  const gating = o.gates === "soft" || o.gates === "hard" ? o.gates : v.fail("gates", `expected "soft" or "hard"`);
  const tMin = v.num(o.tMin, "tMin"), T = v.num(o.T, "T");
  const rg = v.object(o.regions, "regions");
  const G = v.array(rg.weights, "regions.weights").length;
  if (G < 1) v.fail("regions.weights", "expected at least one region");
  if (v.int(rg.dim, "regions.dim", 1) !== n) v.fail("regions.dim", `is ${rg.dim} but dim is ${n}`);
  const regions: Regions = {
    dim: n,
    weights: v.numbers(rg.weights, "regions.weights", G),
    ranks: v.array(rg.ranks, "regions.ranks").map((r, g) => v.int(r, `regions.ranks[${g}]`, 0, n)),
    centres: v.array(rg.centres, "regions.centres").map((c, g) => v.numbers(c, `regions.centres[${g}]`, n)),
    frames: [] as number[][],
    spreads: [] as number[][],
  };
  // Version 1 kept each region's whole n×n eigenvector frame; version 2 keeps the r_g frame directions.
  const r = (g: number) => regions.ranks[g] ?? 0;
  const framesIn = v.array(rg.frames, "regions.frames"), spreadsIn = v.array(rg.spreads, "regions.spreads");
  regions.frames = framesIn.map((c, g) => {
    const E = v.numbers(c, `regions.frames[${g}]`, v1 ? n * n : n * r(g));
    return v1 ? Array.from({ length: n * r(g) }, (_, k) => E[Math.floor(k / r(g)) * n + (k % r(g))]) : E;
  });
  regions.spreads = spreadsIn.map((c, g) => v.numbers(c, `regions.spreads[${g}]`, v1 ? n : r(g)).slice(0, r(g)));
  for (const key of ["ranks", "centres", "frames", "spreads"] as const) {
    if (regions[key].length !== G) v.fail(`regions.${key}`, `has ${regions[key].length} entries, expected ${G}`);
  }
  const levels = v.array(o.levels, "levels").map((raw, l): Level => {
    const lv = v.object(raw, `levels[${l}]`);
    const at = (k: string, g: number) => `levels[${l}].${k}[${g}]`;
    const lo = v.array(lv.lo, `levels[${l}].lo`), hi = v.array(lv.hi, `levels[${l}].hi`), W = v.array(lv.W, `levels[${l}].W`);
    if (lo.length !== G || hi.length !== G || W.length !== G) v.fail(`levels[${l}]`, `expected lo, hi and W for ${G} regions`);
    return {
      t: v.num(lv.t, `levels[${l}].t`),
      lo: lo.map((x, g) => v.numbers(x, at("lo", g), regions.ranks[g])),
      hi: hi.map((x, g) => v.numbers(x, at("hi", g), regions.ranks[g])),
      W: W.map((x, g) => v.numbers(x, at("W", g), n * basisSize(regions.ranks[g], degree))),
    };
  });
  if (levels.length < 1) v.fail("levels", "expected at least one level");
  levels.forEach((lv, l) => l > 0 && !(lv.t > levels[l - 1].t) && v.fail(`levels[${l}].t`, "levels must have increasing t"));
  const mo = v.object(o.moments, "moments");
  const moments = { mean: v.numbers(mo.mean, "moments.mean", n), cov: v.numbers(mo.cov, "moments.cov", n * n) };
  const config = o.config && typeof o.config === "object" ? (o.config as Record<string, unknown>) : {};
  const selection = Array.isArray(o.selection) ? (o.selection as Candidate[]) : [];
  return { dim: n, columns, map, dequantised, rows, degree, gating, tMin, T, regions, levels, moments, config, selection };
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
  array(x: unknown, path: string): unknown[] {
    if (!Array.isArray(x)) this.fail(path, "expected an array");
    return x as unknown[];
  }
  num(x: unknown, path: string): number {
    if (typeof x !== "number" || !Number.isFinite(x)) this.fail(path, `expected a finite number, got ${JSON.stringify(x)}`);
    return x as number;
  }
  int(x: unknown, path: string, min: number, max = Infinity): number {
    if (!Number.isInteger(x) || (x as number) < min || (x as number) > max) this.fail(path, `expected an integer in [${min}, ${max}], got ${JSON.stringify(x)}`);
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
    a.forEach((s, i) => typeof s !== "string" && this.fail(`${path}[${i}]`, `expected a string, got ${JSON.stringify(s)}`));
    return a as string[];
  }
  map(x: unknown, n: number): DataMap {
    const o = this.object(x, "map");
    const kind = MAP_KINDS.includes(o.kind as MapKind) ? (o.kind as MapKind) : this.fail("map.kind", `expected one of ${MAP_KINDS.join(", ")}, got ${JSON.stringify(o.kind)}`);
    return { kind, centre: this.numbers(o.centre, "map.centre", n), shape: this.numbers(o.shape, "map.shape", n * n), scale: this.positive(o.scale, "map.scale") };
  }
  numbers(x: unknown, path: string, len: number): number[] {
    const a = this.array(x, path);
    if (a.length !== len) this.fail(path, `expected ${len} numbers, got ${a.length} (wrong dimension?)`);
    a.forEach((v, i) => (typeof v !== "number" || !Number.isFinite(v)) && this.fail(`${path}[${i}]`, `expected a finite number, got ${JSON.stringify(v)}`));
    return a as number[];
  }
}
