/**
 * The held-out Stein loss of a model (algorithm.md, "Choosing the granularity"):
 *   L(r̂) = Σ_levels Δt·E[|r̂(x_t)|² − 2a r̂(x_t)·x₀ + 2a² ∇·r̂(x_t)] = ∫E|r̂ − r|²dt − const,
 * at the model's own levels with fresh noise on the rows x₀ (row k's from its id, ids[k] or k).
 * Lower is better; comparable only between models of the same data in the same units.
 */
import type { Kernels } from "../kernels/types.ts";
import { Evaluator } from "../evaluator.ts";
import { streamState } from "../random.ts";
import type { ModelData } from "../model-file.ts";

export function steinLoss(kernels: Kernels, model: ModelData, x0: Float64Array, m: number, seed: number, ids?: Float64Array): number {
  const n = model.dim, cap = Math.min(m, 4096);
  const ev = new Evaluator(kernels, model, cap, { x0: ["f64", cap * n], ids: ["f64", cap], key: ["u32", 4] });
  const ts = model.levels.map((lv) => lv.t);
  let total = 0;
  ts.forEach((t, l) => {
    const a = Math.exp(-t), sigma = Math.sqrt(-Math.expm1(-2 * t));
    let sum = 0;
    for (let s = 0; s < m; s += cap) {
      const b = Math.min(cap, m - s);
      ev.extra.x0.set(x0.subarray(s * n, (s + b) * n));
      for (let k = 0; k < b; k++) ev.extra.ids[k] = ids ? ids[s + k] : s + k;
      ev.extra.key.set(streamState(seed, "stein", l));
      kernels.ouNoiseRows(b, n, ev.extra.x0, a, sigma, ev.extra.key, ev.extra.ids, ev.state, ev.x);
      ev.residual(b, t, true);
      for (let k = 0; k < b * n; k++) sum += ev.r[k] * ev.r[k] - 2 * a * ev.r[k] * ev.extra.x0[k];
      for (let k = 0; k < b; k++) sum += 2 * a * a * ev.div[k];
    }
    const dt = 0.5 * ((ts[Math.min(l + 1, ts.length - 1)] - ts[l]) + (ts[l] - ts[Math.max(l - 1, 0)]));
    total += (dt * sum) / m;
  });
  return total;
}
