/**
 * Quality table on the public instances (test/fixtures/instances.json): diffmix (all
 * defaults: degree and R chosen by held-out Stein loss) vs our EM with k known vs our EM with
 * k chosen by BIC (identity covariances: the paper's model class) vs scikit-learn's
 * GaussianMixture (full covariances, k known and BIC) when /usr/bin/python3 has it, each
 * beside the floor (a fresh sample of the truth of the same size). Writes the "accuracy"
 * section of bench/RESULTS.md (not with --only, which prints its table) and figures into
 * bench/figures/.
 *
 *   npx tsx bench/accuracy.ts [--quick] [--only blobs2d,ring]
 *
 * Default: m = 20 000 training rows per instance, 20 000 generated; --quick: 5 000 and 5 000.
 */
import { evaluate } from "../src/metrics/index.ts";
import { barPlot, scatterPanels } from "./svg.ts";
import {
  fmt, loadInstances, machine, markdownTable, parseArgs, runDiffmix, runEM, runSklearn, sklearnVersion, writeFigure, writeSection, type Run,
} from "./harness.ts";

const args = parseArgs(process.argv.slice(2));
if (args.help) {
  console.log("usage: npx tsx bench/accuracy.ts [--quick] [--only NAME,NAME]");
  process.exit(0);
}
const m = args.quick ? 5000 : 20000;
const count = m;
const SEED = 1;
const METRICS = ["tv2d", "slicedTV", "mmd", "energy"] as const;

const instances = loadInstances().filter((i) => !args.only || args.only.includes(i.name));
const sk = sklearnVersion();
const command = `npx tsx bench/accuracy.ts${args.quick ? " --quick" : ""}${args.only ? ` --only ${args.only.join(",")}` : ""}`;

interface Row { instance: string; method: string; size: string; metrics: Record<string, number>; fit?: number; sample?: number; note?: string }
const rows: Row[] = [];
const perInstance: { name: string; dim: number; values: Record<string, Record<string, number>>; floor: Record<string, number> }[] = [];
const t00 = performance.now();

for (const inst of instances) {
  const { truth, name } = inst, n = truth.dim;
  console.log(`\n== ${name} (dim ${n}${inst.k ? `, k=${inst.k}` : `, ${inst.spec.kind}`}) — ${inst.notes}`);
  const data = truth.sample(m, SEED);
  const runs: Run[] = [];
  const add = (r: Run | null) => {
    if (!r) return;
    runs.push(r);
    console.log(`  ${r.method.padEnd(24)} ${r.size.padEnd(26)} fit ${r.fitSeconds.toFixed(2)} s, sample ${r.sampleSeconds.toFixed(2)} s`);
  };
  add(await runDiffmix(data, n, count, SEED));
  if (inst.k) add(runEM(data, n, count, SEED, { k: inst.k }, "EM, k known (identity)"));
  add(runEM(data, n, count, SEED, { k: "bic", kRange: [1, 10] }, "EM-BIC (identity)"));
  if (sk) {
    if (inst.k) add(runSklearn(data, n, count, SEED, { k: inst.k }, "sklearn GMM, k known (full)"));
    add(runSklearn(data, n, count, SEED, { k: "bic", kRange: [1, 10] }, "sklearn GMM-BIC (full)"));
  }
  const values: Record<string, Record<string, number>> = {};
  let floor: Record<string, number> = {};
  for (const r of runs) {
    const e = evaluate(r.samples, { dim: n, truth, seed: SEED });
    values[r.method] = Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v.value]));
    floor = Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v.floor]));
    rows.push({ instance: name, method: r.method, size: r.size, metrics: values[r.method], fit: r.fitSeconds, sample: r.sampleSeconds });
    console.log(`  ${r.method.padEnd(24)} ${Object.entries(e).map(([k, v]) => `${k} ${fmt(v.value)}`).join(", ")}`);
  }
  rows.push({ instance: name, method: "*floor* (fresh true sample)", size: "", metrics: floor });
  console.log(`  ${"floor".padEnd(24)} ${Object.entries(floor).map(([k, v]) => `${k} ${fmt(v)}`).join(", ")}`);
  perInstance.push({ name, dim: n, values, floor });

  if (n === 2 && ["ring", "pair-close", "balls"].includes(name)) {
    const pick = (method: string) => runs.find((r) => r.method === method)?.samples ?? new Float64Array(0);
    writeFigure(`accuracy-${name}.svg`, scatterPanels({
      title: `${name}: training data and generated samples (m = ${m})`,
      subtitle: "first 3000 points of each",
      maxPoints: 3000,
      panels: [
        { label: "training data", points: data, color: "#444444" },
        { label: "diffmix", points: pick("diffmix"), color: "#1f77b4" },
        { label: "EM-BIC (identity)", points: pick("EM-BIC (identity)"), color: "#d62728" },
      ],
    }));
  }
}
const total = (performance.now() - t00) / 1000;

// ---------------------------------------------------------------------------------------
const methods = [...new Set(rows.filter((r) => !r.method.startsWith("*")).map((r) => r.method))];
// the summary figures cover every instance, so an --only run leaves them alone
for (const metric of args.only ? [] : (["slicedTV", "tv2d"] as const)) {
  const cats = perInstance.filter((p) => metric !== "tv2d" || p.dim === 2);
  if (cats.length === 0) continue;
  writeFigure(`accuracy-${metric}.svg`, barPlot({
    title: `${metric === "tv2d" ? "2-D histogram TV" : "Sliced TV"} above the floor, per instance (m = ${m}, ${count} generated)`,
    subtitle: "value − floor (the floor: a fresh sample of the truth of the same size); lower is better, ≈ 0 is perfect",
    yLabel: metric === "tv2d" ? "TV − floor (cells 0.5)" : "sliced TV − floor",
    categories: cats.map((p) => p.name),
    groups: methods.map((meth) => ({ label: meth, values: cats.map((p) => (p.values[meth]?.[metric] ?? NaN) - p.floor[metric]) })),
    width: 1000,
    legend: "outside",
  }));
}

const table = markdownTable(
  ["instance", "method", "model", ...METRICS, "fit s", "sample s"],
  rows.map((r) => [r.instance, r.method, r.size, ...METRICS.map((k) => fmt(r.metrics[k])), r.fit === undefined ? "" : r.fit.toFixed(2), r.sample === undefined ? "" : r.sample.toFixed(2)]),
);
const excess = markdownTable(
  ["instance", ...methods],
  perInstance.map((p) => [p.name, ...methods.map((meth) => (p.values[meth] ? fmt(p.values[meth].slicedTV - p.floor.slicedTV, 3) : "—"))]),
);

const section = `## Quality on the public instances (\`${command}\`, owner: evaluation)

m = ${m} training rows per instance (seed ${SEED}), ${count} generated rows per method, metrics from
\`evaluate\` (src/metrics): **tv2d** histogram TV against the exact density (cells 0.5; 2-D only),
**slicedTV** mean 1-D TV over the truth's principal directions + 16 fixed random ones (exact
projected densities), **mmd** unbiased MMD² (Gaussian kernel, median-heuristic bandwidth, 2000-row
subsets), **energy** energy distance (sliced). The *floor* row is each metric for a fresh sample
of the truth of the same size: a perfect sampler scores there (MMD² and energy are unbiased, so
their floors scatter around 0). diffmix runs with all defaults (degree and R chosen by held-out
Stein loss, 40 levels, 160 sampler steps); "model" is its number of regions, degree and R. EM is
src/em.ts (identity covariances, k-means++ init, 3 restarts; BIC over k = 1…10).
${sk ? `scikit-learn ${sk} GaussianMixture uses full covariances, n_init = 3, one BLAS thread (its fit time is measured inside Python; samples are drawn from its parameters with our sampleEM).` : "scikit-learn: skipped (`/usr/bin/python3 -c \"import sklearn\"` failed)."}
Times in seconds on ${machine()}; the whole run took ${total.toFixed(0)} s.

${table}

Excess sliced TV over the floor (value − floor; ≤ 0 means indistinguishable from a true sample at this size):

${excess}

Figures: \`figures/accuracy-slicedTV.svg\`, \`figures/accuracy-tv2d.svg\` (excess over the floor per method),
\`figures/accuracy-{ring,pair-close,balls}.svg\` (data and samples).
`;
// A run on some instances only (--only) prints its table and leaves RESULTS.md alone: the section holds the full table.
if (args.only) console.log(`\n${table}\n\n(--only: bench/RESULTS.md not updated)`);
else writeSection("accuracy", section);
