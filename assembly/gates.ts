/** Soft (softmax, floored) or hard (argmax) gates over the groups of a packed level. */
import { getF64, getInt, setF64, addF64 } from "./memory";
import { HEADER } from "./basis";

const GATE_FLOOR: f64 = 1e-7;
const GATE_CUT: f64 = -16.2; // exp(-16.2) < GATE_FLOOR: skip the exp

/** Gate weights of one row x (n entries) into gamma[0..G), gate-weighted centre into cbar[0..n). */
export function rowGates(x: usize, level: usize, gamma: usize, cbar: usize): void {
  const G = getInt(level, 0), n = getInt(level, 1), gs = getInt(level, 7);
  const a = getF64(level, 5), hard = getF64(level, 6);
  let best = -Infinity;
  let arg = 0;
  for (let g = 0; g < G; g++) {
    const b = HEADER + g * gs;
    let dot = 0.0;
    for (let i = 0; i < n; i++) dot += getF64(x, i) * getF64(level, b + 4 + i);
    const l = getF64(level, b + 2) + a * dot;
    setF64(gamma, g, l);
    if (l > best) {
      best = l;
      arg = g;
    }
  }
  if (hard != 0.0) {
    for (let g = 0; g < G; g++) setF64(gamma, g, g == arg ? 1.0 : 0.0);
  } else {
    let sum = 0.0;
    for (let g = 0; g < G; g++) {
      const d = getF64(gamma, g) - best;
      const e = d < GATE_CUT ? 0.0 : Math.exp(d);
      setF64(gamma, g, e);
      sum += e;
    }
    const inv = 1.0 / sum;
    for (let g = 0; g < G; g++) {
      const w = getF64(gamma, g) * inv;
      setF64(gamma, g, w < GATE_FLOOR ? 0.0 : w);
    }
  }
  for (let i = 0; i < n; i++) setF64(cbar, i, 0.0);
  for (let g = 0; g < G; g++) {
    const w = getF64(gamma, g);
    if (w == 0.0) continue;
    const b = HEADER + g * gs;
    for (let i = 0; i < n; i++) addF64(cbar, i, w * getF64(level, b + 4 + i));
  }
}

/** Gate weights gamma[row*G + g] and the gate-weighted centre cbar[row*n + i] for m rows of x. */
export function gates(m: i32, x: usize, level: usize, gamma: usize, cbar: usize): void {
  const G = getInt(level, 0), n = getInt(level, 1);
  for (let t = 0; t < m; t++) {
    rowGates(x + (<usize>(t * n) << 3), level, gamma + (<usize>(t * G) << 3), cbar + (<usize>(t * n) << 3));
  }
}
