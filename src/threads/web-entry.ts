/** A Web Worker of the browser pool (started by web.ts); the handling is handler.ts. */
import { handler } from "./handler.ts";

const handle = handler((reply, transfer) => self.postMessage(reply, { transfer }));
self.addEventListener("message", (e: MessageEvent) => handle(e.data));
