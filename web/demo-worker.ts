/**
 * The demo's second worker: the library's jobs (src/worker) plus the EM baseline, the quality
 * measures and, for a file the user opened, the held-out log-likelihoods and the learned
 * density on a grid, so that nothing slow runs on the page's thread.
 */
import { serveJobs, diffmixJobs, type Job } from "../src/worker/index.ts";
import { fitEM, logpdfEM, sampleEM, type EMResult } from "../src/em.ts";
import { densityGrid, histogramTV, mixtureFromSpec, ScoreModel, type Box, type MixtureSpec } from "../src/index.ts";
import { twoSampleTV } from "./quality.ts";

export interface EmRequest { data: Float64Array; seed: number; dim?: number; covariance?: "identity" | "full" }
export interface QualityRequest {
  samples: Float64Array;
  em: EMResult;
  spec: MixtureSpec | null; // the truth, when known
  data: Float64Array; // the training rows (the reference when there is no truth)
  seed: number;
}
export interface Quality {
  against: "truth" | "data";
  tv: number;
  emTv: number;
  floor: number | null;
  cell: number;
}
export interface HeldoutRequest { model: Record<string, unknown>; em: EMResult; rows: Float64Array; samples: Float64Array }
export interface Heldout {
  /** Mean log p̂ per held-out row (nats), and EM's. */
  model: number;
  em: number;
  /** log p̂ of each held-out row, and of the samples given. */
  rows: Float64Array;
  samples: Float64Array;
  steps: number;
}
export interface DensityRequest { model: Record<string, unknown>; box: Box; size: number }

/** ODE steps of the held-out log p̂ (logpdf's default). */
const STEPS = 50;

const em: Job = (req) => {
  const { data, seed, dim = 2, covariance = "identity" } = req as unknown as EmRequest;
  return fitEM(data, { dim, k: "bic", kRange: [1, 10], covariance, seed });
};

const quality: Job = (req): Quality => {
  const { samples, em: model, spec, data, seed } = req as unknown as QualityRequest;
  const count = samples.length / 2;
  const emSamples = sampleEM(model, count, seed + 7919);
  if (spec) {
    const truth = mixtureFromSpec(spec);
    return {
      against: "truth",
      tv: histogramTV(samples, truth),
      emTv: histogramTV(emSamples, truth),
      floor: histogramTV(truth.sample(count, seed + 104729), truth), // a fresh true sample of the same size
      cell: 0.5,
    };
  }
  return { against: "data", tv: twoSampleTV(samples, data, 1), emTv: twoSampleTV(emSamples, data, 1), floor: null, cell: 1 };
};

const mean = (v: Float64Array) => v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);

const heldout: Job = (req): Heldout => {
  const { model: json, em: baseline, rows, samples } = req as unknown as HeldoutRequest;
  const model = ScoreModel.fromJSON(json, "held-out request: model");
  const lp = model.logpdf(rows, { steps: STEPS });
  return { model: mean(lp), em: mean(logpdfEM(baseline, rows)), rows: lp, samples: model.logpdf(samples, { steps: STEPS }), steps: STEPS };
};

const density: Job = (req): Float64Array => {
  const { model: json, box, size } = req as unknown as DensityRequest;
  return densityGrid(ScoreModel.fromJSON(json, "density request: model"), box, size, size);
};

serveJobs({ ...diffmixJobs, em, quality, heldout, density });
