/**
 * The default sampler, by measurement (issue 15: "if the ODE at 50 steps is as good as the SDE
 * at 320 for samples, say so and choose"): on every public instance one model (m = 20 000
 * training rows, seed 21; `fit` with its defaults, seed 4), 1e5 samples (seed 5) by the reverse
 * SDE (exponential integrator, 320 steps) and by the probability-flow ODE at 50, 100 and 200
 * steps; the excess of histogram TV (2-D, cells 0.5) or sliced TV (n-D) over the mean of three
 * fresh true samples' values (the floor), that floor's sd, and each sampler's wall time.
 *
 *   npx tsx bench/samplers.ts [--quick] [--only blobs2d,ring]
 *
 * Writes the section "samplers" of bench/RESULTS.md (not with --quick).
 */
import { fit, sample } from "../src/node.ts";
import { histogramTV } from "../src/metrics/tv.ts";
import { slicedTV } from "../src/metrics/sliced.ts";
import { fmt, loadInstances, machine, markdownTable, parseArgs, writeSection } from "./harness.ts";

const args = parseArgs(process.argv.slice(2));
const M = args.quick ? 5000 : 20000, N = args.quick ? 20000 : 100000;
const SAMPLERS = [["exp", 320], ["ode", 50], ["ode", 100], ["ode", 200]] as const;
const t00 = performance.now(), load = (await import("node:os")).loadavg();
const rows: string[][] = [];
const verdicts: string[] = [];
for (const { name, truth } of loadInstances().filter((i) => !args.only || args.only.includes(i.name))) {
  const n = truth.dim, measure = (x: Float64Array) => (n === 2 ? histogramTV(x, truth) : slicedTV(x, truth).value);
  const floors = [22, 23, 24].map((s) => measure(truth.sample(N, s)));
  const floor = floors.reduce((a, b) => a + b) / 3, sd = Math.sqrt(floors.reduce((a, b) => a + (b - floor) ** 2, 0) / 2);
  const model = await fit(truth.sample(M, 21), { dim: n, seed: 4 });
  const cells: string[] = [], excess: number[] = [];
  for (const [method, steps] of SAMPLERS) {
    const t0 = performance.now();
    const xs = await sample(model, N, { seed: 5, method, steps });
    const s = (performance.now() - t0) / 1000;
    excess.push(measure(xs) - floor);
    cells.push(`${fmt(excess.at(-1))} (${s.toFixed(1)} s)`);
    console.log(`${name} ${method} ${steps}: ${cells.at(-1)}`);
  }
  const what = `${model.regions.weights.length} regions, degree ${model.degree}, ${model.gating} gates`;
  rows.push([name, n === 2 ? "histogram TV" : "sliced TV", `${fmt(floor)} ± ${fmt(sd)}`, ...cells, what]);
  // ode 50 against exp 320, in units of a difference of two single values' noise (√2 sd).
  const z = (excess[0] - excess[1]) / (Math.SQRT2 * sd);
  verdicts.push(`${name} ${z > 1 ? "ode 50 closer" : z < -1 ? "exp 320 closer" : "equal within the noise"} (${fmt(excess[0] - excess[1])}, ${z.toFixed(1)}σ)`);
}
if (!args.quick) {
  writeSection("samplers", `## Default sampler (\`npx tsx bench/samplers.ts\`, owner: sampling)

${new Date().toISOString()}; ${machine()}; load average ${load.map((v) => v.toFixed(2)).join(" / ")} at the start; the run took ${((performance.now() - t00) / 1000).toFixed(0)} s.
One model per instance (m = ${M} rows, \`fit\` defaults), ${N} samples per sampler (seed 5). Each
cell: the metric minus the floor (the mean over three fresh true samples of the same size;
± its sd), then the sampler's wall time. "exp 320" is the reverse SDE by the exponential
integrator at 320 steps (the default until this run); "ode K" the probability-flow ODE (pc2) at K
steps. Lower is better; negative = within the floor's noise.

${markdownTable(["instance", "metric", "floor ± sd", ...SAMPLERS.map(([m, s]) => `${m} ${s}`), "model"], rows)}

exp 320 − ode 50, with σ = √2 × the floor's sd: ${verdicts.join("; ")}.`);
}
