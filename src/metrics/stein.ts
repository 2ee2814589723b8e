/**
 * The held-out Stein loss of a model (algorithm.md, "Choosing the granularity"):
 *   L(r̂) = Σ_levels Δt·E[|r̂(x_t)|² − 2a r̂(x_t)·x₀ + 2a² ∇·r̂(x_t)] = ∫E|r̂ − r|²dt − const,
 * at the model's own levels with fresh noise on the rows x₀. Lower is better; comparable only
 * between models of the same data in the same units.
 */
import type { Kernels } from "../kernels/types.ts";
import { Evaluator } from "../evaluator.ts";
import { streamState } from "../random.ts";
import type { ModelData } from "../model.ts";

export function steinLoss(kernels: Kernels, model: ModelData, x0: Float64Array, m: number, seed: number): number {
  const n = model.dim, cap = Math.min(m, 4096);
  const ev = new Evaluator(kernels, model, cap, { x0: ["f64", cap * n] });
  const ts = model.levels.map((lv) => lv.t);
  let total = 0;
  ts.forEach((t, l) => {
    const a = Math.exp(-t), sigma = Math.sqrt(-Math.expm1(-2 * t));
    let sum = 0;
    for (let s = 0; s < m; s += cap) {
      const b = Math.min(cap, m - s);
      ev.extra.x0.set(x0.subarray(s * n, (s + b) * n));
      ev.state.set(streamState(seed, "stein", l, s / cap));
      kernels.ouNoise(b * n, ev.extra.x0, a, sigma, ev.state, ev.x);
      ev.residual(b, t, true);
      for (let k = 0; k < b * n; k++) sum += ev.r[k] * ev.r[k] - 2 * a * ev.r[k] * ev.extra.x0[k];
      for (let k = 0; k < b; k++) sum += 2 * a * a * ev.div[k];
    }
    const dt = 0.5 * ((ts[Math.min(l + 1, ts.length - 1)] - ts[l]) + (ts[l] - ts[Math.max(l - 1, 0)]));
    total += (dt * sum) / m;
  });
  return total;
}
