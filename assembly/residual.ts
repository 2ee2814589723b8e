/** The learned residual r̂(x) = Σ_g γ_g W_g φ(u_g) of a packed level and its exact divergence. */
import { getF64, getInt, setF64, addF64 } from "./memory";
import { HEADER, localFeatures, offClip, offDphi, offPhi } from "./basis";
import { rowGates } from "./gates";

/**
 * r̂ at each of m rows of x into out (m×n) and, when withDiv ≠ 0, ∇·r̂ into div (m).
 * work holds gamma(G), cbar(n) and the per-row feature scratch (see workOffsets in the reference).
 */
export function residual(m: i32, x: usize, level: usize, table: usize, out: usize, div: usize, withDiv: i32, work: usize): void {
  const G = getInt(level, 0), n = getInt(level, 1), rmax = getInt(level, 3), pmax = getInt(level, 4);
  const a = getF64(level, 5), hard = getF64(level, 6), gs = getInt(level, 7);
  const oPhi = offPhi(level), oDphi = offDphi(level), oClip = offClip(level);
  const cb = G;
  const cbar = work + (<usize>cb << 3);
  for (let t = 0; t < m; t++) {
    const xt = x + (<usize>(t * n) << 3);
    const ot = out + (<usize>(t * n) << 3);
    rowGates(xt, level, work, cbar);
    for (let i = 0; i < n; i++) setF64(ot, i, 0.0);
    let dv = 0.0;
    for (let g = 0; g < G; g++) {
      const w = getF64(work, g);
      if (w == 0.0) continue;
      const b = HEADER + g * gs;
      const r = getInt(level, b), p = getInt(level, b + 1);
      const cOff = b + 4, pOff = cOff + n, wOff = pOff + n * rmax + 3 * rmax;
      if (r > 0) localFeatures(xt, level, b, table, work, withDiv != 0);
      else setF64(work, oPhi, 1.0); // a constant-only group: skip the frame
      let gateDiv = 0.0;
      for (let i = 0; i < n; i++) {
        let v = 0.0;
        for (let f = 0; f < p; f++) v += getF64(level, wOff + i * pmax + f) * getF64(work, oPhi + f);
        addF64(ot, i, w * v);
        gateDiv += (getF64(level, cOff + i) - getF64(work, cb + i)) * v;
      }
      if (withDiv == 0) continue;
      if (hard == 0.0) dv += a * w * gateDiv;
      for (let j = 0; j < r; j++) {
        const scale = getF64(work, oClip + j);
        if (scale == 0.0) continue;
        let s = 0.0;
        for (let i = 0; i < n; i++) {
          let v = 0.0;
          for (let f = 0; f < p; f++) v += getF64(level, wOff + i * pmax + f) * getF64(work, oDphi + f * r + j);
          s += getF64(level, pOff + i * rmax + j) * v;
        }
        dv += w * scale * s;
      }
    }
    if (withDiv != 0) setF64(div, t, dv);
  }
}
