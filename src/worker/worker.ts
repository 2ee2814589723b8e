/**
 * The diffmix Web Worker: `new Worker(new URL("./worker.js", import.meta.url), {type: "module"})`
 * (WorkerClient does this). Answers fit and sample requests; see protocol.ts.
 */
import { serveJobs } from "./serve.ts";
import { diffmixJobs } from "./jobs.ts";

serveJobs(diffmixJobs);
