/** How well estimated mixture components recover known ones. */

export interface Weighted { means: number[][]; weights: number[] }

/**
 * Mean distance from each true mean to the nearest estimated one, and the mean absolute
 * weight difference between those matched pairs.
 */
export function componentErrors(est: Weighted, truth: Weighted): { mean: number; weight: number } {
  let dm = 0, dw = 0;
  truth.means.forEach((mu, i) => {
    let best = 0, bd = Infinity;
    est.means.forEach((e, j) => {
      const d = Math.hypot(...e.map((v, c) => v - mu[c]));
      if (d < bd) (bd = d), (best = j);
    });
    dm += bd;
    dw += Math.abs(est.weights[best] - truth.weights[i]);
  });
  return { mean: dm / truth.means.length, weight: dw / truth.means.length };
}
