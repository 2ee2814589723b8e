/** A Web Worker of the browser pool (started by web.ts); the handling is handler.ts. */
import { handler } from "./handler.ts";
// What handler.ts and pool.ts load with import(), imported here too, so that a bundler makes
// this worker one chunk: Vite builds workers as iife by default, which cannot be split (a page
// importing "diffmix" would fail `vite build` without worker.format "es"). As in ../worker/worker.ts.
import "./tasks.ts";
import "./web.ts";

const handle = handler((reply, transfer) => self.postMessage(reply, { transfer }));
self.addEventListener("message", (e: MessageEvent) => handle(e.data));
