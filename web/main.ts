/**
 * The demo page: data (a preset or painted points), Fit and Sample in Web Workers, a slider
 * over the noise level t that redraws the learned regions and score beside the exact ones,
 * particles running the reverse SDE, and the quality panel against the EM baseline.
 */
import { mixtureFromSpec, presets, type Mixture, type MixtureSpec, type ScoreModel } from "../src/index.ts";
import { WorkerClient, CancelledError, type SampleProgress } from "../src/worker/client.ts";
import type { EMResult } from "../src/em.ts";
import type { Progress } from "../src/fit.ts";
import type { Quality } from "./demo-worker.ts";
import { View, drawArrows, drawPoints, drawCentres, densityImage, regionsImage } from "./render.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  preset: $<HTMLSelectElement>("preset"), rows: $<HTMLSelectElement>("rows"), clear: $<HTMLButtonElement>("clear"),
  degree: $<HTMLSelectElement>("degree"), levels: $<HTMLInputElement>("levels"), steps: $<HTMLInputElement>("steps"),
  seed: $<HTMLInputElement>("seed"), count: $<HTMLSelectElement>("count"), fit: $<HTMLButtonElement>("fit"), sample: $<HTMLButtonElement>("sample"),
  cancel: $<HTMLButtonElement>("cancel"), progress: $<HTMLProgressElement>("progress"), status: $("status"),
  t: $<HTMLInputElement>("t"), tval: $<HTMLOutputElement>("tval"),
  showRegions: $<HTMLInputElement>("showRegions"), showArrows: $<HTMLInputElement>("showArrows"), showData: $<HTMLInputElement>("showData"),
  learned: $<HTMLCanvasElement>("learned"), exact: $<HTMLCanvasElement>("exact"), exactFigure: $("exactFigure"),
  tvModel: $("tvModel"), tvEM: $("tvEM"), tvFloor: $("tvFloor"), timeModel: $("timeModel"), timeEM: $("timeEM"),
  emLabel: $("emLabel"), qualityNote: $("qualityNote"),
};

/** The first PARTICLES of the samples drawn for the quality panel are animated. */
const PARTICLES = 1500;
const T_MIN = 0.01, T_MAX = 4; // the slider's range (the library's default ladder)
const ANIMATION_MS = 3500;

const fitter = new WorkerClient();
const helper = new WorkerClient(() => new Worker(new URL("./demo-worker.ts", import.meta.url), { type: "module" }));

interface State {
  preset: string;
  truth: Mixture | null;
  spec: MixtureSpec | null;
  data: Float64Array;
  xi: Float64Array; // fixed noise per data row, so the noised data moves smoothly with t
  model: ScoreModel | null;
  em: Promise<{ em: EMResult; ms: number }> | null;
  fitMs: number;
  frames: { t: number; x: Float64Array }[];
  frameSteps: number;
  playing: number; // index of the frame shown, or -1
  particles: Float64Array | null;
}
const state: State = {
  preset: "blobs2d", truth: null, spec: null, data: new Float64Array(0), xi: new Float64Array(0), model: null, em: null,
  fitMs: 0, frames: [], frameSteps: 0, playing: -1, particles: null,
};

const seed = () => clampInt(ui.seed.value, 0, 2 ** 31 - 1, 1);
const tOf = (v: number) => T_MIN * Math.pow(T_MAX / T_MIN, v / 1000);
const sliderOf = (t: number) => Math.round((1000 * Math.log(Math.max(t, T_MIN) / T_MIN)) / Math.log(T_MAX / T_MIN));
const currentT = () => tOf(Number(ui.t.value));

function clampInt(v: string, lo: number, hi: number, fallback: number): number {
  const x = Math.round(Number(v));
  return Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : fallback;
}

function setBusy(what: "idle" | "fitting" | "sampling") {
  const busy = what !== "idle";
  ui.fit.disabled = busy;
  ui.sample.disabled = busy || !state.model;
  ui.cancel.disabled = !busy;
  ui.preset.disabled = busy;
  ui.rows.disabled = busy;
  document.body.dataset.busy = what;
}

function status(text: string) {
  ui.status.textContent = text;
}

// ----------------------------------------------------------------------------------------
// Data

/** Standard normals from a small seeded generator (display noise only). */
function displayNoise(count: number, s: number): Float64Array {
  let a = (s ^ 0x9e3779b9) >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u())), th = 2 * Math.PI * u();
    out[i] = r * Math.cos(th);
    if (i + 1 < count) out[i + 1] = r * Math.sin(th);
  }
  return out;
}

function loadData() {
  const preset = ui.preset.value;
  state.preset = preset;
  const painting = preset === "paint";
  ui.clear.hidden = !painting;
  $("rowsLabel").hidden = painting;
  ui.exactFigure.hidden = painting;
  ui.learned.classList.toggle("paint", painting);
  if (painting) {
    state.truth = null;
    state.spec = null;
    state.data = new Float64Array(0);
    status("Paint points on the left canvas (drag), at least 50, then Fit.");
  } else {
    state.spec = presets[preset];
    state.truth = mixtureFromSpec(state.spec);
    state.data = state.truth.sample(clampInt(ui.rows.value, 50, 100000, 2000), seed());
    status(`${state.data.length / 2} rows from the "${ui.preset.selectedOptions[0].text}" preset. Fit learns their score.`);
  }
  state.xi = displayNoise(200000, 7);
  resetModel();
}

function resetModel() {
  fitter.cancel();
  helper.cancel();
  state.model = null;
  state.em = null;
  state.frames = [];
  state.playing = -1;
  state.particles = null;
  ui.progress.value = 0;
  for (const el of [ui.tvModel, ui.tvEM, ui.tvFloor, ui.timeModel, ui.timeEM]) {
    el.textContent = "–";
    delete el.dataset.value;
  }
  ui.emLabel.textContent = "EM baseline";
  ui.qualityNote.textContent = "";
  setBusy("idle");
  document.body.dataset.state = "data";
  render();
}

// ----------------------------------------------------------------------------------------
// Fit, sample, quality

function fitOptions() {
  const degree = ui.degree.value === "auto" ? ("auto" as const) : Number(ui.degree.value);
  return { degree, levels: clampInt(ui.levels.value, 2, 200, 20), seed: seed() };
}

async function onFit() {
  const rows = state.data.length / 2;
  if (rows < 50) {
    status(`Need at least 50 points to fit, have ${rows}.`);
    return;
  }
  resetModel();
  setBusy("fitting");
  document.body.dataset.state = "fitting";
  const options = fitOptions();
  const auto = options.degree === "auto";
  status("Fitting…");
  startEM(); // the EM baseline learns on the other worker at the same time
  try {
    const { model, ms } = await fitter.fit(state.data, { ...options, dim: 2 }, (p: Progress) => {
      const share = auto ? 0.35 : 0;
      ui.progress.value = p.phase === "select" ? (share * p.done) / p.total : share + ((1 - share) * p.done) / p.total;
      status(p.phase === "select" ? `Choosing the degree: ${p.message}` : `Fitting ${p.message}`);
    });
    state.model = model;
    state.fitMs = ms;
    ui.progress.value = 1;
    const G = model.regions.weights.length;
    ui.timeModel.textContent = `fit ${fmtMs(ms)}`;
    status(`Fitted ${model.levels.length} levels, ${G} region${G > 1 ? "s" : ""}, degree ${model.degree} in ${fmtMs(ms)}. Move the slider, or Sample.`);
    document.body.dataset.state = "fitted";
    setBusy("idle");
    render();
    const { em, ms: emMs } = await baseline();
    ui.emLabel.textContent = `EM baseline (k = ${em.k}, BIC)`;
    ui.timeEM.textContent = `fit ${fmtMs(emMs)}`;
  } catch (e) {
    failed(e);
  }
}

/** The EM baseline on the training rows; a cancelled or failed run is started again when next needed. */
function startEM() {
  const run = helper.call("em", { data: state.data.slice(), seed: seed() }).then(({ result, ms }) => ({ em: result as EMResult, ms }));
  state.em = run;
  run.catch(() => void (state.em === run && (state.em = null))); // the error is reported where awaited
  return run;
}
const baseline = () => state.em ?? startEM();

async function onSample() {
  const model = state.model;
  if (!model) return;
  setBusy("sampling");
  document.body.dataset.state = "sampling";
  state.frames = [];
  state.playing = 0;
  state.particles = null;
  ui.progress.value = 0;
  const steps = clampInt(ui.steps.value, 1, 2000, 100);
  const s = seed() + 1;
  const count = clampInt(ui.count.value, 100, 100000, 5000);
  status("Sampling: particles run the reverse SDE from noise (t = 4) to data (t = 0)…");
  const started = performance.now();
  requestAnimationFrame(animate);
  try {
    const { samples, ms } = await fitter.sample(model, count, { seed: s, steps, trace: PARTICLES }, (p: SampleProgress) => {
      if (p.phase === "trace") {
        state.frames.push({ t: p.t, x: p.x });
        state.frameSteps = p.steps;
        ui.progress.value = (0.5 * p.step) / p.steps;
      } else ui.progress.value = 0.5 + (0.5 * p.done) / p.total;
    });
    ui.progress.value = 1;
    ui.timeModel.textContent = `fit ${fmtMs(state.fitMs)} · sample ${fmtMs(ms)}`;
    status(`Drew ${count} samples (${steps} steps) in ${fmtMs(ms)}; measuring…`);
    const { em, ms: emMs } = await baseline();
    const { result } = await helper.call("quality", { samples, em, spec: state.spec, data: state.data.slice(), seed: s });
    const q = result as Quality;
    // Let the animation finish before announcing the result.
    await new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ANIMATION_MS - (performance.now() - started))));
    showQuality(q, emMs, count);
    status(`Done: ${count} samples, TV ${q.tv.toFixed(3)} (EM ${q.emTv.toFixed(3)}${q.floor !== null ? `, floor ${q.floor.toFixed(3)}` : ""}).`);
    document.body.dataset.state = "sampled";
    setBusy("idle");
  } catch (e) {
    failed(e);
  }
}

function showQuality(q: Quality, emMs: number, count: number) {
  const put = (el: HTMLElement, v: number | null) => {
    el.textContent = v === null ? "–" : v.toFixed(3);
    if (v !== null) el.dataset.value = String(v);
  };
  put(ui.tvModel, q.tv);
  put(ui.tvEM, q.emTv);
  put(ui.tvFloor, q.floor);
  ui.timeEM.textContent = `fit ${fmtMs(emMs)}`;
  ui.qualityNote.textContent = q.against === "truth"
    ? `Histogram total variation (cells ${q.cell}×${q.cell}) of ${count} samples against the exact density; the floor is the TV of ${count} fresh draws from the truth itself. Lower is better.`
    : `No truth for painted points: TV between the histograms (cells ${q.cell}×${q.cell}) of ${count} samples and the painted points. Lower is better; it cannot reach 0 with few points.`;
}

function failed(e: unknown) {
  state.playing = -1;
  setBusy("idle");
  if (e instanceof CancelledError) {
    status("Cancelled.");
    document.body.dataset.state = state.model ? "fitted" : "data";
  } else {
    status(`Error: ${(e as Error).message}`);
    document.body.dataset.state = "error";
  }
  render();
}

function onCancel() {
  fitter.cancel();
  helper.cancel();
  ui.progress.value = 0;
}

const fmtMs = (ms: number) => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`);

// ----------------------------------------------------------------------------------------
// Animation and drawing

let lastTick = 0;
function animate(now: number) {
  if (state.playing < 0) return;
  const total = state.frameSteps + 1;
  const dt = lastTick ? now - lastTick : 16;
  lastTick = now;
  if (state.frames.length > 0 && total > 0) {
    const rate = total / ANIMATION_MS; // frames per ms
    const next = Math.min(state.frames.length - 1, state.playing + Math.max(1, Math.round(rate * dt)));
    state.playing = next;
    const f = state.frames[next];
    state.particles = f.x;
    ui.t.value = String(sliderOf(f.t));
    render();
    if (next === total - 1 && next === state.frames.length - 1) {
      state.playing = -1;
      lastTick = 0;
      return;
    }
  }
  requestAnimationFrame(animate);
}

const views = { learned: new View(ui.learned), exact: new View(ui.exact) };
let pending = false;
function render() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    draw();
  });
}

function draw() {
  const t = currentT();
  const a = Math.exp(-t), sigma = Math.sqrt(-Math.expm1(-2 * t));
  const shownT = state.playing >= 0 && state.frames.length ? state.frames[state.playing].t : t;
  ui.tval.textContent = `t = ${shownT < T_MIN ? shownT.toFixed(3) : t.toFixed(2)}  (a = ${a.toFixed(2)}, σ = ${sigma.toFixed(2)})`;
  const { learned, exact } = views;
  learned.begin();
  if (state.model && ui.showRegions.checked) learned.image(regionsImage(state.model, t, learned.grid));
  if (ui.showData.checked) {
    const paint = state.preset === "paint";
    drawPoints(learned, noised(state.data, state.xi, a, sigma), paint ? "rgba(30,30,50,0.7)" : "rgba(40,40,60,0.4)", paint ? 2.2 : 1.6);
  }
  if (state.model && ui.showArrows.checked) drawArrows(learned, (x) => state.model!.score(x, t), sigma, "#1b1b1b");
  if (state.model && ui.showRegions.checked) drawCentres(learned, state.model, a);
  if (state.particles) drawPoints(learned, state.particles, "rgba(214,69,0,0.75)", 2.2);
  if (state.preset === "paint" && state.data.length === 0) learned.hint("paint here");
  learned.frame();
  if (state.truth) {
    exact.begin();
    exact.image(densityImage(state.truth, t, exact.grid));
    if (ui.showArrows.checked) drawArrows(exact, (x) => state.truth!.score(x, t), sigma, "#1b1b1b");
    exact.frame();
  }
}

/** a·x₀ + σ·ξ with the fixed ξ of each row. */
function noised(x: Float64Array, xi: Float64Array, a: number, sigma: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = a * x[i] + sigma * xi[i % xi.length];
  return out;
}

// ----------------------------------------------------------------------------------------
// Painting

let painting = false;
function paintAt(e: PointerEvent) {
  const [x, y] = views.learned.toWorld(e);
  const z = displayNoise(16, (Math.random() * 2 ** 31) | 0);
  const add = new Float64Array(16);
  for (let i = 0; i < 8; i++) {
    add[2 * i] = x + 0.35 * z[2 * i];
    add[2 * i + 1] = y + 0.35 * z[2 * i + 1];
  }
  const next = new Float64Array(state.data.length + add.length);
  next.set(state.data);
  next.set(add, state.data.length);
  state.data = next;
  status(`${next.length / 2} painted points${next.length / 2 < 50 ? " (at least 50 to fit)" : ""}.`);
  render();
}
ui.learned.addEventListener("pointerdown", (e) => {
  if (state.preset !== "paint" || document.body.dataset.busy !== "idle") return;
  if (state.model) resetModel();
  painting = true;
  ui.learned.setPointerCapture(e.pointerId);
  paintAt(e);
});
ui.learned.addEventListener("pointermove", (e) => painting && paintAt(e));
ui.learned.addEventListener("pointerup", () => void (painting = false));
ui.learned.addEventListener("pointercancel", () => void (painting = false));

// ----------------------------------------------------------------------------------------
// Wiring

ui.preset.addEventListener("change", loadData);
ui.rows.addEventListener("change", loadData);
ui.seed.addEventListener("change", () => state.preset !== "paint" && loadData());
ui.clear.addEventListener("click", () => {
  state.data = new Float64Array(0);
  resetModel();
  status("Cleared. Paint points on the left canvas.");
});
ui.fit.addEventListener("click", onFit);
ui.sample.addEventListener("click", onSample);
ui.cancel.addEventListener("click", onCancel);
ui.t.addEventListener("input", () => {
  if (state.playing >= 0) return;
  render();
});
for (const box of [ui.showRegions, ui.showArrows, ui.showData]) box.addEventListener("change", render);
new ResizeObserver(() => {
  views.learned.resize();
  views.exact.resize();
  render();
}).observe(ui.learned.parentElement!.parentElement!);

loadData();
document.body.dataset.ready = "1";
