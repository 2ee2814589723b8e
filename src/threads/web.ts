/**
 * Web Workers for the browser pools: module workers (web-entry.ts), each with its own WASM
 * instances. `new Worker(new URL(…, import.meta.url), {type: "module"})` is the form bundlers
 * (Vite) recognise: they build web-entry.ts as its own file and rewrite the URL. The URL names
 * the compiled file, web-entry.js, which is what dist/ holds; bundlers map it to web-entry.ts in
 * the sources, as they do for imports.
 */
import type { Port } from "./workers.ts";

export function spawnWebWorker(): Port {
  const worker = new Worker(new URL("./web-entry.js", import.meta.url), { type: "module" });
  return {
    post: (m) => worker.postMessage(m),
    listen(on) {
      worker.onmessage = on ? (e) => on.reply(e.data) : null;
      // An ErrorEvent for an uncaught error; a bare Event when the script fails to load.
      worker.onerror = on ? (e) => on.error(e instanceof ErrorEvent && e.message ? e.message : "the worker script failed to load or run") : null;
      worker.onmessageerror = on ? () => on.error("a message could not be deserialised") : null;
    },
    ref: () => {}, // a page is not kept alive by its workers: nothing to do
    unref: () => {},
    terminate: () => worker.terminate(),
  };
}
