/**
 * Quality of a sample in one call, every metric beside its noise floor (the same metric for
 * a sample that is as good as it gets, at the same size), so a number is never read alone.
 *
 * With a known truth (N sample rows):
 *   tv2d      (dim 2) histogram TV, cells 0.5, against the exact density     tv.ts
 *   slicedTV  mean 1-D TV over the truth's principal + 16 fixed directions   sliced.ts
 *   mmd       unbiased MMD², Gaussian kernel, median-heuristic bandwidth     mmd.ts
 *   energy    energy distance, sliced (32 directions in 2-D, 64 above)       energy.ts
 * The floor of each is its value for a fresh sample of N rows from the truth. MMD and energy
 * compare with a sample of the truth (min(N, cap) rows, the same for value and floor).
 *
 * With a reference sample only (no truth): the reference is shuffled (seeded) and split in
 * halves A and B; the value compares min(N, |A|) rows of the samples with B, the floor
 * compares as many rows of A with B (slicedTV, mmd, energy).
 */
import type { Mixture } from "../mixture.ts";
import { histogramTV } from "./tv.ts";
import { slicedTV, slicedTVSamples } from "./sliced.ts";
import { MMD_CAP, medianBandwidth, mmd2 } from "./mmd.ts";
import { ENERGY_CAP, energyDistance } from "./energy.ts";
import { subsetRows } from "./rows.ts";

export { histogramTV, histogramTVFloor } from "./tv.ts";
export { slicedTV, slicedTVSamples, tvAgainstAtoms, tvBetweenSamples, slicingDirections, truthCovariance } from "./sliced.ts";
export { mmd2, medianBandwidth } from "./mmd.ts";
export { energyDistance, energy1d, slicingConstant } from "./energy.ts";
export { scoreError, type ScoreErrorResult, type ScoreErrorLevel, type ResidualModel } from "./score-error.ts";
export { normalCdf, projectMixture } from "./projection.ts";

export interface EvaluateOptions {
  dim: number;
  truth?: Mixture;
  reference?: Float64Array;
  /** Seed of the floors' fresh samples, the reference split and any subsets (default 0). */
  seed?: number;
}

export type Metrics = Record<string, { value: number; floor: number }>;

/** Seeds of the truth's fresh draws: far from the small seeds users pick for their own data. */
const FLOOR_SEED = 0x51ab0000;

export function evaluate(samples: Float64Array, options: EvaluateOptions): Metrics {
  const { dim: n, truth, reference } = options;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(n) || n < 1) throw new Error(`evaluate: "dim" must be a positive integer, got ${n}`);
  if (!(samples instanceof Float64Array)) throw new Error("evaluate: samples must be a row-major Float64Array");
  if (samples.length % n !== 0) throw new Error(`evaluate: samples have ${samples.length} numbers, not a multiple of dim ${n}`);
  const N = samples.length / n;
  if (N < 2) throw new Error(`evaluate: need at least 2 sample rows, got ${N}`);
  if (truth) {
    if (truth.dim !== n) throw new Error(`evaluate: the truth has dimension ${truth.dim}, but dim is ${n}`);
    return againstTruth(samples, N, n, truth, seed);
  }
  if (!reference) throw new Error('evaluate: give "truth" (a known mixture) or "reference" (a sample to compare with)');
  if (!(reference instanceof Float64Array) || reference.length % n !== 0) {
    throw new Error(`evaluate: the reference must be a row-major Float64Array with a multiple of dim ${n} numbers`);
  }
  if (reference.length / n < 4) throw new Error(`evaluate: the reference needs at least 4 rows, got ${reference.length / n}`);
  return againstReference(samples, N, n, reference, seed);
}

function againstTruth(samples: Float64Array, N: number, n: number, truth: Mixture, seed: number): Metrics {
  const fresh = truth.sample(N, FLOOR_SEED + seed);
  const out: Metrics = {};
  if (n === 2) out.tv2d = { value: histogramTV(samples, truth), floor: histogramTV(fresh, truth) };
  out.slicedTV = { value: slicedTV(samples, truth).value, floor: slicedTV(fresh, truth).value };
  const mmdRef = truth.sample(Math.min(N, MMD_CAP), FLOOR_SEED + seed + 1);
  const h = medianBandwidth(mmdRef, n, seed);
  out.mmd = { value: mmd2(samples, mmdRef, n, { bandwidth: h, seed }), floor: mmd2(fresh, mmdRef, n, { bandwidth: h, seed }) };
  const energyRef = truth.sample(Math.min(N, ENERGY_CAP), FLOOR_SEED + seed + 2);
  out.energy = { value: energyDistance(samples, energyRef, n, { seed }), floor: energyDistance(fresh, energyRef, n, { seed }) };
  return out;
}

function againstReference(samples: Float64Array, N: number, n: number, reference: Float64Array, seed: number): Metrics {
  const M = reference.length / n, half = Math.floor(M / 2);
  const shuffled = subsetRows(reference, n, M, seed, "evaluate-split", true);
  const A = shuffled.subarray(0, half * n), B = shuffled.subarray(half * n);
  const s = Math.min(N, half);
  const S = subsetRows(samples, n, s, seed, "evaluate-samples"), As = A.subarray(0, s * n);
  const h = medianBandwidth(B, n, seed);
  return {
    slicedTV: { value: slicedTVSamples(S, B, n).value, floor: slicedTVSamples(As, B, n).value },
    mmd: { value: mmd2(S, B, n, { bandwidth: h, seed }), floor: mmd2(As, B, n, { bandwidth: h, seed }) },
    energy: { value: energyDistance(S, B, n, { seed }), floor: energyDistance(As, B, n, { seed }) },
  };
}
