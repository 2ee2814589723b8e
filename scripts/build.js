#!/usr/bin/env node
// `npm run build` (run by `prepare` after npm install in a checkout, by `prepack` before
// npm pack and publish, and by the test suite before it starts: test/helpers/build.ts):
//   1. the WASM kernels: scripts/build-wasm.js → src/kernels/binary.ts (skipped when its
//      inputs are unchanged);
//   2. dist/ emptied (but for dist/browser/, `npm run build:browser`'s, which is not shipped),
//      then src/ compiled by tsc -p tsconfig.build.json: ES modules, .d.ts, source maps with
//      the sources inlined; a type error fails the build;
//   3. the relative `.ts` specifiers that tsc leaves in declaration files become `.js`, and
//      the build fails if any emitted file still names a `.ts` module (a `new URL("./x.ts")`
//      would load nothing from dist/).
// dist/ is a function of src/ alone: no state is carried from an earlier build.
// Prints one line per step; on failure one line on stderr (tsc's errors before it) and exit 1.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { BuildError, buildWasm, failure } from "./build-wasm.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const KEEP = new Set(["browser"]); // dist/browser/: npm run build:browser's bundle, excluded from the package
const BIN = join(dist, "cli", "bin.js");

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

/** A relative module specifier ending in .ts (but not .d.ts) in import/export/import()/new URL(). */
const TS_SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\bnew URL\(\s*)(["'])(\.{1,2}\/[^"']*?)(?<!\.d)\.ts\2/g;

function compile() {
  const t0 = performance.now();
  if (existsSync(dist)) {
    for (const name of readdirSync(dist)) if (!KEEP.has(name)) rmSync(join(dist, name), { recursive: true, force: true });
  }
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    const errors = (r.stdout.match(/error TS\d+/g) ?? []).length;
    throw new BuildError(`tsc -p tsconfig.build.json failed${errors ? ` with ${errors} error${errors > 1 ? "s" : ""}` : ""} (above)`);
  }
  const emitted = files(dist).filter((f) => !KEEP.has(relative(dist, f).split("/")[0]));
  let bytes = 0;
  for (const f of emitted) {
    if (f.endsWith(".d.ts")) {
      const text = readFileSync(f, "utf8");
      const fixed = text.replace(TS_SPECIFIER, (_, head, q, path) => `${head}${q}${path}.js${q}`);
      if (fixed !== text) writeFileSync(f, fixed);
    }
    if (/\.(js|d\.ts)$/.test(f)) {
      const left = [...readFileSync(f, "utf8").matchAll(TS_SPECIFIER)].map((m) => m[3] + ".ts");
      if (left.length) throw new BuildError(`${relative(root, f)} names ${left.join(", ")}: write the compiled name (.js) in the source`);
    }
    bytes += statSync(f).size;
  }
  chmodSync(BIN, 0o755);
  return `build: dist/ ${emitted.length} files, ${(bytes / 1024).toFixed(0)} KB (tsc ${((performance.now() - t0) / 1000).toFixed(1)} s)`;
}

/** The whole build; `say` gets one line per step. */
export async function build(say = (line) => console.log(line)) {
  say(await buildWasm());
  say(compile());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  build().catch((e) => {
    process.stderr.write(failure("build", e));
    process.exit(1);
  });
}
