/**
 * The probability-flow ODE and what it gives (src/flow.ts, src/components.ts):
 *
 *   1. samplers per residual evaluation: histogram TV (cells 0.5, 1e5 samples, with the floor
 *      of a fresh true sample) of `em`, `exp` and `ode` at 20, 50 and 200 evaluations on
 *      blobs2d and ring; and the ODE solvers' discretisation error (RMS distance of x(0) from
 *      a 3000-step solution, same starts) per evaluation;
 *   2. logpdf: its discretisation error per step count, its mean absolute error against the
 *      exact log-density, and the held-out NLL beside EM's on the public instances;
 *   3. components: k found, or the reason none fits, and the errors of the weights and means
 *      beside EM with k known.
 *
 * Every instance: m = 20 000 training rows (seed 21), `fit` with its defaults (seed 4).
 *
 *   npx tsx bench/ode.ts [--quick] [--only blobs2d,ring] [--no-write]
 *
 * --quick: m = 5000, 2e4 samples, fewer points (a smoke run); the section of bench/RESULTS.md
 * between <!-- begin ode --> and <!-- end ode --> is rewritten unless --quick or --no-write.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { fit, sample, type ScoreModel } from "../src/node.ts";
import { fitEM, logpdfEM } from "../src/em.ts";
import { type Mixture, type MixtureSpec } from "../src/mixture.ts";
import { mixtureFromSpec } from "../src/mixture-spec.ts";
import { histogramTV } from "../src/metrics/tv.ts";
import { Evaluator } from "../src/evaluator.ts";
import { createKernels } from "../src/kernels/index.ts";
import { Flow, flowEvaluations, type OdeSolver } from "../src/flow.ts";
import { reverseGrid } from "../src/ladder.ts";
import { startOf } from "../src/start.ts";
import { streamState } from "../src/random.ts";
import { componentErrors as errors } from "../src/metrics/recovery.ts";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const onlyAt = argv.indexOf("--only");
const only = onlyAt >= 0 ? argv[onlyAt + 1].split(",") : undefined;
const write = !quick && !argv.includes("--no-write");
const M = quick ? 5000 : 20000, SAMPLES = quick ? 20000 : 100000, HELD_OUT = quick ? 1000 : 5000;

const INSTANCES = fileURLToPath(new URL("../test/fixtures/instances.json", import.meta.url));
const RESULTS = fileURLToPath(new URL("RESULTS.md", import.meta.url));
const specs = (JSON.parse(readFileSync(INSTANCES, "utf8")) as { instances: Record<string, MixtureSpec> }).instances;
const names = Object.keys(specs).filter((n) => !only || only.includes(n));
const t00 = performance.now();
const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);
const f = (v: number, d = 4) => (Number.isFinite(v) ? v.toFixed(d) : "—");
const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
const meanAbs = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;

interface Fitted { name: string; truth: Mixture; spec: MixtureSpec; data: Float64Array; model: ScoreModel; fitSeconds: number }
const fitted: Fitted[] = [];
for (const name of names) {
  const spec = specs[name], truth = mixtureFromSpec(spec, name);
  const data = truth.sample(M, 21);
  const t0 = performance.now();
  const model = await fit(data, { dim: truth.dim, seed: 4 });
  fitted.push({ name, truth, spec, data, model, fitSeconds: +secs(t0) });
  console.log(`fitted ${name} in ${secs(t0)} s (${model.regions.weights.length} regions, degree ${model.degree})`);
}
const out: string[] = [];

// 1. Samplers per evaluation ------------------------------------------------------------------
const BUDGETS = [20, 50, 200];
const two = fitted.filter((x) => x.name === "blobs2d" || x.name === "ring");
if (two.length) {
  const rows: (string | number)[][] = [];
  for (const { name, truth, model } of two) {
    const floor = histogramTV(truth.sample(SAMPLES, 22), truth);
    for (const evals of BUDGETS) {
      const tv: string[] = [];
      for (const method of ["em", "exp", "ode"] as const) {
        const t0 = performance.now();
        const xs = await sample(model, SAMPLES, { seed: 5, method, steps: evals - 1 });
        tv.push(f(histogramTV(xs, truth) - floor));
        console.log(`${name} ${method} at ${evals} evaluations: ${secs(t0)} s`);
      }
      rows.push([name, evals, ...tv, f(floor)]);
    }
  }
  out.push(`### Samplers per residual evaluation

Excess histogram TV over the floor (cells 0.5 × 0.5; ${SAMPLES} samples, seed 5; the floor is
the TV of a fresh true sample of the same size, seed 22; negative = within the floor's noise).
\`em\` and \`exp\` take steps = evaluations − 1 on the sampler's grid (uniform in log-SNR from T
to t_min, then one step to 0); \`ode\` is the probability-flow ODE by the predictor–corrector
"pc2" on the same grid and the same seeded starts, also steps + 1 evaluations.

${table(["instance", "evaluations", "em", "exp", "ode", "floor"], rows)}`);

  // ODE solvers: discretisation error of the flow map per evaluation.
  const SOLVERS: OdeSolver[] = ["exp", "heun", "ms2", "ms3", "pc2"];
  const srows: (string | number)[][] = [];
  for (const { name, model } of two) {
    const N = 2000, n = model.dim;
    const k = createKernels(model.backend), ev = new Evaluator(k, model, N), flow = new Flow(ev, n);
    ev.state.set(streamState(1, "sample", 0, "start"));
    k.normal(N * n, ev.x, ev.state);
    startOf(model).draw(ev.x, N);
    const x0 = ev.x.slice(0, N * n);
    const run = (solver: OdeSolver, steps: number) => {
      ev.x.set(x0);
      flow.integrate(N, reverseGrid(steps, model.tMin, model.T), solver);
      return ev.x.slice(0, N * n);
    };
    const ref = run("heun", 3000);
    for (const evals of BUDGETS) {
      srows.push([name, evals, ...SOLVERS.map((solver) => {
        const steps = solver === "heun" ? evals / 2 - 1 : evals - 1;
        if (flowEvaluations(steps, solver) !== evals) throw new Error("evaluation count");
        const y = run(solver, steps);
        return Math.sqrt(y.reduce((s, v, i) => s + (v - ref[i]) ** 2, 0) / N).toExponential(1);
      })]);
    }
  }
  out.push(`### ODE solvers per residual evaluation

RMS distance of x(0) from a 3000-step Heun solution from the same 2000 starts (the flow map's
discretisation error, no sampling noise). "exp" holds E[μ|x] over a step; "heun" predicts and
corrects (two evaluations per step); "ms2"/"ms3" are Adams–Bashforth in log-SNR through two or
three past evaluations; "pc2" predicts like ms2, evaluates at the predicted point, corrects
with the step's two ends and reuses that evaluation (one per step, like UniPC). \`method:
"ode"\` uses pc2.

${table(["instance", "evaluations", ...SOLVERS], srows)}`);
}

// 2. logpdf ---------------------------------------------------------------------------------------
{
  const steps = [10, 25, 50, 100];
  const drows: (string | number)[][] = [], nrows: (string | number)[][] = [];
  for (const { name, truth, spec, data, model } of fitted) {
    const x = truth.sample(HELD_OUT, 99), exact = truth.logpdf(x);
    const t0 = performance.now();
    const lp = model.logpdf(x);
    const tl = secs(t0);
    // The fixed grids (tolerance 0), then the default: 50 steps with each row refined to 0.05 nats.
    const ref = model.logpdf(x, { steps: 800, tolerance: 0 });
    drows.push([name, ...steps.map((s) => meanAbs(model.logpdf(x, { steps: s, tolerance: 0 }), ref).toExponential(1)), meanAbs(lp, ref).toExponential(1), f(meanAbs(lp, exact)), f(mean(lp) - mean(exact))]);
    const emBic = fitEM(data, { dim: truth.dim, k: "bic", seed: 1 });
    const kTrue = spec.kind === "discrete" ? spec.weights.length : undefined;
    const emK = kTrue ? fitEM(data, { dim: truth.dim, k: kTrue, seed: 1 }) : undefined;
    nrows.push([
      name, truth.dim, f(-mean(lp)), `${f(-mean(logpdfEM(emBic, x)))} (k=${emBic.k})`, emK ? f(-mean(logpdfEM(emK, x))) : "—", f(-mean(exact)),
      f(meanAbs(lp, exact), 3), f(meanAbs(logpdfEM(emBic, x), exact), 3), tl,
    ]);
    console.log(`logpdf ${name}: ${tl} s for ${HELD_OUT} points`);
  }
  out.push(`### Log-density

\`model.logpdf\` integrates the flow from 0 to T with the exact divergence (pc2, default 50
steps in log-SNR from t_min to T plus [0, t_min] with the lowest level's E[μ|x]) and ends on
the sampler's Gaussian start N(a_T x̄, a_T²(Σ̂ − I) + I); each row is checked against 25 steps
and integrated again with doubled steps while it moves more than 0.05 nats. Discretisation: mean
|log p̂(steps) − log p̂(800 steps)| over ${HELD_OUT} points from the truth (seed 99) on fixed grids
(tolerance 0) and for the default; then the default's mean absolute error and mean error (bias)
against the exact log-density.

${table(["instance", ...steps.map((s) => `${s} steps`), "default", "MAE vs exact", "bias"], drows)}

Held-out negative log-likelihood (nats per point, ${HELD_OUT} fresh points from the truth; lower
is better; "truth" is the exact density's, the floor) and mean absolute error of log p̂.
EM is src/em.ts with identity covariances (BIC over k = 1…10, and k known for discrete
instances), fitted on the same ${M} rows.

${table(["instance", "n", "diffmix", "EM-BIC", "EM, k known", "truth", "MAE diffmix", "MAE EM-BIC", "logpdf s"], nrows)}`);
}

// 3. components ---------------------------------------------------------------------------------
{
  const rows: (string | number)[][] = [];
  for (const { name, truth, spec, data, model } of fitted) {
    const t0 = performance.now();
    const c = model.components();
    const tc = secs(t0);
    let cells: string[];
    // With covariance gates the components are the regions (no mean shift: no flatness or misfit).
    const diag = (key: "flatness" | "misfit") => (c.diagnostics ? f(c.diagnostics[key], 3) : "— (regions)");
    if (spec.kind === "discrete" && c.k !== null) {
      const em = fitEM(data, { dim: truth.dim, k: spec.weights.length, seed: 1 });
      const ours = errors(c, spec), theirs = errors(em, spec);
      cells = [String(c.k), f(ours.mean), f(theirs.mean), f(ours.weight), f(theirs.weight), diag("flatness"), diag("misfit")];
    } else {
      cells = [c.k === null ? `none: ${shortReason(c.reason)}` : String(c.k), "—", "—", "—", "—", diag("flatness"), diag("misfit")];
    }
    rows.push([name, spec.kind === "discrete" ? spec.weights.length : "∞ (continuous)", ...cells, tc]);
  }
  out.push(`### Components

\`model.components()\` with its defaults (mean shift of E[μ|x] at t_min from 1000 of 20 000
ODE draws; see src/components.ts; a model with covariance gates gives its regions). Errors:
mean distance from each true mean to the nearest estimate, and the weight error there; EM with k known (identity covariances) on the same
rows beside it. "flatness" is the largest eigenvalue of sym ∇E[μ|x] at the modes (≈ 0:
isolated; ≥ 0.7: a ridge); "misfit" the RMS of E[μ|x] against the fitted mixture's.

${table(["instance", "true k", "k found", "mean err", "EM mean err", "weight err", "EM weight err", "flatness", "misfit", "s"], rows)}`);
}


function shortReason(reason: string): string {
  if (reason.includes("flat along a ridge")) return "ridge (flat)";
  if (reason.includes("did not settle")) return "ridge (no convergence)";
  if (reason.includes("varies inside the basins")) return "E[μ|x] not piecewise constant";
  if (reason.includes("maxK")) return "too many modes";
  return reason;
}

const command = `npx tsx bench/ode.ts${only ? ` --only ${only.join(",")}` : ""}`;
const section = `## Probability-flow ODE, log-density, components (\`${command}\`, owner: flow)

m = ${M} training rows per instance (seed 21), \`fit\` with its defaults (seed 4). Node
${process.version}, ${cpus().length} cores shared with other jobs; the run took ${secs(t00)} s.

${out.join("\n\n")}`;
console.log(`\n${section}\n`);
if (write) {
  const text = existsSync(RESULTS) ? readFileSync(RESULTS, "utf8") : "# Benchmark results\n";
  const begin = "<!-- begin ode -->", end = "<!-- end ode -->";
  const block = `${begin}\n${section}\n${end}`;
  const i = text.indexOf(begin), j = text.indexOf(end);
  // Through a temporary file and a rename: other benchmarks read and write this file too, and
  // must never see it half-written (an empty read would drop their sections).
  const tmp = `${RESULTS}.${process.pid}.tmp`;
  writeFileSync(tmp, i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`);
  renameSync(tmp, RESULTS);
  console.log(`wrote the "ode" section of ${RESULTS}`);
}
