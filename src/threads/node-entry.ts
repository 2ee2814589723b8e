/** A worker_threads pool worker (started by boot.js); the handling is handler.ts. */
import { parentPort } from "node:worker_threads";
import { handler } from "./handler.ts";

parentPort!.on("message", handler((reply, transfer) => parentPort!.postMessage(reply, transfer)));
