/** Named instances: the public benchmarks (test/fixtures/instances.json) and a few more. */
import type { MixtureSpec } from "./mixture.ts";

export const presets: Record<string, MixtureSpec> = {
  blobs2d: {
    kind: "discrete",
    dim: 2,
    weights: [0.3, 0.25, 0.2, 0.15, 0.1],
    means: [[-6, -4], [0, 5], [5, -1], [-1, -1], [7, 6]],
  },
  ring: { kind: "circle", dim: 2, center: [0, 0], radius: 5 },
  x: {
    kind: "segments",
    dim: 2,
    segments: [[[-5, -5], [5, 5]], [[-5, 5], [5, -5]]],
    weights: [0.5, 0.5],
  },
  // k = 5 in 10-D: seeded normals (sd 1.6) rounded to 0.1; closest pair 4.8 apart.
  mix10d: {
    kind: "discrete",
    dim: 10,
    weights: [0.3, 0.25, 0.2, 0.15, 0.1],
    means: [
      [-0.2, 0.9, -1.8, -0.6, 2.6, 0, -1.9, -1.2, 0.4, -1.1],
      [-3.2, 1, 1.6, -0.3, 0.6, 0.8, 2.7, -0.7, -1.7, -0.8],
      [3, -0.3, 1.3, 0.8, -1, 0.8, 1.7, 0.5, 0.8, 1],
      [-2.9, -0.5, -2.5, 0.9, 0.3, -1.1, 0, -1.1, -3.5, 1.6],
      [-0.6, 0.4, 0.5, -1.4, -1, 2.8, 0.9, 0.4, -0.3, -1.5],
    ],
  },
  "pair-close": { kind: "discrete", dim: 2, weights: [0.5, 0.5], means: [[-1.25, 0], [1.25, 0]] },
  grid9: {
    kind: "discrete",
    dim: 2,
    weights: Array(9).fill(1 / 9),
    means: [[-5, -5], [-5, 0], [-5, 5], [0, -5], [0, 0], [0, 5], [5, -5], [5, 0], [5, 5]],
  },
  balls: {
    kind: "balls",
    dim: 2,
    centers: [[-5, 0], [4, 3], [3, -5]],
    radii: [1.5, 1.5, 1.5],
    weights: [0.4, 0.3, 0.3],
  },
  sphere3: { kind: "sphere", dim: 3, center: [0, 0, 0], radius: 3 },
  mix8d: {
    kind: "discrete",
    dim: 8,
    weights: [0.3, 0.2, 0.2, 0.15, 0.15],
    means: [
      [-0.612, -0.418, 1.535, 2.277, -2.317, 0.119, 3.073, 1.444],
      [-3.085, 2.008, -1.111, -1.704, 0.718, 0.154, -0.613, 2.529],
      [1.95, -0.626, 0.567, -2.765, -0.698, 1.991, 2.119, 1.974],
      [1.771, -0.147, -1.696, 2.254, 2.381, -2.237, -1.265, -1.268],
      [-1.246, -0.953, -1.934, -1.091, 1.545, 3.059, -1.797, 1.623],
    ],
  },
};
