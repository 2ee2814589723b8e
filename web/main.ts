/**
 * The demo page: data (a preset, painted points, or a CSV file the user opens or drops), Fit
 * and Sample in Web Workers, a slider over the noise level t that redraws the learned regions
 * and score beside the exact ones, particles running the reverse SDE, and the quality panel
 * against the EM baseline. A file of n > 2 columns is shown as the pairs picture of
 * `diffmix plot` (src/plot); its quality is the held-out log-likelihood beside EM's.
 */
import { mixtureFromSpec, noisedData, presets, type Box, type Mixture, type MixtureSpec, type ScoreModel } from "../src/index.ts";
import { WorkerClient, CancelledError, type SampleProgress } from "../src/worker/client.ts";
import type { EMResult } from "../src/em.ts";
import type { Progress } from "../src/fit.ts";
import { csvChunks } from "../src/io/csv.ts";
import { columnAxes, pairsFigure, principalAxes } from "../src/plot/index.ts";
import { range } from "../src/plot/quantiles.ts";
import type { DensityRequest, Heldout, HeldoutRequest, Quality } from "./demo-worker.ts";
import {
  PRESET_BOX, View, drawModelArrows, drawMixtureArrows, drawPoints, drawCentres, densityImage, learnedDensityImage, regionsImage,
} from "./render.ts";
import { cliMessage, download, readUpload, split, type Upload } from "./upload.ts";

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
  file: $<HTMLInputElement>("file"), drop: $("drop"), saveModel: $<HTMLButtonElement>("saveModel"), saveSamples: $<HTMLButtonElement>("saveSamples"),
  learnedFigure: $("learned").parentElement!, exactCaption: $("exactCaption"), pairsFigure: $("pairsFigure"), pairs: $("pairs"), pairsCaption: $("pairsCaption"),
  tvTable: $("tvTable"), llTable: $("llTable"), llModel: $("llModel"), llEM: $("llEM"), llTimeModel: $("llTimeModel"), llTimeEM: $("llTimeEM"), llEMLabel: $("llEMLabel"),
};

/** The first PARTICLES of the samples drawn for the quality panel are animated. */
const PARTICLES = 1500;
const T_MIN = 0.01, T_MAX = 4; // the slider's range (the library's default ladder)
const ANIMATION_MS = 3500;
/** Model samples whose log p̂ the pairs picture's log-likelihood panel shows. */
const LOGLIK_SAMPLES = 1000;
/** Cells per side of the learned density of a 2-D file. */
const DENSITY_GRID = 110;

const fitter = new WorkerClient();
const helper = new WorkerClient(() => new Worker(new URL("./demo-worker.ts", import.meta.url), { type: "module" }));

interface State {
  preset: string;
  truth: Mixture | null;
  spec: MixtureSpec | null;
  /** Row length: 2 for the presets and painting, the file's columns for a file. */
  dim: number;
  /** The file opened or dropped, if any (kept while a preset is shown). */
  upload: Upload | null;
  /** A file's rows split once per fit: fitted on train, the log-likelihood measured on heldout. */
  train: Float64Array | null;
  heldout: Float64Array | null;
  /** The canvases' box (data units). */
  box: Box;
  /** The last samples drawn (for the download). */
  samples: Float64Array | null;
  /** log p̂ of a 2-D file's model on the density grid. */
  density: Float64Array | null;
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
  preset: "blobs2d", truth: null, spec: null, dim: 2, upload: null, train: null, heldout: null, box: PRESET_BOX, samples: null, density: null,
  data: new Float64Array(0), xi: new Float64Array(0), model: null, em: null,
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
  ui.file.disabled = busy;
  ui.saveModel.disabled = busy || !state.model;
  ui.saveSamples.disabled = busy || !state.samples;
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
  const painting = preset === "paint", file = preset === "file";
  ui.clear.hidden = !painting;
  $("rowsLabel").hidden = painting || file;
  ui.learned.classList.toggle("paint", painting);
  state.truth = null;
  state.spec = null;
  state.dim = 2;
  state.box = PRESET_BOX;
  if (painting) {
    state.data = new Float64Array(0);
    status("Paint points on the left canvas (drag), at least 50, then Fit.");
  } else if (file && state.upload) {
    const u = state.upload;
    state.data = u.x;
    state.dim = u.cols;
    if (u.cols === 2) {
      const [x0, x1] = range(u.x, 2, 0, 0.1), [y0, y1] = range(u.x, 2, 1, 0.1);
      state.box = { x0, x1, y0, y1 };
    }
    status(`${u.rows} rows × ${u.cols} columns from ${u.name}${u.header ? ` (${u.header.join(", ")})` : ""}. Fit learns their distribution from 80% of the rows; the other 20% measure it.`);
  } else {
    state.spec = presets[preset];
    state.truth = mixtureFromSpec(state.spec);
    state.data = state.truth.sample(clampInt(ui.rows.value, 50, 100000, 2000), seed());
    status(`${state.data.length / 2} rows from the "${ui.preset.selectedOptions[0].text}" preset. Fit learns their score.`);
  }
  const pairs = state.dim !== 2;
  ui.learnedFigure.hidden = pairs;
  ui.exactFigure.hidden = painting || pairs;
  ui.pairsFigure.hidden = !pairs;
  $("sliderRow").hidden = $("togglesRow").hidden = pairs; // the noise level is for the 2-D view
  ui.exactCaption.textContent = file ? "Learned density p̂ (t = 0) and the data" : "Exact: density pₜ and score ∇log pₜ";
  ui.tvTable.hidden = file;
  ui.llTable.hidden = !file;
  state.xi = displayNoise(200000, 7);
  resetModel();
}

/** A file opened or dropped: parsed with the command line's parser; a bad file gets its one-line message. */
async function openFile(f: File) {
  if (document.body.dataset.busy !== "idle") return;
  try {
    const u = await readUpload(f);
    state.upload = u;
    let option = ui.preset.querySelector<HTMLOptionElement>('option[value="file"]');
    if (!option) ui.preset.append((option = Object.assign(document.createElement("option"), { value: "file" })));
    option.textContent = `${u.name} (${u.cols}-D)`;
    ui.preset.value = "file";
    loadData();
  } catch (e) {
    status(cliMessage(e));
    document.body.dataset.state = "error";
  }
}

function resetModel() {
  fitter.cancel();
  helper.cancel();
  state.model = null;
  state.em = null;
  state.frames = [];
  state.playing = -1;
  state.particles = null;
  state.samples = null;
  state.density = null;
  ui.pairs.replaceChildren();
  ui.pairsCaption.textContent = state.dim !== 2 ? "Fit, then the pairs picture of the data and the model's samples appears here." : "";
  ui.progress.value = 0;
  for (const el of [ui.tvModel, ui.tvEM, ui.tvFloor, ui.timeModel, ui.timeEM, ui.llModel, ui.llEM, ui.llTimeModel, ui.llTimeEM]) {
    el.textContent = "–";
    delete el.dataset.value;
  }
  ui.emLabel.textContent = "EM baseline";
  ui.llEMLabel.textContent = "EM baseline";
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
  const rows = state.data.length / state.dim;
  if (rows < 50) {
    status(`Need at least 50 points to fit, have ${rows}.`);
    return;
  }
  resetModel();
  setBusy("fitting");
  document.body.dataset.state = "fitting";
  const options = fitOptions();
  const file = state.preset === "file" ? state.upload : null;
  if (file) Object.assign(state, split(file, seed()));
  status("Fitting…");
  startEM(); // the EM baseline learns on the other worker at the same time
  try {
    const columns = file?.header ? { columns: file.header } : {};
    // The selection (σ₀, the map, the granularity, the degree: whatever is left automatic) takes
    // the bar's first half when there is one; its count of candidates is not known in advance.
    let share = 0;
    const { model, ms } = await fitter.fit(file ? state.train! : state.data, { ...options, ...columns, dim: state.dim }, (p: Progress) => {
      if (p.phase === "select") share = 0.5;
      ui.progress.value = p.phase === "select" ? (share * p.done) / p.total : share + ((1 - share) * p.done) / p.total;
      status(p.phase === "select" ? `Choosing ${p.message}` : `Fitting ${p.message}`);
    });
    state.model = model;
    state.fitMs = ms;
    ui.progress.value = 1;
    const G = model.regions.weights.length;
    ui.timeModel.textContent = ui.llTimeModel.textContent = `fit ${fmtMs(ms)}`;
    status(`Fitted ${model.levels.length} levels, ${G} region${G > 1 ? "s" : ""}, degree ${model.degree} in ${fmtMs(ms)}. ${file ? "Measuring…" : "Move the slider, or Sample."}`);
    document.body.dataset.state = "fitted";
    setBusy("idle");
    render();
    if (file) return await measureFile("ode");
    const { em, ms: emMs } = await baseline();
    ui.emLabel.textContent = `EM baseline (k = ${em.k}, BIC)`;
    ui.timeEM.textContent = `fit ${fmtMs(emMs)}`;
  } catch (e) {
    failed(e);
  }
}

/** The EM baseline on the training rows; a cancelled or failed run is started again when next needed. */
function startEM() {
  // A file: full covariances (its columns have units of their own), on the rows the model is fitted on.
  const file = state.preset === "file" && state.train;
  const request = file ? { data: state.train!.slice(), seed: seed(), dim: state.dim, covariance: "full" } : { data: state.data.slice(), seed: seed() };
  const run = helper.call("em", request).then(({ result, ms }) => ({ em: result as EMResult, ms }));
  state.em = run;
  run.catch(() => void (state.em === run && (state.em = null))); // the error is reported where awaited
  return run;
}
const baseline = () => state.em ?? startEM();

async function onSample() {
  const model = state.model;
  if (!model) return;
  if (state.preset === "file") return await measureFile("exp");
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
    state.samples = samples;
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

/**
 * A file's model: samples (the probability-flow ODE after Fit; the reverse SDE with its
 * particles on Sample), the held-out log-likelihood beside EM's, the learned density (2-D),
 * then the picture: the canvases for 2 columns, the pairs picture for more.
 */
async function measureFile(method: "ode" | "exp") {
  const model = state.model!, dim = state.dim, u = state.upload!;
  setBusy("sampling");
  document.body.dataset.state = "sampling";
  const count = clampInt(ui.count.value, 100, 100000, 5000), s = seed() + 1;
  const trace = method === "exp" && dim === 2;
  state.frames = [];
  state.playing = trace ? 0 : -1;
  state.particles = null;
  ui.progress.value = 0;
  status(method === "ode" ? "Sampling by the probability-flow ODE, measuring the held-out rows…" : "Sampling: particles run the reverse SDE from noise to data…");
  const started = performance.now();
  if (trace) requestAnimationFrame(animate);
  try {
    const options = method === "ode" ? { seed: s, method } : { seed: s, method, steps: clampInt(ui.steps.value, 1, 2000, 100), ...(trace ? { trace: PARTICLES } : {}) };
    const { samples, ms } = await fitter.sample(model, count, options, (p: SampleProgress) => {
      if (p.phase === "trace") {
        state.frames.push({ t: p.t, x: p.x });
        state.frameSteps = p.steps;
        ui.progress.value = (0.5 * p.step) / p.steps;
      } else ui.progress.value = (trace ? 0.5 : 0) + ((trace ? 0.5 : 0.8) * p.done) / p.total;
    });
    state.samples = samples;
    ui.llTimeModel.textContent = `fit ${fmtMs(state.fitMs)} · sample ${fmtMs(ms)}`;
    const { em, ms: emMs } = await baseline();
    const json = model.toJSON();
    const k = Math.min(count, LOGLIK_SAMPLES);
    const held = helper.call("heldout", { model: json, em, rows: state.heldout!.slice(), samples: samples.slice(0, k * dim) } satisfies HeldoutRequest);
    const dens = dim === 2 && !state.density ? helper.call("density", { model: json, box: state.box, size: DENSITY_GRID } satisfies DensityRequest) : null;
    const h = (await held).result as Heldout;
    if (dens) state.density = (await dens).result as Float64Array;
    if (trace) await new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ANIMATION_MS - (performance.now() - started))));
    else state.particles = samples.subarray(0, PARTICLES * dim);
    ui.progress.value = 1;
    const put = (el: HTMLElement, v: number) => ((el.textContent = v.toFixed(3)), (el.dataset.value = String(v)));
    put(ui.llModel, h.model);
    put(ui.llEM, h.em);
    ui.llEMLabel.textContent = `EM baseline (k = ${em.k}, full covariances, BIC)`;
    ui.llTimeEM.textContent = `fit ${fmtMs(emMs)}`;
    const rows = state.heldout!.length / dim;
    ui.qualityNote.textContent = `Mean log p̂ per held-out row (nats; ${rows} rows of ${u.name}, 20%, not used to fit; diffmix by the flow ODE, ${h.steps} steps). Higher is better.`;
    if (dim !== 2) drawPairs(u, samples, h, method);
    status(`Done: held-out log-likelihood ${h.model.toFixed(3)} per row (EM ${h.em.toFixed(3)}); ${count} samples. Download the model or the samples with the buttons above.`);
    document.body.dataset.state = "sampled";
    setBusy("idle");
    render();
  } catch (e) {
    failed(e);
  }
}

/** The pairs picture of src/plot, as `diffmix plot` draws it: principal directions of the file's rows. */
function drawPairs(u: Upload, samples: Float64Array, h: Heldout, method: "ode" | "exp") {
  const count = samples.length / u.cols;
  const axes = u.cols === 1 ? columnAxes(1, u.header, [0]) : principalAxes(u.cols, u.header, u.x, Math.min(u.cols, 4), u.name);
  const model = state.model!, G = model.regions.weights.length;
  ui.pairs.innerHTML = pairsFigure({
    title: `${u.name}: ${u.cols}-D, ${G} region${G > 1 ? "s" : ""}, degree ${model.degree}`,
    names: axes.names, data: axes.project(u.x), dataLabel: u.name,
    samples: axes.project(samples), samplesLabel: `diffmix samples (${count}, ${method === "ode" ? "probability-flow ODE" : "reverse SDE"})`,
    loglik: { data: h.rows, samples: h.samples, steps: h.steps, label: "held-out rows" },
    notes: axes.notes,
  });
  ui.pairsCaption.textContent = `${u.cols === 1 ? `The column of ${u.name}` : `The first ${axes.names.length} principal directions of ${u.name}`}: histograms and learned marginals on the diagonal, rows and samples below it, their contours above it; log p̂ of the held-out rows against the model's samples.`;
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
    // A file's errors read as the command line prints them (the same checks, the same words).
    status(state.preset === "file" ? cliMessage(e) : `Error: ${(e as Error).message}`);
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
  if (state.dim !== 2) return; // the pairs picture is drawn once, when measured
  const { learned, exact } = views;
  learned.box = exact.box = state.box;
  const model = state.model, file = state.preset === "file" ? state.upload : null;
  learned.begin();
  if (model && ui.showRegions.checked) learned.image(regionsImage(model, t, learned.grid, state.box));
  if (ui.showData.checked) {
    const paint = state.preset === "paint";
    // The data noised to t by the model's process (in its units), or before a fit in the presets' units.
    const shown = model ? noisedData(model, state.data, t, state.xi) : file ? state.data : noised(state.data, state.xi, a, sigma);
    drawPoints(learned, shown, paint ? "rgba(30,30,50,0.7)" : "rgba(40,40,60,0.4)", paint ? 2.2 : 1.6);
  }
  if (model && ui.showArrows.checked) drawModelArrows(learned, model, t, sigma, "#1b1b1b");
  if (model && ui.showRegions.checked) drawCentres(learned, model, t);
  if (state.particles) drawPoints(learned, state.particles, "rgba(214,69,0,0.75)", 2.2);
  if (state.preset === "paint" && state.data.length === 0) learned.hint("paint here");
  learned.frame(file ? axisNames(file) : undefined);
  if (state.truth) {
    exact.begin();
    exact.image(densityImage(state.truth, t, exact.grid, state.box));
    if (ui.showArrows.checked) drawMixtureArrows(exact, state.truth, t, sigma, "#1b1b1b");
    exact.frame();
  } else if (file) {
    exact.begin();
    if (state.density) exact.image(learnedDensityImage(state.density, DENSITY_GRID));
    else exact.hint(model ? "measuring…" : "Fit to see p̂");
    drawPoints(exact, state.data, "rgba(40,40,60,0.45)", 1.4);
    exact.frame(axisNames(file));
  }
}

const axisNames = (u: Upload): [string, string] => (u.header ? [u.header[0], u.header[1]] : ["x1", "x2"]);

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
ui.file.addEventListener("change", () => {
  const f = ui.file.files?.[0];
  if (f) void openFile(f);
  ui.file.value = ""; // the same file again is a change
});
// Drag and drop anywhere on the page.
let dragDepth = 0;
const isFile = (e: DragEvent) => !!e.dataTransfer && [...e.dataTransfer.types].includes("Files");
window.addEventListener("dragenter", (e) => {
  if (!isFile(e)) return;
  e.preventDefault();
  dragDepth++;
  ui.drop.hidden = false;
});
window.addEventListener("dragover", (e) => isFile(e) && e.preventDefault());
window.addEventListener("dragleave", () => void (--dragDepth <= 0 && ((dragDepth = 0), (ui.drop.hidden = true))));
window.addEventListener("drop", (e) => {
  e.preventDefault();
  dragDepth = 0;
  ui.drop.hidden = true;
  const f = e.dataTransfer?.files?.[0];
  if (f) void openFile(f);
});
const baseName = () => (state.preset === "file" && state.upload ? state.upload.name.replace(/\.[^.]*$/, "") : state.preset);
ui.saveModel.addEventListener("click", () => state.model && download(`${baseName()}-model.json`, [JSON.stringify(state.model)], "application/json"));
ui.saveSamples.addEventListener("click", () => {
  if (!state.samples) return;
  const header = state.preset === "file" ? state.upload?.header ?? null : null;
  download(`${baseName()}-samples.csv`, [...csvChunks(state.samples, state.dim, header)], "text/csv");
});
new ResizeObserver(() => {
  views.learned.resize();
  views.exact.resize();
  render();
}).observe(ui.learned.parentElement!.parentElement!);

loadData();
document.body.dataset.ready = "1";
