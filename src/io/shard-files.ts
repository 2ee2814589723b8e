/**
 * The shard protocol's files.
 *
 * Plan: `{"format": "diffmix-plan", "version": 1, …, "digest": "sha256:…"}`, the FitPlan as
 * JSON with the SHA-256 of its canonical JSON (keys sorted, numbers as JSON writes them, the
 * digest left out). A plan whose digest does not match its content is refused: the stats made
 * with it would not be the stats of the plan that reads them.
 *
 * Stats: binary, little-endian:
 *   "DMXSTATS"            8 bytes
 *   header length H       uint32
 *   header                H bytes of JSON: format "diffmix-stats", version 1, the plan's
 *                         digest, dim, levels, features, rmax, rows and the row ranges (ids)
 *                         the sums cover; padded with spaces to a multiple of 8 bytes
 *   sums                  float64: Σz (n), Σzzᵀ (n²), then per level S (its upper triangle,
 *                         P(P+1)/2, row by row), Rx (P·n), Rc (P·n), csum (P), dsum (P·rmax, at least 1),
 *                         qsum (P·n, since version 2: the covariance gates' term)
 *   SHA-256               32 bytes, of everything before it
 * Binary because the sums are most of the file (40 levels × P² doubles: tens of MB at P = 300,
 * 2.5 times that as JSON text) and must come back bit for bit; the header says the exact size,
 * so a truncated file is named as such, and the checksum catches any other damage.
 */
import { createHash } from "node:crypto";
import { DataError } from "../dataset.ts";
import { PLAN_FORMAT, type FitPlan, type FitStats } from "../fit.ts";
import type { LevelSums } from "../system.ts";
import { shapeOf } from "../level.ts";
import { describeRanges, unionRanges, type RowRanges } from "../shards.ts";
import { nameOf, openForReading, readJSON, writeOutput } from "./files.ts";
import { closeSync, readSync } from "node:fs";

export const PLAN_VERSION = 1;
export const STATS_FORMAT = "diffmix-stats";
export const STATS_VERSION = 2;
const MAGIC = Buffer.from("DMXSTATS", "latin1");

/** A plan as its file holds it: the FitPlan and its digest. */
export type PlanFile = FitPlan & { digest: string };

/** A stats file's content: the sums of the rows `ranges` (ids) under the plan of digest `plan`. */
export interface ShardStats {
  plan: string;
  ranges: RowRanges;
  stats: FitStats;
}

// ---------------------------------------------------------------------------------------
// Plans

/** JSON with every object's keys sorted: the same text for the same content. */
export function canonicalJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((e) => canonicalJSON(e ?? null)).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJSON(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** "sha256:" and the hex SHA-256 of the plan's canonical JSON without its digest. */
export function planDigest(plan: FitPlan): string {
  const { digest: _, ...content } = plan as PlanFile;
  return `sha256:${createHash("sha256").update(canonicalJSON(content)).digest("hex")}`;
}

/** The plan with its digest, ready to write. */
export function withDigest(plan: FitPlan): PlanFile {
  const { digest: _, ...content } = plan as PlanFile;
  return { ...content, digest: planDigest(content as FitPlan) };
}

export async function writePlan(path: string, plan: FitPlan): Promise<void> {
  await writeOutput(path, [JSON.stringify(withDigest(plan)) + "\n"]);
}

/** Reads a plan file: its format, version, shape and digest checked; messages name the file. */
export async function readPlan(path: string): Promise<PlanFile> {
  const name = nameOf(path);
  const o = (await readJSON(path)) as Record<string, unknown>;
  if (!o || typeof o !== "object" || Array.isArray(o)) throw new DataError(`${name}: not a diffmix plan (expected a JSON object)`);
  if (o.format !== PLAN_FORMAT) throw new DataError(`${name}: not a diffmix plan ("format" is ${JSON.stringify(o.format)}, expected "${PLAN_FORMAT}")`);
  if (o.version !== PLAN_VERSION) throw new DataError(`${name}: unsupported plan version ${JSON.stringify(o.version)} (this diffmix reads version ${PLAN_VERSION})`);
  const bad = (field: string, what: string) => new DataError(`${name}: "${field}" ${what}`);
  if (!Number.isInteger(o.dim) || (o.dim as number) < 1) throw bad("dim", "expected a positive integer");
  if (!Array.isArray(o.levels) || o.levels.length < 1) throw bad("levels", "expected an array of levels");
  const rg = o.regions as Record<string, unknown> | undefined;
  if (!rg || typeof rg !== "object" || !Array.isArray(rg.weights) || !Array.isArray(rg.centres) || !Array.isArray(rg.ranks)) throw bad("regions", "expected the regions' weights, centres and ranks");
  if (!o.map || typeof o.map !== "object") throw bad("map", "expected the data map");
  if (typeof o.digest !== "string") throw bad("digest", "missing (plans are written by diffmix plan)");
  const plan = o as unknown as PlanFile;
  if (planDigest(plan) !== plan.digest) throw new DataError(`${name}: the plan's content does not match its digest (edited or damaged? make it again with diffmix plan)`);
  return plan;
}

// ---------------------------------------------------------------------------------------
// Stats

interface StatsHeader {
  format: string;
  version: number;
  plan: string;
  dim: number;
  levels: number;
  features: number;
  rmax: number;
  rows: number;
  ranges: RowRanges;
}

const levelLengths = (P: number, n: number, rmax: number) => [(P * (P + 1)) / 2, P * n, P * n, P, Math.max(1, P * rmax), P * n];

function payloadLength(h: Pick<StatsHeader, "dim" | "levels" | "features" | "rmax">): number {
  const n = h.dim;
  return n + n * n + h.levels * levelLengths(h.features, n, h.rmax).reduce((a, b) => a + b, 0);
}

/** The shape a plan's stats have: dim, levels, features P, rmax. */
export function statsShape(plan: FitPlan): Pick<StatsHeader, "dim" | "levels" | "features" | "rmax"> {
  const s = shapeOf(plan.regions, plan.degree);
  return { dim: plan.dim, levels: plan.levels.length, features: s.features, rmax: s.rmax };
}

/** The bytes of a stats file. */
export function encodeStats(s: ShardStats, shape: Pick<StatsHeader, "dim" | "levels" | "features" | "rmax">): Buffer {
  const { stats } = s, { dim: n, features: P, rmax } = shape;
  if (stats.levels.length !== shape.levels || stats.sum.length !== n) throw new Error("internal: stats of another shape");
  const header: StatsHeader = { format: STATS_FORMAT, version: STATS_VERSION, plan: s.plan, ...shape, rows: stats.rows, ranges: s.ranges };
  let text = JSON.stringify(header);
  text += " ".repeat((8 - ((12 + Buffer.byteLength(text)) % 8)) % 8);
  const head = Buffer.alloc(12 + Buffer.byteLength(text));
  MAGIC.copy(head, 0);
  head.writeUInt32LE(Buffer.byteLength(text), 8);
  head.write(text, 12, "utf8");
  const out = new Float64Array(payloadLength(shape));
  let at = 0;
  const put = (a: Float64Array) => {
    out.set(a, at);
    at += a.length;
  };
  put(stats.sum);
  put(stats.outer);
  for (const lv of stats.levels) {
    if (lv.rows !== stats.rows) throw new Error("internal: a level's rows differ from the stats' rows");
    for (let i = 0; i < P; i++) put(lv.S.subarray(i * P + i, (i + 1) * P));
    put(lv.Rx);
    put(lv.Rc);
    put(lv.csum);
    put(lv.dsum);
    put(lv.qsum);
  }
  if (at !== out.length) throw new Error("internal: stats layout");
  const body = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  if (!littleEndian()) body.swap64();
  const sha = createHash("sha256").update(head).update(body).digest();
  return Buffer.concat([head, body, sha]);
}

/** Parses a stats file's bytes; every failure is a one-line DataError naming `name`. */
export function decodeStats(buf: Buffer, name: string): ShardStats & { header: StatsHeader } {
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) throw new DataError(`${name}: not a diffmix stats file (made by diffmix stats or merge)`);
  const H = buf.readUInt32LE(8);
  if (12 + H > buf.length) throw new DataError(`${name}: truncated: the header alone is ${12 + H} bytes, the file has ${buf.length}`);
  let h: StatsHeader;
  try {
    h = JSON.parse(buf.toString("utf8", 12, 12 + H));
  } catch {
    throw new DataError(`${name}: damaged stats header (not valid JSON)`);
  }
  if (h?.format !== STATS_FORMAT) throw new DataError(`${name}: not a diffmix stats file ("format" is ${JSON.stringify(h?.format)})`);
  if (h.version !== STATS_VERSION) throw new DataError(`${name}: unsupported stats version ${JSON.stringify(h.version)} (this diffmix reads version ${STATS_VERSION})`);
  const ints = ["dim", "levels", "features", "rmax", "rows"] as const;
  for (const k of ints) if (!Number.isSafeInteger(h[k]) || h[k] < 0) throw new DataError(`${name}: damaged stats header ("${k}" is ${JSON.stringify(h[k])})`);
  if (typeof h.plan !== "string" || !Array.isArray(h.ranges)) throw new DataError(`${name}: damaged stats header (no plan digest or row ranges)`);
  const count = payloadLength(h), want = 12 + H + 8 * count + 32;
  if (buf.length < want) throw new DataError(`${name}: truncated: the header promises ${want} bytes, the file has ${buf.length}`);
  if (buf.length > want) throw new DataError(`${name}: ${buf.length - want} bytes after the stats (damaged file?)`);
  const sha = createHash("sha256").update(buf.subarray(0, want - 32)).digest();
  if (!sha.equals(buf.subarray(want - 32))) throw new DataError(`${name}: checksum mismatch: the file is damaged`);
  const body = Buffer.from(buf.subarray(12 + H, want - 32)); // a copy, aligned
  if (!littleEndian()) body.swap64();
  const v = new Float64Array(body.buffer, body.byteOffset, count);
  let at = 0;
  const take = (len: number) => v.slice(at, (at += len));
  const n = h.dim, P = h.features;
  const sum = take(n), outer = take(n * n);
  const levels: LevelSums[] = [];
  for (let l = 0; l < h.levels; l++) {
    const S = new Float64Array(P * P);
    for (let i = 0; i < P; i++) S.set(take(P - i), i * P + i);
    levels.push({ rows: h.rows, S, Rx: take(P * n), Rc: take(P * n), csum: take(P), dsum: take(Math.max(1, P * h.rmax)), qsum: take(P * n) });
  }
  const covered = h.ranges.reduce((s, [lo, hi]) => s + (hi - lo), 0);
  if (covered !== h.rows) throw new DataError(`${name}: damaged stats header (its row ranges hold ${covered} rows, it says ${h.rows})`);
  return { plan: h.plan, ranges: h.ranges, stats: { rows: h.rows, sum, outer, levels }, header: h };
}

export function readStats(path: string): ShardStats & { header: StatsHeader } {
  const { fd, size } = openForReading(path);
  try {
    const buf = Buffer.allocUnsafeSlow(size);
    for (let done = 0; done < size; ) {
      const got = readSync(fd, buf, done, size - done, done);
      if (got === 0) break;
      done += got;
    }
    return decodeStats(buf, path);
  } finally {
    closeSync(fd);
  }
}

export async function writeStats(path: string, s: ShardStats, plan: FitPlan | Pick<StatsHeader, "dim" | "levels" | "features" | "rmax">): Promise<void> {
  const shape = "regions" in plan ? statsShape(plan) : plan;
  await writeOutput(path, [encodeStats(s, shape)]);
}

/** Checks that stats file `name` belongs to plan `plan` (read from `planName`). */
export function checkStatsPlan(s: ShardStats & { header: StatsHeader }, name: string, plan: PlanFile, planName: string): void {
  if (s.plan !== plan.digest) throw new DataError(`${name}: made with another plan (its plan digest is ${short(s.plan)}, ${planName}'s is ${short(plan.digest)})`);
  const want = statsShape(plan), h = s.header;
  if (h.dim !== want.dim || h.levels !== want.levels || h.features !== want.features || h.rmax !== want.rmax) {
    throw new DataError(`${name}: its sums have another shape than ${planName}'s (dim ${h.dim}, ${h.levels} levels, ${h.features} features; the plan: dim ${want.dim}, ${want.levels} levels, ${want.features} features)`);
  }
}

/** b merged into a (in place), refusing another plan or shared rows; `an`, `bn` name them. */
export function mergeShards(a: ShardStats & { header: StatsHeader }, an: string, b: ShardStats & { header: StatsHeader }, bn: string, add: (x: FitStats, y: FitStats) => void): void {
  if (a.plan !== b.plan) throw new DataError(`${bn}: made with another plan than ${an} (plan digests ${short(b.plan)} and ${short(a.plan)})`);
  const ha = a.header, hb = b.header;
  if (ha.dim !== hb.dim || ha.levels !== hb.levels || ha.features !== hb.features || ha.rmax !== hb.rmax) throw new DataError(`${bn}: its sums have another shape than ${an}'s`);
  const u = unionRanges(a.ranges, b.ranges);
  if ("overlap" in u) throw new DataError(`${bn}: ${describeRanges([u.overlap])} are also in ${an} (a shard counted twice?)`);
  add(a.stats, b.stats);
  a.ranges = u.ranges;
  a.header = { ...a.header, rows: a.stats.rows, ranges: u.ranges };
}

const short = (digest: string) => digest.replace(/^sha256:/, "").slice(0, 12);

function littleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
