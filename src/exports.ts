/** What both entry files export beside the runtime-bound functions of src/api.ts. */
export type { FitOptions, Progress, FitPlan, FitStats } from "./fit.ts";
export type { SampleOptions, Frame } from "./sample.ts";
export { DEFAULT_STEPS } from "./sample.ts";
export { ScoreModel, ModelError, MODEL_FORMAT, MODEL_VERSION } from "./model.ts";
export { createKernels, wasmAvailable, type Backend } from "./kernels/index.ts";
export { OptionError } from "./options.ts";
export { DataError } from "./dataset.ts";
export { GaussianMixture, SphereMixture, SegmentsMixture, BallsMixture, type Mixture, type MixtureSpec } from "./mixture.ts";
export { mixtureFromSpec } from "./mixture-spec.ts";
export { presets } from "./presets.ts";
export { histogramTV } from "./metrics/tv.ts";
export type { LogpdfOptions } from "./flow.ts";
export type { Components, ComponentsOptions, ComponentDiagnostics } from "./components.ts";
export type { Candidate, ModelData } from "./model.ts";
export { fitEM, sampleEM, logpdfEM, type EMOptions, type EMResult } from "./em.ts";
