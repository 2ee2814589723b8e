// threads > 1 in a real browser: dist/browser/diffmix.js (built here with vite's build API) in
// Debian's Chromium shards the fit's row chunks and the sampler's particle batches across
// module Web Workers (src/threads/web.ts), with bitwise the numbers of one thread.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "vite";
import { BATCH, CHUNK_ROWS } from "../src/pool.ts";
import { CHROMIUM, launch, openPage, serveStatic } from "./browser/harness.ts";

const ROOT = join(import.meta.dirname, "..");
const OUT = join(ROOT, "test/.browser/threads");
const RUN = existsSync(CHROMIUM) || !!process.env.CI; // in CI a missing browser is a failure

// The page counts the workers it starts (and their scripts), to show that threads: 2 used them.
const PAGE = `<!doctype html><meta charset="utf-8"><title>diffmix threads</title><link rel="icon" href="data:,">
<script type="module">
  if (typeof Worker === "function") {
    window.spawned = [];
    window.Worker = class extends Worker {
      constructor(url, options) { super(url, options); window.spawned.push(String(url)); }
    };
  }
  window.diffmix = await import("./diffmix.js");
  document.body.dataset.ready = "1";
</script><body></body>`;

// Over two chunks of rows and two batches of particles (and a partial third of each).
const CASE = { rows: 2 * CHUNK_ROWS + 1000, fit: { dim: 2, levels: 4, degree: 2, R: 2, seed: 3 }, count: 2 * BATCH + 77, sample: { seed: 4, steps: 10 } };

describe.runIf(RUN)("threads in Chromium (module Web Workers)", () => {
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let chrome: Awaited<ReturnType<typeof launch>>;

  beforeAll(async () => {
    await build({ configFile: join(ROOT, "vite.browser.config.ts"), build: { outDir: OUT, emptyOutDir: true } });
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, "index.html"), PAGE);
    server = await serveStatic(OUT);
    chrome = await launch();
  }, 60000);

  afterAll(async () => {
    await chrome?.close();
    await server?.close();
  });

  const open = (noWorker = false) => openPage(chrome, server.url, noWorker ? "Worker" : undefined);


  it("fit and sample with 2 threads give bitwise the model and samples of 1 thread", async () => {
    const { page, errors } = await open();
    const r = await page.evaluate(async (c) => {
      const d = (window as any).diffmix;
      const data = d.mixtureFromSpec(d.presets.blobs2d).sample(c.rows, 1);
      const m1 = await d.fit(data, { ...c.fit, threads: 1 });
      const before = (window as any).spawned.length;
      const m2 = await d.fit(data, { ...c.fit, threads: 2 });
      const x1 = await d.sample(m1, c.count, { ...c.sample, threads: 1 });
      const progress: number[] = [];
      const x2 = await d.sample(m1, c.count, { ...c.sample, threads: 2, onProgress: (p: { done: number }) => progress.push(p.done) });
      return {
        before, spawned: (window as any).spawned as string[], backend: m1.backend, levels: m1.levels.length,
        model1: JSON.stringify(m1), model2: JSON.stringify(m2), x1: Array.from(x1 as Float64Array), x2: Array.from(x2 as Float64Array), progress,
      };
    }, CASE);
    expect(r.before).toBe(0); // one thread: no worker
    expect(r.spawned.length).toBe(2); // one pool of two, kept from the fit for the sampler
    for (const url of r.spawned) expect(url).toMatch(/\/assets\/web-entry-[\w-]+\.js$/);
    expect(r.backend).toBe("wasm");
    expect(r.levels).toBe(CASE.fit.levels);
    expect(r.model2).toBe(r.model1);
    expect(r.x1.length).toBe(CASE.count * 2);
    expect(r.x1.every(Number.isFinite)).toBe(true);
    expect(r.x2).toEqual(r.x1);
    expect(r.progress).toEqual([1, 2, 3]);
    expect(errors).toEqual([]);
    await page.close();
  }, 120000);

  it("inside the Web Worker client, threads: 2 starts nested workers, with the same model and samples", async () => {
    const { page, errors } = await open();
    const r = await page.evaluate(async (c) => {
      const d = (window as any).diffmix;
      const data = d.mixtureFromSpec(d.presets.blobs2d).sample(c.rows, 1);
      const w = new d.WorkerClient();
      const one = (await w.fit(data, { ...c.fit, threads: 1 })).model;
      const two = (await w.fit(data, { ...c.fit, threads: 2 })).model;
      const x1 = (await w.sample(one, c.count, { ...c.sample, threads: 1 })).samples;
      const x2 = (await w.sample(one, c.count, { ...c.sample, threads: 2 })).samples;
      w.dispose();
      return { model1: JSON.stringify(one), model2: JSON.stringify(two), x1: Array.from(x1 as Float64Array), x2: Array.from(x2 as Float64Array) };
    }, CASE);
    expect(r.model2).toBe(r.model1);
    expect(r.x2).toEqual(r.x1);
    expect(errors).toEqual([]);
    await page.close();
  }, 120000);

  it("without Worker, threads: 2 is a one-line option error and threads: 1 still works", async () => {
    const { page, errors } = await open(true);
    const r = await page.evaluate(async (c) => {
      const d = (window as any).diffmix;
      const data = d.mixtureFromSpec(d.presets.blobs2d).sample(c.rows, 1);
      const opts = { ...c.fit, levels: 2, degree: 0 };
      const error = await d.fit(data, { ...opts, threads: 2 }).then(() => "no error", (e: Error) => `${e instanceof d.OptionError ? "OptionError" : "other"}: ${e.message}`);
      const levels = (await d.fit(data, { ...opts, threads: 1 })).levels.length;
      return { error, levels };
    }, CASE);
    expect(r.error).toBe('OptionError: invalid option "threads": 2 threads need Web Workers, which this environment lacks; use 1');
    expect(r.levels).toBe(2);
    expect(errors).toEqual([]);
    await page.close();
  }, 60000);
});
