/**
 * The demo's second worker: the library's jobs (src/worker) plus the EM baseline and the
 * quality measures, so that nothing slow runs on the page's thread.
 */
import { serveJobs, diffmixJobs, type Job } from "../src/worker/index.ts";
import { fitEM, sampleEM, type EMResult } from "../src/em.ts";
import { histogramTV, mixtureFromSpec, type MixtureSpec } from "../src/index.ts";
import { twoSampleTV } from "./quality.ts";

export interface EmRequest { data: Float64Array; seed: number }
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

const em: Job = (req) => {
  const { data, seed } = req as unknown as EmRequest;
  return fitEM(data, { dim: 2, k: "bic", kRange: [1, 10], covariance: "identity", seed });
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

serveJobs({ ...diffmixJobs, em, quality });
