// Runs the real `diffmix` command, as a user would, and collects what it prints: the compiled
// dist/cli/bin.js (package.json "bin"), built from the sources before the suite (build.ts).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

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

/** A call that must fail: [name, args, exit code, message after "diffmix: ", an output that must not exist]. */
export type Failure = [string, string[], number, string, string?];

/** Each call prints its message alone on stderr, exits with its code, writes nothing to stdout and leaves no output. */
export function describeFailures(dir: string, failures: Failure[]): void {
  describe.concurrent("failures: one line on stderr, exit code, no output left", () => {
    it.each(failures)("%s", async (_, args, code, message, output) => {
      const r = await runDiffmix(dir, args);
      expect(r.err).toBe(`diffmix: ${message}\n`);
      expect(r.code).toBe(code);
      expect(r.out).toBe("");
      if (output) expect(existsSync(join(dir, output))).toBe(false);
    }, 60000);
  });
}
