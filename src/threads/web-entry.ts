/** A Web Worker of the browser pool (started by web.ts); the handling is handler.ts. */
import { handler } from "./handler.ts";

// Keep this worker's import graph free of import(): Vite builds workers as iife by default,
// which cannot be split into chunks (the package test's Vite page checks it).
const handle = handler((reply, transfer) => self.postMessage(reply, { transfer }));
self.addEventListener("message", (e: MessageEvent) => handle(e.data));
