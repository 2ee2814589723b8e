/**
 * A 2-D model on a regular grid in data units, for pictures: the grid's cell centres, the
 * learned log-density there, and the region whose gate dominates each cell at a time t.
 * Cells are row-major from the bottom row (y0) up: cell (r, c) is index r·nx + c.
 */
import type { ScoreModel } from "./model.ts";
import type { LogpdfOptions } from "./flow.ts";
import type { Box } from "./marginal.ts";
import { ModelError } from "./model-file.ts";

export type { Box } from "./marginal.ts";

/** The centres of an nx × ny grid of cells over the box: rows × 2 (row-major from y0 up). */
export function gridPoints(box: Box, nx: number, ny: number): Float64Array {
  const out = new Float64Array(nx * ny * 2);
  const sx = (box.x1 - box.x0) / nx, sy = (box.y1 - box.y0) / ny;
  for (let r = 0; r < ny; r++) {
    for (let c = 0; c < nx; c++) {
      out[2 * (r * nx + c)] = box.x0 + (c + 0.5) * sx;
      out[2 * (r * nx + c) + 1] = box.y0 + (r + 0.5) * sy;
    }
  }
  return out;
}

/**
 * log p̂ (data units) of a 2-D model at the centres of an nx × ny grid over the box, by the
 * probability-flow ODE (model.logpdf; `options.steps` trades accuracy for time). A picture: on
 * the fixed grid of steps unless `options.tolerance` is given (a grid's far corners would each
 * take up to 64× the steps to refine).
 */
export function densityGrid(model: ScoreModel, box: Box, nx: number, ny: number, options?: LogpdfOptions): Float64Array {
  if (model.dim !== 2) throw new ModelError(`densityGrid: the model has dimension ${model.dim}; a density on a grid is for 2-D models (for more, see marginals from samples: kde1d, kde2d)`);
  return model.logpdf(gridPoints(box, nx, ny), { tolerance: 0, ...options });
}

/** For each point (data units), the region whose gate γ_g(x) at time t is largest, and that gate's value. */
export function dominantRegion(model: ScoreModel, points: Float64Array, t: number): { region: Int32Array; gate: Float64Array } {
  const gamma = model.gates(points, t), G = model.regionsAt(t).weights.length, m = points.length / model.dim;
  const region = new Int32Array(m), gate = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    let best = 0;
    for (let g = 1; g < G; g++) if (gamma[k * G + g] > gamma[k * G + best]) best = g;
    region[k] = best;
    gate[k] = gamma[k * G + best];
  }
  return { region, gate };
}
