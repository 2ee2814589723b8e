// The library in a real browser, without a bundler: dist/browser/diffmix.js (built here with
// vite's build API) imported by a plain <script type="module"> page in Debian's Chromium.
// fit + sample give the same numbers as in Node for the same seed; without WebAssembly the
// reference backend runs; the Web Worker client gives the same model.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "vite";
import type { Page } from "playwright-core";
import { fit, sample, mixtureFromSpec, presets, wasmAvailable, createKernels } from "../src/node.ts";
import { CHROMIUM, launch, openPage, serveStatic } from "./browser/harness.ts";

const ROOT = join(import.meta.dirname, "..");
const OUT = join(ROOT, "test/.browser/api");
const RUN = existsSync(CHROMIUM) || !!process.env.CI; // in CI a missing browser is a failure

const PAGE = `<!doctype html><meta charset="utf-8"><title>diffmix api</title><link rel="icon" href="data:,">
<script type="module">
  const t0 = performance.now();
  const diffmix = await import("./diffmix.js");
  const t1 = performance.now();
  const wasm = diffmix.wasmAvailable(); // first call: decode the inline base64 and compile
  const t2 = performance.now();
  if (wasm) diffmix.createKernels("wasm"); // one instance (memory + arena)
  const t3 = performance.now();
  window.diffmix = diffmix;
  window.timing = { importMs: t1 - t0, compileMs: t2 - t1, instantiateMs: t3 - t2, wasm };
  document.body.dataset.ready = "1";
</script><body></body>`;

// Everything fixed (no selection): the tests compare backends, threads and the worker path.
const CASE = { rows: 800, fit: { dim: 2, levels: 8, degree: 2, R: 2, seed: 3, map: "none" as const, scale: 1, granularity: 30 }, count: 300, sample: { seed: 4, steps: 25 } };

/** In the page: the blobs preset, fit, sample; numbers back as plain arrays. */
interface PageRun { backend: string; W: number[]; xs: number[]; progress: number[] }
async function runInPage(page: Page, viaWorker = false): Promise<PageRun> {
  return page.evaluate(async ({ c, viaWorker }): Promise<PageRun> => {
    const d = (window as any).diffmix;
    const data = d.mixtureFromSpec(d.presets.blobs2d).sample(c.rows, 1);
    let model;
    if (viaWorker) {
      const w = new d.WorkerClient();
      const progress: number[] = [];
      model = (await w.fit(data, c.fit, (p: { done: number }) => progress.push(p.done))).model;
      const xs = (await w.sample(model, c.count, c.sample)).samples;
      w.dispose();
      return { backend: model.backend, W: model.levels.flatMap((l: any) => l.W.flat()), xs: Array.from(xs as Float64Array), progress };
    }
    model = await d.fit(data, c.fit);
    const xs = await d.sample(model, c.count, c.sample);
    return { backend: model.backend, W: model.levels.flatMap((l: any) => l.W.flat()), xs: Array.from(xs as Float64Array), progress: [] };
  }, { c: CASE, viaWorker });
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>) {
  let d = 0, s = 1;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

describe.runIf(RUN)("the library in Chromium (no bundler)", () => {
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let chrome: Awaited<ReturnType<typeof launch>>;
  let node: { W: number[]; xs: number[]; compileMs: number; instantiateMs: number };

  beforeAll(async () => {
    const t0 = performance.now();
    wasmAvailable();
    const t1 = performance.now();
    createKernels("wasm");
    const t2 = performance.now();
    await build({ configFile: join(ROOT, "vite.browser.config.ts"), build: { outDir: OUT, emptyOutDir: true } });
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, "index.html"), PAGE);
    server = await serveStatic(OUT);
    chrome = await launch();
    const data = mixtureFromSpec(presets.blobs2d).sample(CASE.rows, 1);
    const model = await fit(data, CASE.fit);
    const xs = await sample(model, CASE.count, CASE.sample);
    node = { W: model.levels.flatMap((l) => l.W.flat()), xs: Array.from(xs), compileMs: t1 - t0, instantiateMs: t2 - t1 };
  }, 60000);

  afterAll(async () => {
    await chrome?.close();
    await server?.close();
  });

  const open = (noWasm = false) => openPage(chrome, server.url, noWasm ? "WebAssembly" : undefined);


  it("fit + sample in the page give Node's numbers for the same seed (WASM, compiled from the inline base64)", async () => {
    const { page, errors } = await open();
    const timing = await page.evaluate(() => (window as any).timing);
    expect(timing.wasm).toBe(true);
    const r = await runInPage(page);
    expect(r.backend).toBe("wasm");
    expect(r.W.length).toBe(node.W.length);
    expect(r.xs.length).toBe(node.xs.length);
    const dw = maxRel(r.W, node.W), dx = maxRel(r.xs, node.xs);
    // Same engine family and the same binary: identical in practice; 1e-12 allows for libm.
    expect(dw).toBeLessThan(1e-12);
    expect(dx).toBeLessThan(1e-12);
    console.log(`[browser] WASM module: compile ${timing.compileMs.toFixed(1)} ms, instantiate ${timing.instantiateMs.toFixed(2)} ms, ` +
      `import of diffmix.js ${timing.importMs.toFixed(1)} ms (Chromium); Node: compile ${node.compileMs.toFixed(1)} ms, ` +
      `instantiate ${node.instantiateMs.toFixed(2)} ms. Browser vs Node: coefficients ${dw === 0 ? "identical" : `differ by ${dw.toExponential(1)}`}, ` +
      `samples ${dx === 0 ? "identical" : `differ by ${dx.toExponential(1)}`}.`);
    expect(errors).toEqual([]);
    await page.close();
  }, 60000);

  it("without WebAssembly the page runs the pure-TS reference backend, with the same numbers", async () => {
    const { page, errors } = await open(true);
    expect(await page.evaluate(() => typeof (globalThis as { WebAssembly?: unknown }).WebAssembly)).toBe("undefined");
    expect(await page.evaluate(() => (window as any).timing.wasm)).toBe(false);
    const r = await runInPage(page);
    expect(r.backend).toBe("reference");
    expect(maxRel(r.W, node.W)).toBeLessThan(1e-10);
    expect(maxRel(r.xs, node.xs)).toBeLessThan(1e-10);
    expect(errors).toEqual([]);
    await page.close();
  }, 60000);

  it("the Web Worker client fits and samples off the main thread, with progress, to the same numbers", async () => {
    const { page, errors } = await open();
    const r = await runInPage(page, true);
    expect(r.backend).toBe("wasm");
    expect(r.progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(maxRel(r.W, node.W)).toBeLessThan(1e-12);
    expect(maxRel(r.xs, node.xs)).toBeLessThan(1e-12);
    // cancel(): a long fit is stopped at once and the promise rejects with CancelledError.
    const cancelled = await page.evaluate(async () => {
      const d = (window as any).diffmix;
      const w = new d.WorkerClient();
      const data = d.mixtureFromSpec(d.presets.ring).sample(4000, 2);
      const t0 = performance.now();
      const p = w.fit(data, { dim: 2, levels: 400, degree: 6 }).then(() => "finished", (e: Error) => e.name);
      setTimeout(() => w.cancel(), 300);
      const outcome = await p;
      const ms = performance.now() - t0;
      const again = (await w.fit(data.subarray(0, 400), { dim: 2, levels: 3, degree: 0 })).model.levels.length; // a fresh worker
      w.dispose();
      return { outcome, ms, again };
    });
    expect(cancelled.outcome).toBe("CancelledError");
    expect(cancelled.ms).toBeLessThan(3000);
    expect(cancelled.again).toBe(3);
    expect(errors).toEqual([]);
    await page.close();
  }, 60000);
});
