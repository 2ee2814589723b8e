// The demo end to end in Debian's Chromium: build web/ with vite's build API into web/dist,
// serve it from a static server here, pick the blobs preset, Fit, Sample, and check what a
// person would see: the reported quality, pixels on the canvases, no console errors, a
// layout that fits a phone. Screenshots go to test/.browser/ (git-ignored).
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "vite";
import type { Page } from "playwright-core";
import { CHROMIUM, launch, serveStatic } from "./browser/harness.ts";

const ROOT = join(import.meta.dirname, "..");
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
    expect((await ink(page, "learned")).drawn).toBeGreaterThan(0.5);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
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
});
