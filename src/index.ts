export { fit, type FitOptions, type Progress } from "./fit.ts";
export { sample, type SampleOptions } from "./sample.ts";
export { ScoreModel, ModelError, MODEL_FORMAT, MODEL_VERSION } from "./model.ts";
export { createKernels, wasmAvailable, type Backend } from "./kernels/index.ts";
export { OptionError } from "./options.ts";
export { DataError } from "./dataset.ts";
export { GaussianMixture, SphereMixture, SegmentsMixture, BallsMixture, mixtureFromSpec, presets, type Mixture, type MixtureSpec } from "./mixture.ts";
export { histogramTV } from "./metrics/tv.ts";
