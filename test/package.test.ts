// The package as a user gets it: `npm pack` of this checkout, installed from the tarball into
// an empty folder, then used from that folder only, as the README says: the library example
// in a plain Node ES module, require(), `npx diffmix demo`, a strict TypeScript consumer of
// the shipped .d.ts, a page bundled by Vite with no configuration and run in Chromium, and
// what the tarball holds. The tarball is packed with --ignore-scripts from the dist/ this run
// built before any test (test/helpers/build.ts): the files checked here are the ones the
// suite ran, and prepack's rebuild could not race the other test files that use dist/.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build, type Logger } from "vite";
import { CHROMIUM, launch, openPage, serveStatic } from "./browser/harness.ts";
import { ROOT, ok, packAndInstall, run, type Installed } from "./helpers/package.ts";

const README = readFileSync(join(ROOT, "README.md"), "utf8");
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const BROWSER = existsSync(CHROMIUM) || !!process.env.CI; // in CI a missing browser is a failure

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));

let pkg: Installed, app: string, shipped: string[];
const timings: string[] = [];
const t00 = performance.now();

beforeAll(async () => {
  pkg = await packAndInstall();
  ({ app, files: shipped } = pkg);
  timings.push(`pack ${pkg.packSeconds.toFixed(1)} s`, `install ${pkg.installSeconds.toFixed(1)} s`);
}, 120000);

afterAll(() => {
  if (pkg) rmSync(pkg.tmp, { recursive: true, force: true });
  console.log(`[package] ${timings.join(", ")}; the whole file ${((performance.now() - t00) / 1000).toFixed(1)} s`);
});

describe("the packed package, installed into an empty folder", () => {
  it("(f) the tarball holds dist/ (exactly the files the suite ran), README, LICENSE and package.json, and installs only its runtime dependencies (seedrandom; hyparquet, which the CLI loads only to read Parquet)", () => {
    const outside = shipped.filter((f) => !f.startsWith("dist/") && !["package.json", "README.md", "LICENSE"].includes(f));
    expect(outside).toEqual([]);
    expect(shipped.filter((f) => /(^|\/)(test|bench|\.ci|src|web|browser)\//.test(f))).toEqual([]);
    expect(shipped.filter((f) => /\.[cm]?ts$/.test(f) && !/\.d\.[cm]?ts$/.test(f))).toEqual([]);
    expect(shipped).toEqual(expect.arrayContaining(["LICENSE", "README.md", "dist/index.js", "dist/index.d.ts", "dist/cli/bin.js", "dist/node.js", "dist/threads/node-entry.js", "dist/threads/web-entry.js", "dist/worker/worker.js"]));
    // Byte for byte the dist/ of this checkout (but for dist/browser/, npm run build:browser's).
    const local = walk(join(ROOT, "dist")).map((f) => relative(ROOT, f)).filter((f) => !f.startsWith("dist/browser/")).sort();
    expect(shipped.filter((f) => f.startsWith("dist/"))).toEqual(local);
    const installed = join(app, "node_modules", "diffmix");
    expect(local.filter((f) => sha(join(installed, f)) !== sha(join(ROOT, f)))).toEqual([]);
    expect(Object.keys(JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).dependencies)).toEqual(["hyparquet", "seedrandom"]);
    expect(readdirSync(join(app, "node_modules")).filter((d) => !d.startsWith(".")).sort()).toEqual(["diffmix", "hyparquet", "seedrandom"]);
  });

  it("(a) a plain Node ES module runs the README's library example through import … from \"diffmix\"", async () => {
    const code = /```ts example\n([\s\S]*?)```/.exec(README)?.[1];
    expect(code, "README has a ```ts example block").toBeTruthy();
    expect(code).toMatch(/from "diffmix"/);
    writeFileSync(join(app, "example.mjs"), code!);
    const r = await ok(process.execPath, ["example.mjs"], app);
    expect(r.out).toMatch(/1000 samples; the first: -?\d/);
    expect(r.err).toBe("");
    // Two worker threads, started from the compiled files (tsx is not installed): the same model as one thread.
    writeFileSync(join(app, "threads.mjs"), `import { fit, sample, GaussianMixture } from "diffmix";
const data = new GaussianMixture([0.5, 0.5], [[-3, 0], [3, 0]]).sample(9000, 1);
const one = await fit(data, { dim: 2, seed: 1, levels: 4, threads: 1 });
const two = await fit(data, { dim: 2, seed: 1, levels: 4, threads: 2 });
const xs = await sample(two, 9000, { seed: 2, steps: 10, threads: 2 });
console.log(JSON.stringify(one) === JSON.stringify(two), xs.length);
`);
    expect((await ok(process.execPath, ["threads.mjs"], app)).out).toBe("true 18000\n");
  }, 60000);

  it("(b) require(\"diffmix\") works where Node can require() ES modules, and the README says so", async () => {
    expect(README).toContain('require("diffmix")');
    writeFileSync(join(app, "require.cjs"), `const d = require("diffmix"); console.log(typeof d.fit, typeof d.GaussianMixture);\n`);
    const r = await run(process.execPath, ["require.cjs"], app);
    if ((process.features as { require_module?: boolean }).require_module) {
      expect(r).toEqual({ code: 0, out: "function function\n", err: "" });
    } else {
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(/ERR_REQUIRE_ESM/);
    }
  }, 30000);

  it("(c) npx diffmix demo writes its picture; the bin prints the version and its help", async () => {
    const bin = join(app, "node_modules", ".bin", "diffmix");
    expect(await run(bin, ["--version"], app)).toEqual({ code: 0, out: `${PKG.version}\n`, err: "" });
    expect((await ok(bin, ["--help"], app)).out).toMatch(/^diffmix — learn a distribution/);
    const t = performance.now();
    const d = await ok("npx", ["diffmix", "demo", "--quiet"], app);
    timings.push(`demo ${((performance.now() - t) / 1000).toFixed(1)} s`);
    expect(d.out).toMatch(/picture: diffmix-demo\.svg\n$/);
    const svg = readFileSync(join(app, "diffmix-demo.svg"), "utf8");
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  }, 120000);

  it("(d) a strict TypeScript consumer (moduleResolution nodenext) type-checks against the shipped .d.ts", async () => {
    // The library needs neither the DOM nor @types/node; diffmix/worker's client is typed with the DOM's Worker.
    writeFileSync(join(app, "consumer.ts"), `import { fit, sample, GaussianMixture, ScoreModel, type FitOptions, type Mixture } from "diffmix";
const truth: Mixture = new GaussianMixture([0.5, 0.5], [[-3, 0], [3, 0]]);
const options: FitOptions = { dim: 2, seed: 1, degree: "auto", onProgress: (p) => void p.done };
const model: ScoreModel = await fit(truth.sample(500, 1), options);
const xs: Float64Array = await sample(model, 10, { seed: 2, method: "ode" });
const score: Float64Array = ScoreModel.fromJSON(JSON.parse(JSON.stringify(model))).score([0, 0], 0.5);
// @ts-expect-error: the types are real, not any
await fit(xs, { degree: "six" });
// @ts-expect-error
const wrong: string = score;
export { wrong };
`);
    writeFileSync(join(app, "worker.ts"), `import { WorkerClient, CancelledError } from "diffmix/worker";
import { mixtureFromSpec, presets } from "diffmix";
const client = new WorkerClient();
const { model } = await client.fit(mixtureFromSpec(presets.ring).sample(100, 1), { dim: 2 });
const { samples }: { samples: Float64Array } = await client.sample(model, 10, { trace: 5 });
export const done = samples.length > 0 && new CancelledError() instanceof Error;
`);
    const config = (files: string[], lib: string[]) => ({
      compilerOptions: { target: "es2022", module: "nodenext", moduleResolution: "nodenext", strict: true, noEmit: true, lib, types: [] },
      files,
    });
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify(config(["consumer.ts"], ["es2022"])));
    writeFileSync(join(app, "tsconfig.worker.json"), JSON.stringify(config(["worker.ts"], ["es2022", "dom"])));
    const [lib, worker] = await Promise.all([
      run(process.execPath, [TSC, "-p", "tsconfig.json", "--noEmit", "--strict"], app),
      run(process.execPath, [TSC, "-p", "tsconfig.worker.json", "--noEmit", "--strict"], app),
    ]);
    expect(lib.out + lib.err).toBe("");
    expect(lib.code).toBe(0);
    expect(worker.out + worker.err).toBe("");
    expect(worker.code).toBe(0);
  }, 60000);

  describe.runIf(BROWSER)("(e) a page that imports diffmix, bundled by Vite with no configuration", () => {
    it("builds without a warning and runs in Chromium: fit and sample on two Web Workers, and the worker client", async () => {
      const web = join(app, "web");
      mkdirSync(web);
      writeFileSync(join(web, "index.html"), `<!doctype html><meta charset="utf-8"><title>diffmix, bundled</title><link rel="icon" href="data:,">
<script type="module" src="./main.js"></script><body></body>\n`);
      writeFileSync(join(web, "main.js"), `// A failure shows as the result (the test prints it) instead of a page that never gets ready.
window.addEventListener("error", (e) => { window.result = { error: String(e.message) }; document.body.dataset.ready = "1"; });
window.addEventListener("unhandledrejection", (e) => { window.result = { error: String(e.reason) }; document.body.dataset.ready = "1"; });
const spawned = [];
const Native = window.Worker;
window.Worker = class extends Native { constructor(url, options) { super(url, options); spawned.push(String(url)); } };
const { fit, sample, GaussianMixture } = await import("diffmix");
const { WorkerClient } = await import("diffmix/worker");
const data = new GaussianMixture([0.5, 0.5], [[-3, 0], [3, 0]]).sample(9000, 1);
// One configuration (no selection): the test is of the package, the bundle and the workers.
const options = { dim: 2, seed: 1, levels: 4, degree: 2, R: 2, map: "isotropic", scale: 1, granularity: 20 };
const model = await fit(data, { ...options, threads: 2 });
const xs = await sample(model, 300, { seed: 2, steps: 10 });
const client = new WorkerClient();
const remote = (await client.fit(data, options)).model;
client.dispose();
const same = JSON.stringify([remote.levels, remote.regions.centres]) === JSON.stringify([model.levels, model.regions.centres]);
window.result = { backend: model.backend, rows: xs.length / 2, same, spawned };
document.body.dataset.ready = "1";
`);
      const warnings: string[] = [];
      const quiet = () => undefined;
      const logger: Logger = {
        info: quiet, clearScreen: quiet, hasErrorLogged: () => false, hasWarned: false,
        warn: (m) => void warnings.push(m), warnOnce: (m) => void warnings.push(m), error: (m) => void warnings.push(m),
      };
      const t = performance.now();
      await build({ root: web, configFile: false, logLevel: "warn", customLogger: logger }); // as `npx vite build` in that folder
      timings.push(`vite build ${((performance.now() - t) / 1000).toFixed(1)} s`);
      expect(warnings).toEqual([]);
      const server = await serveStatic(join(web, "dist"));
      const chrome = await launch();
      try {
        const { page, errors } = await openPage(chrome, server.url);
        const r = await page.evaluate(() => (window as unknown as { result: Record<string, unknown> }).result);
        expect(r).toMatchObject({ backend: "wasm", rows: 300, same: true });
        // Two pool workers and the client's, each a file the bundler emitted.
        expect((r.spawned as string[]).length).toBe(3);
        for (const url of r.spawned as string[]) expect(url).toMatch(/\/assets\/[\w-]+\.js$/);
        expect(errors).toEqual([]);
      } finally {
        await chrome.close();
        await server.close();
      }
    }, 120000);
  });
});
