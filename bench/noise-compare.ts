// Quality before/after a change to the fit's noise: integrated score error and TV above the floor.
import { fit, sample } from "../src/node.ts";
import { mixtureFromSpec } from "../src/mixture-spec.ts";
import { presets } from "../src/presets.ts";
import { histogramTV } from "../src/metrics/tv.ts";
import { scoreError } from "../src/metrics/score-error.ts";
const out: string[] = [];
for (const name of ["blobs2d", "ring", "pair-close"]) {
  const truth = mixtureFromSpec(presets[name]);
  const errs: number[] = [], tvs: number[] = [];
  for (const seed of [1, 2, 3]) {
    const model = await fit(truth.sample(20000, 20 + seed), { dim: 2, seed, degree: 2, R: 2, levels: 40 });
    errs.push(scoreError(model, truth, { points: 10000, seed: 7 }).relative);
    const xs = await sample(model, 50000, { seed: 5, method: "ode" });
    tvs.push(histogramTV(xs, truth) - histogramTV(truth.sample(50000, 99 + seed), truth));
  }
  const f = (a: number[]) => a.map((v) => v.toExponential(2)).join(" ");
  out.push(`${name}: score err ${f(errs)} (mean ${(errs.reduce((s, v) => s + v) / 3).toExponential(2)}); TV−floor ${f(tvs)} (mean ${(tvs.reduce((s, v) => s + v) / 3).toFixed(4)})`);
}
console.log(out.join("\n"));
