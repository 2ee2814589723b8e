/**
 * The forward (noising) process in data units, for pictures of a model at time t: the OU
 * process runs in model units, z_t = a·z₀ + σ·ξ (a = e^{−t}, σ² = 1 − a²), and these give
 * what it does to data and to the regions' centres back in data units (x = b + σ₀M z).
 */
import type { ScoreModel } from "./model.ts";

/** Where the gates at time t see the regions: the centres a·c_g in data units, regions × dim. */
export function centresAt(model: ScoreModel, t: number): Float64Array {
  const a = Math.exp(-t), n = model.dim, c = model.regionsAt(t).centres;
  const z = new Float64Array(c.length * n);
  for (let g = 0; g < c.length; g++) for (let i = 0; i < n; i++) z[g * n + i] = a * c[g][i];
  return model.fromModel(z);
}

/**
 * Rows x (data units) noised to time t with the given standard normals ξ (rows × dim, reused
 * cyclically if shorter, so a picture can move the same points smoothly with t), in data units.
 */
export function noisedData(model: ScoreModel, x: Float64Array, t: number, xi: Float64Array): Float64Array {
  const a = Math.exp(-t), sigma = Math.sqrt(-Math.expm1(-2 * t));
  const z = model.toModel(x);
  for (let i = 0; i < z.length; i++) z[i] = a * z[i] + sigma * xi[i % xi.length];
  return model.fromModel(z);
}

/**
 * The learned score at time t as arrows in data units: ŝ_t in model units, −z + r̂_t(z),
 * carried by the map's linear part (v = σ₀M·ŝ_z: the direction the model moves mass, drawn
 * in the data's axes; σ₀²·ŝₓ for an isotropic map), and its length |ŝ_z| in model units
 * (comparable between models and whatever the data's units). v: rows × dim; norm: rows.
 */
export function scoreArrows(model: ScoreModel, x: Float64Array, t: number): { v: Float64Array; norm: Float64Array } {
  const z = model.toModel(x), r = model.residual(z, t), n = model.dim, rows = z.length / n;
  const norm = new Float64Array(rows);
  for (let k = 0; k < rows; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (r[k * n + i] -= z[k * n + i]) ** 2;
    norm[k] = Math.sqrt(s);
  }
  const v = model.fromModel(r), b = model.map.centre;
  for (let i = 0; i < v.length; i++) v[i] -= b[i % n];
  return { v, norm };
}
