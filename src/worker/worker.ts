/**
 * The diffmix Web Worker: `new Worker(new URL("./worker.js", import.meta.url), {type: "module"})`
 * (WorkerClient does this). Answers fit and sample requests; see protocol.ts. Its import graph
 * has no import(), as Vite's default (iife) worker build needs.
 */
import { serveJobs } from "./serve.ts";
import { diffmixJobs } from "./jobs.ts";

serveJobs(diffmixJobs);
