// The demo end to end in Debian's Chromium: build web/ with vite's build API into web/dist,
// serve it from a static server here, pick the blobs preset, Fit, Sample, and check what a
// person would see: the reported quality, pixels on the canvases, no console errors, a
// layout that fits a phone. Then a user's own CSV files (test/fixtures/upload-*.csv), opened
// with the file picker or dropped on the page: the pairs picture for 4 columns, the 2-D view
// for 2, the held-out log-likelihood beside EM's, the downloads, and a malformed file's
// message, which must be the command line's. Screenshots go to test/.browser/ (git-ignored).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "vite";
import type { Page } from "playwright-core";
import { CHROMIUM, launch, serveStatic } from "./browser/harness.ts";
import { runDiffmix } from "./helpers/cli.ts";

const ROOT = join(import.meta.dirname, "..");
const FIXTURES = join(ROOT, "test/fixtures");
const SHOTS = join(ROOT, "test/.browser");
const RUN = existsSync(CHROMIUM) || !!process.env.CI; // in CI a missing browser is a failure

/**
 * The bound: blobs, 2000 rows, degree 2, 12 levels, 60 steps, 5000 samples. The histogram
 * TV of a perfect sampler at this size is the floor (≈ 0.12 here); the learned sampler must
 * stay within 0.05 of it and of the EM baseline (which knows the family: identity-covariance
 * Gaussians).
 */
const MARGIN = 0.05;

describe.runIf(RUN)("the demo in Chromium", () => {
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let chrome: Awaited<ReturnType<typeof launch>>;

  beforeAll(async () => {
    await build({ configFile: join(ROOT, "web/vite.config.ts") });
    mkdirSync(SHOTS, { recursive: true });
    server = await serveStatic(join(ROOT, "web/dist"));
    chrome = await launch();
  }, 60000);

  afterAll(async () => {
    await chrome?.close();
    await server?.close();
  });

  async function open(width: number, height: number) {
    const page = await chrome.context.newPage();
    await page.setViewportSize({ width, height });
    const errors: string[] = [];
    page.on("console", (m) => (m.type() === "error" || m.type() === "warning") && errors.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
    await page.goto(server.url);
    await page.waitForSelector("body[data-ready]", { state: "attached", timeout: 20000 });
    return { page, errors };
  }

  /** Share of a canvas's pixels that are not white, and of those that are the particles' orange. */
  const ink = (page: Page, id: string) => page.evaluate((id) => {
    const c = document.getElementById(id) as HTMLCanvasElement;
    // Read a copy (a fresh canvas per read, so the page's canvas is never read back).
    const copy = Object.assign(document.createElement("canvas"), { width: c.width, height: c.height });
    const ctx = copy.getContext("2d", { willReadFrequently: true })!;
    ctx.drawImage(c, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let drawn = 0, orange = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] < 245 || d[i + 1] < 245 || d[i + 2] < 245) drawn++;
      if (d[i] > 170 && d[i + 1] > 40 && d[i + 1] < 120 && d[i + 2] < 60) orange++;
    }
    const n = d.length / 4;
    return { drawn: drawn / n, orange: orange / n, width: c.width };
  }, id);

  it("blobs: fit with a progress bar, sample with particles, quality within the stated bound", async () => {
    const { page, errors } = await open(1280, 800);
    await page.selectOption("#preset", "blobs2d");
    await page.selectOption("#rows", "2000");
    await page.selectOption("#degree", "2");
    await page.fill("#levels", "12");
    await page.fill("#steps", "60");
    await page.selectOption("#count", "5000");
    await page.click("#fit");
    await page.waitForSelector("body[data-busy=fitting]", { state: "attached" });
    await page.waitForSelector("body[data-state=fitted]", { state: "attached", timeout: 60000 });
    expect(await page.locator("#progress").evaluate((p: HTMLProgressElement) => p.value)).toBe(1);
    expect(await page.textContent("#status")).toMatch(/^Fitted 12 levels, \d+ regions?, degree 2 in /);
    // The slider redraws regions and both score fields at another noise level.
    const before = await ink(page, "learned");
    await page.locator("#t").evaluate((e: HTMLInputElement) => { e.value = "800"; e.dispatchEvent(new Event("input")); });
    await page.waitForFunction(() => document.getElementById("tval")!.textContent!.startsWith("t = 1.21"));
    await page.screenshot({ path: join(SHOTS, "demo-fitted-t1.2.png") });
    expect((await ink(page, "learned")).drawn).toBeGreaterThan(0.5); // regions fill the canvas
    expect((await ink(page, "exact")).drawn).toBeGreaterThan(0.2); // density and arrows
    expect(before.drawn).toBeGreaterThan(0.5);

    await page.click("#sample");
    await page.waitForSelector("body[data-state=sampling]", { state: "attached" });
    await page.waitForTimeout(1200);
    await page.screenshot({ path: join(SHOTS, "demo-sampling.png") });
    await page.waitForSelector("body[data-state=sampled]", { state: "attached", timeout: 60000 });
    await page.screenshot({ path: join(SHOTS, "demo-1280x800.png") });

    const value = async (id: string) => Number(await page.getAttribute(`#${id}`, "data-value"));
    const tv = await value("tvModel"), em = await value("tvEM"), floor = await value("tvFloor");
    console.log(`[demo] blobs, 5000 samples: TV ${tv.toFixed(4)}, EM ${em.toFixed(4)}, floor ${floor.toFixed(4)}; ` +
      `${await page.textContent("#timeModel")}; EM ${await page.textContent("#timeEM")}`);
    expect(floor).toBeGreaterThan(0.05);
    expect(floor).toBeLessThan(0.2);
    expect(tv).toBeLessThan(floor + MARGIN);
    expect(tv).toBeLessThan(em + MARGIN);
    const learned = await ink(page, "learned");
    expect(learned.orange).toBeGreaterThan(0.01); // the particles are on the canvas
    expect(errors).toEqual([]);
    await page.close();
  }, 90000);

  it("fits a phone-width window (390 px): no sideways scrolling, square canvases, painting works", async () => {
    const { page, errors } = await open(390, 844);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const box = (await page.locator("#learned").boundingBox())!;
    expect(box.width).toBeGreaterThan(300);
    expect(Math.abs(box.width - box.height)).toBeLessThan(2);
    await page.selectOption("#preset", "paint");
    await expect.poll(() => page.locator("#exactFigure").isHidden()).toBe(true);
    const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
    await page.mouse.move(cx - 120, cy - 40);
    await page.mouse.down();
    for (let i = 0; i <= 30; i++) await page.mouse.move(cx - 120 + 8 * i, cy - 40 + 3 * i);
    await page.mouse.up();
    expect(await page.textContent("#status")).toMatch(/^\d+ painted points/);
    const painted = Number((await page.textContent("#status"))!.split(" ")[0]);
    expect(painted).toBeGreaterThanOrEqual(50);
    await page.selectOption("#degree", "0");
    await page.fill("#levels", "6");
    await page.click("#fit");
    await page.waitForSelector("body[data-state=fitted]", { state: "attached", timeout: 60000 });
    await page.screenshot({ path: join(SHOTS, "demo-390-paint.png"), fullPage: true });
    // A page error (a throw inside the drawing) is the likeliest cause of a blank canvas: say it first.
    expect(errors).toEqual([]);
    // The drawing runs on an animation frame after the state changes: poll for the drawn canvas
    // rather than read it once. (CI once read a canvas with none of its pixels drawn here; a single
    // read did not fail again in 3 local runs under load, so the cause is not known.)
    await expect.poll(async () => (await ink(page, "learned")).drawn, { timeout: 5000 }).toBeGreaterThan(0.5);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.close();
  }, 60000);

  it("Cancel stops a long fit or a sample at once and leaves the page usable", async () => {
    const { page, errors } = await open(1280, 800);
    await page.selectOption("#preset", "ring");
    await page.selectOption("#rows", "1000");
    await page.selectOption("#degree", "6");
    await page.fill("#levels", "200");
    await page.click("#fit");
    await page.waitForFunction(() => (document.getElementById("progress") as HTMLProgressElement).value > 0, undefined, { timeout: 30000 });
    await page.click("#cancel");
    await page.waitForSelector("body[data-busy=idle]", { state: "attached", timeout: 2000 });
    expect(await page.textContent("#status")).toBe("Cancelled.");
    expect(await page.isEnabled("#fit")).toBe(true);
    // A quick fit, a sample cancelled mid-animation, then a sample that runs to the end.
    await page.selectOption("#degree", "0");
    await page.fill("#levels", "6");
    await page.fill("#steps", "400");
    await page.click("#fit");
    await page.waitForSelector("body[data-state=fitted]", { state: "attached", timeout: 30000 });
    await page.click("#sample");
    await page.waitForFunction(() => (document.getElementById("progress") as HTMLProgressElement).value > 0.05, undefined, { timeout: 30000 });
    await page.click("#cancel");
    await page.waitForSelector("body[data-busy=idle]", { state: "attached", timeout: 2000 });
    expect(await page.textContent("#status")).toBe("Cancelled.");
    await page.fill("#steps", "30");
    await page.click("#sample");
    await page.waitForSelector("body[data-state=sampled]", { state: "attached", timeout: 30000 });
    expect(Number(await page.getAttribute("#tvModel", "data-value"))).toBeGreaterThan(0);
    expect(Number(await page.getAttribute("#tvEM", "data-value"))).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 60000);

  /** Rows of a CSV download. */
  const downloaded = async (page: Page, button: string) => {
    const [d] = await Promise.all([page.waitForEvent("download"), page.click(button)]);
    return { name: d.suggestedFilename(), text: readFileSync((await d.path())!, "utf8") };
  };

  it("a CSV of 4 columns from the file picker: fitted, the pairs picture, held-out log-likelihood beside EM's, downloads; fits 390 px", async () => {
    const { page, errors } = await open(1280, 800);
    await page.selectOption("#degree", "2");
    await page.fill("#levels", "12");
    await page.selectOption("#count", "2000");
    await page.setInputFiles("#file", join(FIXTURES, "upload-4d.csv"));
    await expect.poll(() => page.textContent("#status")).toMatch(/^400 rows × 4 columns from upload-4d\.csv \(length, width, depth, weight\)\./);
    expect(await page.locator("#preset").inputValue()).toBe("file");
    expect(await page.isVisible("#pairsFigure")).toBe(true);
    expect(await page.isHidden("#learned")).toBe(true);
    await page.click("#fit");
    await page.waitForSelector("body[data-state=sampled]", { state: "attached", timeout: 90000 });
    await page.screenshot({ path: join(SHOTS, "demo-upload-4d.png"), fullPage: true });
    const value = async (id: string) => Number(await page.getAttribute(`#${id}`, "data-value"));
    const ll = await value("llModel"), em = await value("llEM");
    console.log(`[demo] upload-4d.csv: held-out log-likelihood ${ll.toFixed(3)} per row, EM ${em.toFixed(3)}; ${await page.textContent("#llEMLabel")}`);
    for (const v of [ll, em]) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(-30);
      expect(v).toBeLessThan(0);
    }
    expect(await page.textContent("#llModel")).toBe(ll.toFixed(3));
    expect(await page.textContent("#llEMLabel")).toMatch(/^EM baseline \(k = \d+, full covariances, BIC\)$/);
    // The pairs picture: 4 × 4 panels and the log-likelihood panel, each a clipped <svg> inside the picture.
    expect(await page.locator("#pairs > svg > svg").count()).toBe(17);
    const words = await page.locator("#pairs text").allTextContents();
    for (const k of [1, 2, 3, 4]) expect(words.some((w) => w.startsWith(`PC${k} (`))).toBe(true);
    expect(words).toContain("log p̂ per row: held-out rows vs samples");
    expect(words.some((w) => / (length|width|depth|weight)( |$)/.test(w))).toBe(true); // the loadings name the columns
    const box = (await page.locator("#pairs > svg").boundingBox())!;
    expect(box.width).toBeGreaterThan(600);

    const model = await downloaded(page, "#saveModel");
    expect(model.name).toBe("upload-4d-model.json");
    const json = JSON.parse(model.text);
    expect([json.format, json.dim, json.columns]).toEqual(["diffmix-model", 4, ["length", "width", "depth", "weight"]]);
    expect(json.rows).toBe(320); // 80 % fitted, 20 % held out
    const samples = await downloaded(page, "#saveSamples");
    expect(samples.name).toBe("upload-4d-samples.csv");
    const lines = samples.text.trim().split("\n");
    expect(lines[0]).toBe("length,width,depth,weight");
    expect(lines).toHaveLength(2001);
    expect(lines[1].split(",").map(Number).every(Number.isFinite)).toBe(true);

    expect(await page.isHidden("#sliderRow")).toBe(true); // no noise level for the pairs picture
    // A phone: the page does not scroll sideways; the picture keeps a legible size and pans in its box.
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    const narrow = (await page.locator("#pairs").boundingBox())!;
    expect(narrow.width).toBeLessThanOrEqual(390);
    expect(narrow.width).toBeGreaterThan(300);
    expect(await page.locator("#pairs").evaluate((e) => e.scrollWidth > e.clientWidth)).toBe(true);
    await page.locator("#pairs").evaluate((e) => e.scrollBy(300, 0));
    expect(await page.locator("#pairs").evaluate((e) => e.scrollLeft)).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, "demo-upload-4d-390.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 120000);

  it("a CSV of 2 columns dropped on the page at 390 px: the 2-D view, fitted, the learned density, the numbers", async () => {
    const { page, errors } = await open(390, 844);
    await page.selectOption("#degree", "0");
    await page.fill("#levels", "6");
    await page.selectOption("#count", "2000");
    const text = readFileSync(join(FIXTURES, "upload-2d.csv"), "utf8");
    const dt = await page.evaluateHandle((t) => {
      const d = new DataTransfer();
      d.items.add(new File([t], "upload-2d.csv", { type: "text/csv" }));
      return d;
    }, text);
    await page.dispatchEvent("body", "dragenter", { dataTransfer: dt });
    expect(await page.isVisible("#drop")).toBe(true);
    await page.dispatchEvent("body", "drop", { dataTransfer: dt });
    await expect.poll(() => page.textContent("#status")).toMatch(/^300 rows × 2 columns from upload-2d\.csv \(x, y\)\./);
    expect(await page.isHidden("#drop")).toBe(true);
    expect(await page.isVisible("#learned")).toBe(true);
    expect(await page.isHidden("#pairsFigure")).toBe(true);
    await page.click("#fit");
    await page.waitForSelector("body[data-state=sampled]", { state: "attached", timeout: 90000 });
    await page.screenshot({ path: join(SHOTS, "demo-upload-2d-390.png"), fullPage: true });
    expect(Number.isFinite(Number(await page.getAttribute("#llModel", "data-value")))).toBe(true);
    expect(Number.isFinite(Number(await page.getAttribute("#llEM", "data-value")))).toBe(true);
    expect((await ink(page, "learned")).drawn).toBeGreaterThan(0.5); // regions
    expect((await ink(page, "learned")).orange).toBeGreaterThan(0.005); // samples
    expect((await ink(page, "exact")).drawn).toBeGreaterThan(0.1); // the learned density
    expect(await page.textContent("#exactCaption")).toBe("Learned density p̂ (t = 0) and the data");
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 120000);

  it("a malformed file, or one too short to fit: the command line's one-line message in the page", async () => {
    const dir = mkdtempSync(join(tmpdir(), "diffmix-upload-"));
    try {
      writeFileSync(join(dir, "upload-bad.csv"), readFileSync(join(FIXTURES, "upload-bad.csv")));
      writeFileSync(join(dir, "short.csv"), "a,b,c\n" + "1,2,3\n".repeat(12));
      const { page, errors } = await open(1280, 800);
      for (const file of ["upload-bad.csv", "short.csv"]) {
        const cli = await runDiffmix(dir, ["fit", file, "-o", "out.json"]);
        expect(cli.code).toBe(1);
        const line = cli.err.trimEnd();
        expect(line.split("\n")).toHaveLength(1);
        await page.setInputFiles("#file", join(dir, file));
        await page.waitForSelector("body[data-state=error]", { state: "attached" });
        expect(await page.textContent("#status")).toBe(line);
        await page.evaluate(() => void (document.body.dataset.state = ""));
      }
      expect(await page.textContent("#status")).toBe("diffmix: short.csv: 12 rows, but fit needs at least 50");
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);
});
