/**
 * The diffmix Web Worker: `new Worker(new URL("./worker.js", import.meta.url), {type: "module"})`
 * (WorkerClient does this). Answers fit and sample requests; see protocol.ts.
 */
import { serveJobs } from "./serve.ts";
import { diffmixJobs } from "./jobs.ts";
// What pool.ts loads with import(), imported here too: the worker is then one chunk, which
// Vite's default (iife) worker build needs (see ../threads/web-worker.ts).
import "../threads/tasks.ts";
import "../threads/web.ts";

serveJobs(diffmixJobs);
