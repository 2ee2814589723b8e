// A worker thread's entry: the sources are TypeScript, compiled on the fly by tsx (as in bin/).
import { register } from "tsx/esm/api";

register();
await import("./node-entry.ts");
