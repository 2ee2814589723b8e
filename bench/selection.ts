/**
 * What the automatic selection costs: fit() with defaults on one thread and on two, wall and CPU
 * seconds (the process's, worker threads included), the selection's share (until the first "fit"
 * progress event), its candidates and its choice, and whether the two models are bitwise the same.
 *
 *   npx tsx bench/selection.ts [--wide] [--no-write]
 *
 * Cases: blobs6-2d (20 000 rows, bench/e2e.ts's instance), breast cancer (scikit-learn's copy,
 * 569 × 30, grid-valued columns dequantised as fit does: K-fold selection, covariance gates),
 * and with --wide N(0, I) in 1000 × 300 (issue 14, row 6; about 3 minutes). Writes its table
 * between `<!-- begin selection -->` and `<!-- end selection -->` of bench/RESULTS.md.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { execSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fit } from "../src/node.ts";
import { mixtureFromSpec } from "../src/mixture-spec.ts";
import { normals, streamState } from "../src/random.ts";

const RESULTS = fileURLToPath(new URL("./RESULTS.md", import.meta.url));
const START = "<!-- begin selection -->", END = "<!-- end selection -->";
const SKLEARN_DATA = "/usr/lib/python3/dist-packages/sklearn/datasets/data";
const args = process.argv.slice(2);

function blobs(): { x: Float64Array; n: number } {
  const means = Array.from({ length: 6 }, (_, j) => [4 * Math.cos((j * Math.PI) / 3), 4 * Math.sin((j * Math.PI) / 3)].map((v) => +v.toFixed(6)));
  const truth = mixtureFromSpec({ kind: "discrete", dim: 2, weights: [0.3, 0.2, 0.15, 0.15, 0.12, 0.08], means }, "blobs6");
  return { x: truth.sample(20000, 1), n: 2 };
}

function breastCancer(): { x: Float64Array; n: number } | undefined {
  const file = `${SKLEARN_DATA}/breast_cancer.csv`;
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, "utf8").trim().split("\n").slice(1); // its first line is a count, not a header
  const n = lines[0].split(",").length - 1, x = new Float64Array(lines.length * n);
  lines.forEach((l, i) => l.split(",").slice(0, n).forEach((v, j) => (x[i * n + j] = Number(v))));
  return { x, n };
}

const cases: { name: string; make: () => { x: Float64Array; n: number } | undefined }[] = [
  { name: "blobs6-2d, 20 000 × 2", make: blobs },
  { name: "breast cancer, 569 × 30", make: breastCancer },
  ...(args.includes("--wide") ? [{ name: "N(0, I), 1000 × 300", make: () => ({ x: normals(1000 * 300, streamState(5, "wide")), n: 300 }) }] : []),
];

const rows: string[] = [];
const load0 = loadavg().map((v) => v.toFixed(2));
for (const c of cases) {
  const data = c.make();
  if (!data) {
    rows.push(`| ${c.name} | — | — | — | — | skipped: ${SKLEARN_DATA} absent (python3-sklearn) |`);
    continue;
  }
  let first: string | undefined;
  for (const threads of [1, 2]) {
    const t0 = performance.now(), c0 = process.cpuUsage();
    let selected = 0;
    const model = await fit(data.x, { dim: data.n, seed: 0, threads, onProgress: (p) => void (p.phase === "fit" && !selected && (selected = performance.now())) });
    const wall = (performance.now() - t0) / 1e3, used = process.cpuUsage(c0), cpu = (used.user + used.system) / 1e6;
    const sel = selected ? (selected - t0) / 1e3 : NaN;
    const cfg = model.config as Record<string, unknown>;
    const json = JSON.stringify(model);
    first ??= json;
    const what = threads === 1 ? `${model.map.kind} map, ${model.gating} gates, σ₀ ${model.map.scale.toPrecision(4)}, K=${cfg.granularity}, R=${cfg.R}, degree ${model.degree}: ${model.regions.weights.length} region${model.regions.weights.length === 1 ? "" : "s"}`
      : json === first ? "the same model, bitwise" : "A DIFFERENT MODEL";
    rows.push(`| ${c.name} | ${threads} | ${wall.toFixed(1)} | ${cpu.toFixed(1)} | ${sel.toFixed(1)} (${((100 * sel) / wall).toFixed(0)}%) | ${model.selection.length} | ${what} |`);
    console.log(rows[rows.length - 1]);
  }
}

const rev = (() => {
  try {
    return execSync("git rev-parse --short HEAD", { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
})();
const md = [
  START,
  `## The selection's cost (\`npx tsx bench/selection.ts${args.includes("--wide") ? " --wide" : ""}\`, owner: speed)`,
  "",
  `${new Date().toISOString()}. diffmix ${rev}, ${cpus()[0]?.model.trim() ?? "?"}, ${cpus().length} cores, node ${process.version}; load ${load0.join(" / ")} at the start, ${loadavg().map((v) => v.toFixed(2)).join(" / ")} at the end. ` +
    "`fit(x, {dim, seed: 0, threads})` with defaults, one run each, one thread first (so the two-thread run's workers start cold); CPU counts the worker threads too; the selection is the time until the first level of the final fit.",
  "",
  "| data | threads | fit s | CPU s | selection s (share) | candidates | chosen |",
  "|---|---|---|---|---|---|---|",
  ...rows,
  END,
].join("\n");
if (!args.includes("--no-write")) {
  const text = readFileSync(RESULTS, "utf8"), i = text.indexOf(START), j = text.indexOf(END);
  writeFileSync(RESULTS, i >= 0 && j > i ? text.slice(0, i) + md + text.slice(j + END.length) : `${text.trimEnd()}\n\n${md}\n`);
  console.log(`wrote the selection section of ${RESULTS}`);
}
process.exit(0);
