/**
 * Fits streamed from files (Node): the fit's plan → accumulate → merge → solve (src/fit.ts)
 * driven over row blocks read from disk (src/io/blocks.ts), so no pass holds all rows.
 *
 *   planFiles   pass 1: a seeded bottom-K sample of the rows (src/shards.ts PlanSample: the
 *               same K rows however the table is cut into files), then plan() on it — map, σ₀,
 *               regions, degree, clip boxes, chosen as the in-memory fit chooses them, on at
 *               most `planRows` rows. The plan records them: config.planSample = {rows, seen}.
 *   statsFile   pass 2: each block's rows sorted by region (with their ids), accumulated and
 *               added in place into one running sum; row k of the file has id firstRow + k.
 *   fitFile     both passes over one file, then solve(): the model's `rows` is the count the
 *               stats saw, config.planSample says how many rows chose the plan.
 *
 * Memory: the plan's sample (planRows × dim), two blocks and the sums (levels × features²),
 * whatever the file's length.
 */
import { DataError } from "./dataset.ts";
import { MIN_ROWS, accumulate, plan as planRows, solve, type FitOptions, type FitStats } from "./fit.ts";
import { OptionError, int, resolve, type Decl } from "./options.ts";
import type { EnvSource } from "./pool.ts";
import type { Backend } from "./kernels/index.ts";
import type { ScoreModel } from "./model.ts";
import { PlanSample, addInto, sortByRegion } from "./shards.ts";
import { BLOCK_ROWS, openTable, type BlockTable } from "./io/blocks.ts";
import { withDigest, type PlanFile, type ShardStats } from "./io/shard-files.ts";

export interface StreamOptions {
  /** Rows the plan is chosen on (a seeded uniform sample of the file's rows); default 100 000. */
  planRows?: number;
  /** The id of the first file's first row (default 0): names the rows' noise and their place in the whole. */
  firstRow?: number;
  /** Rows per block read (default 65 536): memory, not results. */
  blockRows?: number;
}

export const PLAN_ROWS = 100_000;

export const STREAM_OPTIONS = {
  planRows: { check: int(MIN_ROWS, 10_000_000), default: PLAN_ROWS, doc: "rows the plan (map, σ₀, regions, degree) is chosen on: a seeded uniform sample of the data", cli: { value: "N" } },
  firstRow: { check: int(0, Number.MAX_SAFE_INTEGER), default: 0, doc: "the global index of the file's first row (its rows' noise follows it): the shard's place in the whole data", cli: { value: "K" } },
  blockRows: { check: int(1, 1 << 24), default: BLOCK_ROWS, doc: "rows per block read from the file (memory only; the result does not depend on it)", cli: { value: "B" } },
} satisfies Record<keyof StreamOptions, Decl>;

export type StreamProgress =
  | { phase: "read" | "stats"; done: number; total: number | null; message: string }
  | { phase: "select" | "fit"; done: number; total: number; message: string };

export interface PlanFilesOptions extends Omit<FitOptions, "dim" | "onProgress">, StreamOptions {
  onProgress?: (p: StreamProgress) => void;
}

export interface StatsFileOptions {
  firstRow?: number;
  blockRows?: number;
  threads?: number;
  backend?: Backend;
  onProgress?: (p: StreamProgress) => void;
}

const split = <T extends object>(o: T | undefined) => {
  const { planRows, firstRow, blockRows, ...fit } = (o ?? {}) as StreamOptions & Record<string, unknown>;
  const s = resolve<Required<StreamOptions>>({ planRows, firstRow, blockRows }, STREAM_OPTIONS);
  return { stream: s, fit };
};

/** Which file and row of it an id is, for messages. */
function locate(tables: { name: string; first: number; rows: number }[], id: number): string {
  const t = tables.find((f) => id >= f.first && id < f.first + f.rows) ?? tables[tables.length - 1];
  return `${t.name}: row ${id - t.first + 1}`;
}

/**
 * Pass 1 over `paths` (read in order; their rows' ids consecutive from firstRow): the plan
 * of a seeded sample of at most planRows rows. Returns the plan (with its digest) and the rows
 * and columns read.
 */
export async function planFiles(paths: string[], options: PlanFilesOptions | undefined, source: EnvSource): Promise<{ plan: PlanFile; rows: number; cols: number }> {
  if (paths.length === 0) throw new OptionError("planFiles: no files");
  const { stream: s, fit: fitOptions } = split(options);
  const onProgress = options?.onProgress;
  const seed = (fitOptions.seed as number | undefined) ?? 0;
  let sample: PlanSample | undefined, n = 0, header: string[] | null = null, id = s.firstRow;
  const read: { name: string; first: number; rows: number }[] = [];
  for (const path of paths) {
    const table = await openTable(path);
    const start = id;
    for await (const b of table.blocks(s.blockRows)) {
      const cols = b.x.length / b.rows;
      if (!sample) {
        n = cols;
        header = table.seen().header;
        sample = new PlanSample(s.planRows, n, seed);
      } else if (cols !== n) throw new DataError(`${table.name}: ${cols} columns, but ${read[0]?.name ?? paths[0]} has ${n}`);
      sample.add(b.x, b.rows, start + b.first);
      id = start + b.first + b.rows;
      onProgress?.({ phase: "read", done: id - s.firstRow, total: null, message: `${table.name}: ${id - start} rows` });
    }
    read.push({ name: table.name, first: start, rows: id - start });
  }
  const total = id - s.firstRow, names = read.map((r) => r.name).join(", ");
  if (total < MIN_ROWS) throw new DataError(`${names}: ${total} rows, but fit needs at least ${MIN_ROWS}`);
  const rows = sample!.rows();
  let p;
  try {
    p = await planRows(rows.x, {
      ...(fitOptions as FitOptions), dim: n, ...(header && !fitOptions.columns ? { columns: header } : {}),
      onProgress: onProgress ? (q) => onProgress(q) : undefined,
    }, source);
  } catch (e) {
    // Messages about the sample's rows name the file's rows instead.
    if (e instanceof DataError) {
      const m = /^data: row (\d+)(.*)$/s.exec(e.message);
      if (m) throw new DataError(`${locate(read, rows.ids[Number(m[1]) - 1])}${m[2]}`);
      throw new DataError(e.message.replace(/^data: /, `${names}: `));
    }
    throw e;
  }
  const plan = withDigest({ ...p, config: { ...p.config, planSample: { rows: rows.m, seen: total } } });
  return { plan, rows: total, cols: n };
}

/**
 * Pass 2: the plan's sums over the rows of `path`; row k of the file has id firstRow + k. Blocks
 * are sorted by region before their sums (the ids keep the noise) and added into one running sum.
 */
export async function statsFile(plan: PlanFile, path: string, options: StatsFileOptions | undefined, source: EnvSource): Promise<ShardStats> {
  const { stream: s } = split({ firstRow: options?.firstRow, blockRows: options?.blockRows });
  const table = await openTable(path);
  return statsTable(plan, table, s.firstRow, s.blockRows, options ?? {}, source);
}

async function statsTable(plan: PlanFile, table: BlockTable, firstRow: number, blockRows: number, o: StatsFileOptions, source: EnvSource): Promise<ShardStats> {
  const n = plan.dim, name = table.name;
  const wrong = (cols: number) => new DataError(`${name}: ${cols} column${cols === 1 ? "" : "s"}, but the plan is for ${n}`);
  if (table.cols !== null && table.cols !== n) throw wrong(table.cols);
  let total: FitStats | undefined, done = 0;
  const it = table.blocks(blockRows)[Symbol.asyncIterator]();
  let next = await it.next();
  while (!next.done) {
    const b = next.value;
    if (b.x.length !== b.rows * n) throw wrong(b.x.length / b.rows);
    if (b.first === 0) checkColumns(plan, table);
    const ids = Float64Array.from({ length: b.rows }, (_, k) => firstRow + b.first + k);
    const sorted = sortByRegion(plan, b.x, b.rows, ids, name, firstRow);
    const pending = accumulate(plan, sorted.x, sorted.ids, source, { threads: o.threads, backend: o.backend });
    let following;
    try {
      following = await it.next(); // the next block is read while the workers sum this one
    } catch (e) {
      await pending.catch(() => undefined);
      throw e;
    }
    const part = await pending;
    total = total ? addInto(total, part) : part;
    done += b.rows;
    o.onProgress?.({ phase: "stats", done, total: table.rows, message: `${name}: ${done} rows` });
    next = following;
  }
  if (!total) throw new DataError(`${name}: no data rows`);
  return { plan: plan.digest, ranges: [[firstRow, firstRow + total.rows]], stats: total };
}

/** A shard whose header names other columns (or the same in another order) than the plan's is refused. */
function checkColumns(plan: PlanFile, table: BlockTable): void {
  const header = table.seen().header, want = plan.columns;
  if (!header || !want) return;
  const i = header.findIndex((c, k) => c !== want[k]);
  if (i >= 0) throw new DataError(`${table.name}: column ${i + 1} is ${JSON.stringify(header[i])}, but the plan has ${JSON.stringify(want[i])} there (columns: ${want.join(", ")})`);
}

/**
 * fit() streamed from a file: pass 1 chooses the plan on a sample of at most planRows rows,
 * pass 2 sums every row. A file of at most planRows rows gives fit()'s model up to rounding.
 */
export async function fitFile(path: string, options: PlanFilesOptions | undefined, source: EnvSource): Promise<ScoreModel> {
  if (path === "-") throw new OptionError("fitFile: stdin cannot be read in passes (give a file)");
  const { plan, rows } = await planFiles([path], options, source);
  const { stream: s, fit: fo } = split(options);
  const table = await openTable(path);
  const shard = await statsTable(plan, table, s.firstRow, s.blockRows, {
    threads: fo.threads as number | undefined, backend: fo.backend as Backend | undefined,
    onProgress: options?.onProgress ? (p) => options.onProgress!({ ...p, total: rows } as StreamProgress) : undefined,
  }, source);
  if (shard.stats.rows !== rows) throw new DataError(`${table.name}: ${shard.stats.rows} rows on the second pass, ${rows} on the first (the file changed while it was read?)`);
  return solve(plan, shard.stats, source, { backend: fo.backend as Backend | undefined });
}
