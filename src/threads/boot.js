// A worker thread's entry when the sources run as TypeScript (the suite, tsx): tsx compiles
// them as they load. The package's workers start from the compiled dist/threads/node-entry.js instead
// (node.ts, workerEntry); tsx is a devDependency.
import { register } from "tsx/esm/api";

register();
await import("./node-entry.ts");
