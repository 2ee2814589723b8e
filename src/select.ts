/**
 * Choosing the configuration a fit does not fix (algorithm.md, "Choosing the granularity
 * without k"): every candidate (merge threshold R × degree) is fitted on a training split at
 * fewer levels and scored by its held-out Stein loss; the lowest wins.
 */
import type { Kernels } from "./kernels/types.ts";
import { OptionError } from "./options.ts";
import type { Regions } from "./level.ts";
import type { Candidate, ScoreModel } from "./model.ts";
import { unknowns } from "./system.ts";
import { steinLoss } from "./metrics/stein.ts";
import { streamState, uniforms } from "./random.ts";

const SELECT_TRAIN_ROWS = 20000;
const SELECT_HOLDOUT_ROWS = 5000;

/** Rows with their ids (their places in the data as given: they name the rows' noise). */
export interface IdRows {
  x: Float64Array;
  ids: Float64Array;
  m: number;
}

export interface SelectionInput {
  x: Float64Array;
  ids: Float64Array;
  m: number;
  n: number;
  Rs: number[];
  degrees: number[];
  holdout: number;
  seed: number;
  maxUnknowns: number;
  kernels: Kernels;
  regionsFor(R: number): Promise<Regions>;
  /** Fit a candidate on the training rows (the selection's levels). */
  fitOn(train: IdRows, regions: Regions, degree: number): Promise<ScoreModel>;
  onCandidate?(c: Candidate, done: number, total: number): void;
}

export async function select(s: SelectionInput): Promise<{ best: { R: number; degree: number }; selection: Candidate[] }> {
  const { Rs, degrees } = s;
  const selection: Candidate[] = [];
  let best = { R: Rs[0], degree: degrees[0] };
  if (degrees.length * Rs.length <= 1) return { best, selection };
  const { train, hold } = split(s, s.holdout, s.seed);
  const total = degrees.length * Rs.length;
  let bestLoss = Infinity;
  for (const R of Rs) {
    const regions = await s.regionsFor(R);
    const flat = regions.ranks.every((r) => r === 0);
    for (const degree of degrees) {
      const q = unknowns(regions, degree);
      const c: Candidate = { R, degree, loss: null };
      if (q > s.maxUnknowns) c.note = `skipped: ${q} unknowns per level exceed maxUnknowns ${s.maxUnknowns}`;
      else if (flat && degree !== degrees[0]) c.note = `same model as degree ${degrees[0]}: every region has rank 0`;
      else {
        const model = await s.fitOn(train, regions, degree);
        c.loss = steinLoss(s.kernels, model, hold.x, hold.m, s.seed, hold.ids);
        if (c.loss < bestLoss) {
          bestLoss = c.loss;
          best = { R, degree };
        }
      }
      selection.push(c);
      s.onCandidate?.(c, selection.length, total);
    }
  }
  if (bestLoss === Infinity) {
    throw new OptionError(`fit: every configuration exceeds maxUnknowns ${s.maxUnknowns}; lower "rMax" or raise "maxUnknowns"`);
  }
  return { best, selection };
}

/** A seeded hold-out split, each part capped (choosing needs the ranking, not the final accuracy). */
function split({ x, ids, m, n }: IdRows & { n: number }, share: number, seed: number) {
  const u = uniforms(m, streamState(seed, "holdout-split"));
  const holdRows: number[] = [], trainRows: number[] = [];
  for (let t = 0; t < m; t++) (u[t] < share ? holdRows : trainRows).push(t);
  const take = (rows: number[], cap: number): IdRows => {
    const k = Math.min(rows.length, cap);
    const out = new Float64Array(k * n), outIds = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      const row = rows[Math.floor((i * rows.length) / k)];
      out.set(x.subarray(row * n, row * n + n), i * n);
      outIds[i] = ids[row];
    }
    return { x: out, ids: outIds, m: k };
  };
  return { train: take(trainRows, SELECT_TRAIN_ROWS), hold: take(holdRows, SELECT_HOLDOUT_ROWS) };
}
