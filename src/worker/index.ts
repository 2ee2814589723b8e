/** `diffmix/worker`: fit and sample off the main thread. */
export { WorkerClient, WorkerError, CancelledError, type CallOptions, type SampleProgress, type WorkerFactory } from "./client.ts";
export { serveJobs, type Job, type JobContext, type Scope } from "./serve.ts";
export { diffmixJobs } from "./jobs.ts";
export { traceSample, TRACE_MAX, type Frame } from "./trace.ts";
export type { Request, Reply, TraceFrame, WorkerFitOptions, WorkerSampleOptions } from "./protocol.ts";
