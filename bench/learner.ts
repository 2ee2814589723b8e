/**
 * The core learner's figures (issue 2): score error per level, sample TV against the floor,
 * fit and sample times on both backends. `npx tsx bench/learner.ts [--quick]`; writes its
 * section of bench/RESULTS.md.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { DEFAULT_STEPS, fit, sample } from "../src/node.ts";
import { GaussianMixture } from "../src/mixture.ts";
import { mixtureFromSpec } from "../src/mixture-spec.ts";
import { presets } from "../src/presets.ts";
import { histogramTV } from "../src/metrics/tv.ts";
import { scoreError } from "../src/metrics/score-error.ts";

const quick = process.argv.includes("--quick");
const lines: string[] = [];
const say = (s: string) => {
  console.log(s);
  lines.push(s);
};
const load0 = loadavg()[0];

async function timed<T>(f: () => Promise<T>): Promise<[T, number, number]> {
  const c0 = process.cpuUsage(), t0 = performance.now();
  const v = await f();
  const c = process.cpuUsage(c0);
  return [v, (performance.now() - t0) / 1000, (c.user + c.system) / 1e6];
}

const square = new GaussianMixture([0.25, 0.25, 0.25, 0.25], [[0, 0], [5, 0], [0, 5], [5, 5]]);
const m = quick ? 20000 : 100000;
say(`### Score error, 2-D k = 4 on a square of side 5, m = ${m} (seed 3)\n`);
const [model] = await timed(() => fit(square.sample(m, 11), { dim: 2, seed: 3 }));
const errs = scoreError(model, square, { points: 20000, seed: 7 }).levels.map((l) => [l.t, l.error]);
say(`Chosen: R = ${model.config.R}, degree ${model.degree}, ${model.regions.weights.length} regions. E|r̂ − r|²/E|s|² at every 4th of the ${errs.length} levels (20 000 fresh points each):\n`);
say("| t | " + errs.filter((_, i) => i % 4 === 0).map(([t]) => t.toPrecision(2)).join(" | ") + " |");
say("|---|" + errs.filter((_, i) => i % 4 === 0).map(() => "---").join("|") + "|");
say("| error | " + errs.filter((_, i) => i % 4 === 0).map(([, e]) => e.toExponential(1)).join(" | ") + " |");
say(`\nLargest over all levels: ${Math.max(...errs.map(([, e]) => e)).toExponential(2)}; smallest ${Math.min(...errs.map(([, e]) => e)).toExponential(2)}.\n`);

say(`### Sample quality: histogram TV (cells 0.5 × 0.5), m = 20 000 training rows, 100 000 generated\n`);
say("| instance | chosen | diffmix TV | floor (fresh true sample) | excess |");
say("|---|---|---|---|---|");
for (const name of ["blobs2d", "ring"]) {
  const truth = mixtureFromSpec(presets[name]);
  const mdl = await fit(truth.sample(20000, 21), { dim: 2, seed: 4 });
  const xs = await sample(mdl, 100000, { seed: 5 });
  const tv = histogramTV(xs, truth), floor = histogramTV(truth.sample(100000, 22), truth);
  say(`| ${name} | R=${mdl.config.R}, degree ${mdl.degree}, ${mdl.regions.weights.length} regions | ${tv.toFixed(4)} | ${floor.toFixed(4)} | ${(tv - floor).toFixed(4)} |`);
}

say(`\n### Time, m = ${m} rows of the square instance, fit (defaults: degree and R chosen) + sample ${m} (${DEFAULT_STEPS.exp} steps), one thread\n`);
say("| backend | fit wall s | fit CPU s | sample wall s | sample CPU s |");
say("|---|---|---|---|---|");
const data = square.sample(m, 11);
for (const backend of ["wasm", "reference"] as const) {
  const [mdl, fw, fc] = await timed(() => fit(data, { dim: 2, seed: 3, backend, threads: 1 }));
  const [, sw, sc] = await timed(() => sample(mdl, m, { seed: 5, backend, threads: 1 }));
  say(`| ${backend} | ${fw.toFixed(2)} | ${fc.toFixed(2)} | ${sw.toFixed(2)} | ${sc.toFixed(2)} |`);
}
say(`\nLoad average (1 min) ${load0.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end, on the shared 2-core machine: wall times include waiting for a core; CPU times are closer to the work.`);

const cmd = `npx tsx bench/learner.ts${quick ? " --quick" : ""}`;
const section = `<!-- learner:start -->\n## Core learner (\`${cmd}\`, ${new Date().toISOString().slice(0, 10)})\n\n${lines.join("\n")}\n<!-- learner:end -->`;
const path = new URL("./RESULTS.md", import.meta.url);
const old = readFileSync(path, "utf8");
const re = /<!-- learner:start -->[\s\S]*<!-- learner:end -->/;
writeFileSync(path, re.test(old) ? old.replace(re, section) : `${old.trimEnd()}\n\n${section}\n`);
