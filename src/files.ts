/**
 * diffmix/files (Node only): fits streamed from files larger than memory, and the shard
 * protocol's files — the library half of `diffmix plan`, `stats`, `merge` and `solve`.
 *
 *   const { plan } = await planFiles(["part-0.npy", "part-1.npy"], { seed: 1 });
 *   await writePlan("plan.json", plan);
 *   const s = await statsFile(plan, "part-1.npy", { firstRow: 1_000_000 });
 *   await writeStats("part-1.stats", s, plan);
 *   const model = await fitFile("big.csv", { seed: 1 }); // both passes, then solve
 */
import { nodeRuntime } from "./node-runtime.ts";
import { fitFile as fitFileWith, planFiles as planFilesWith, statsFile as statsFileWith, type PlanFilesOptions, type StatsFileOptions } from "./stream.ts";
import type { ScoreModel } from "./model.ts";
import type { PlanFile, ShardStats } from "./io/shard-files.ts";

/** fit() streamed from a CSV, NPY or Parquet file: a plan from a seeded sample of planRows rows, then every row's sums, block by block. */
export const fitFile = (path: string, options?: PlanFilesOptions): Promise<ScoreModel> => fitFileWith(path, options, nodeRuntime);
/** The plan of the rows of `paths` (in order), chosen on a seeded sample of at most planRows of them. */
export const planFiles = (paths: string[], options?: PlanFilesOptions): Promise<{ plan: PlanFile; rows: number; cols: number }> => planFilesWith(paths, options, nodeRuntime);
/** The plan's sums over the rows of one file; its row k has the id firstRow + k. */
export const statsFile = (plan: PlanFile, path: string, options?: StatsFileOptions): Promise<ShardStats> => statsFileWith(plan, path, options, nodeRuntime);

export { readPlan, writePlan, readStats, writeStats, planDigest, withDigest, STATS_FORMAT, STATS_VERSION, PLAN_VERSION, type PlanFile, type ShardStats } from "./io/shard-files.ts";
export { PLAN_ROWS, STREAM_OPTIONS, type PlanFilesOptions, type StatsFileOptions, type StreamOptions, type StreamProgress } from "./stream.ts";
export { addInto, unionRanges, type RowRanges } from "./shards.ts";
export { openTable, BLOCK_ROWS, type Block, type BlockTable } from "./io/blocks.ts";
