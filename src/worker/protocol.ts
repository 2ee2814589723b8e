/**
 * Messages between a page and a diffmix worker. Requests carry an `id`; every reply names
 * the request it answers. Numbers travel as Float64Arrays (transferred, not copied); models
 * travel as their JSON object (`model.toJSON()`), and are validated on arrival.
 *
 *   page → worker: {type: "fit" | "sample" | <extension>, id, …} and {type: "cancel", id}
 *   worker → page: {type: "progress", id, progress} … then {type: "result", id, result, ms}
 *                  or {type: "error", id, name, message}
 */
import type { FitOptions } from "../fit.ts";
import type { SampleOptions } from "../sample.ts";

/** Fit options that can cross a thread boundary (progress comes back as messages). */
export type WorkerFitOptions = Omit<FitOptions, "onProgress" | "dim">;
export type WorkerSampleOptions = Omit<SampleOptions, "onProgress">;

export interface FitRequest {
  type: "fit";
  id: number;
  data: Float64Array; // row-major
  dim: number;
  options?: WorkerFitOptions;
}

export interface SampleRequest {
  type: "sample";
  id: number;
  model: Record<string, unknown>; // ScoreModel JSON
  count: number;
  options?: WorkerSampleOptions;
  /** Also report the first `particles` rows after every reverse step (progress phase "trace"). */
  trace?: { particles: number };
}

export interface CancelRequest {
  type: "cancel";
  id: number;
}

/** Any other job a worker registers (see serveJobs). */
export interface JobRequest {
  type: string;
  id: number;
  [key: string]: unknown;
}

export type Request = FitRequest | SampleRequest | CancelRequest | JobRequest;

/** fit: {phase: "select" | "fit", done, total, message}; sample: {phase: "sample", done, total}. */
export interface TraceFrame {
  phase: "trace";
  step: number; // 0 is the start (t = T); `steps` is the end (t = 0)
  steps: number;
  t: number;
  x: Float64Array; // particles × dim, row-major
}

export type Reply =
  | { type: "progress"; id: number; progress: unknown }
  | { type: "result"; id: number; result: unknown; ms: number }
  | { type: "error"; id: number; name: string; message: string };

export const CANCELLED = "CancelledError";
