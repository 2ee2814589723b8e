// Runs the real `diffmix` command, as a user would, and collects what it prints: the compiled
// dist/cli/bin.js (package.json "bin"), built from the sources before the suite (build.ts).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../dist/cli/bin.js", import.meta.url));

export interface Run { code: number | null; out: string; err: string }

/** `diffmix …args` in the folder `dir` (so messages show relative names), with optional stdin. */
export function runDiffmix(dir: string, args: string[], input?: string | Buffer): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [], err: Buffer[] = [];
    child.stdout.on("data", (b) => out.push(b));
    child.stderr.on("data", (b) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() }));
    child.stdin.on("error", () => undefined); // a command that fails early may not read its input
    child.stdin.end(input);
  });
}
