/**
 * Vitest's global setup: `npm run build` (scripts/build.js) before any test file runs, and
 * again before each re-run in watch mode. The CLI tests spawn dist/cli/bin.js, the package
 * test packs dist/ and the README test imports "diffmix" (dist/index.js), so a run always
 * tests what src/ compiles to now, never an earlier dist/. A failed build (a type error)
 * fails the run.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function build(): void {
  const r = spawnSync(process.execPath, ["scripts/build.js"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`npm run build failed before the tests:\n${r.stdout}${r.stderr}`);
}

export default function setup(project: TestProject): void {
  build();
  project.onTestsRerun(() => build());
}
