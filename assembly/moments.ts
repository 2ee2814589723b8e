/** Responsibility-weighted sums for the regions' EM (src/regions.ts). */
import { getF64, addF64 } from "./memory";

/** out[g] += Σ_rows γ_g, out[G + g*n + i] += Σ_rows γ_g x_i over m rows (gamma m×G, x m×n). */
export function gateMoments(m: i32, n: i32, x: usize, G: i32, gamma: usize, out: usize): void {
  for (let t = 0; t < m; t++) {
    const xt = x + (<usize>(t * n) << 3), gt = gamma + (<usize>(t * G) << 3);
    for (let g = 0; g < G; g++) {
      const w = getF64(gt, g);
      if (w == 0.0) continue;
      addF64(out, g, w);
      const o = G + g * n;
      for (let i = 0; i < n; i++) addF64(out, o + i, w * getF64(xt, i));
    }
  }
}
