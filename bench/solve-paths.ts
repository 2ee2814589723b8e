/**
 * solveLevel's three paths (src/system.ts: schur, whole, complement), timed on shapes like the
 * real data's: random orthonormal frames, 2000 Gaussian rows, covariance gates, one level.
 * Milliseconds per solve: the mean of REPS solves after one warm-up, WASM kernels.
 *
 *   npx tsx bench/solve-paths.ts [REPS]
 */
import { createKernels } from "../src/kernels/index.ts";
import { accumulateLevel, makePlan, solveLevel, unknowns, solveWork, type SolvePath } from "../src/system.ts";
import { symmetricEigen } from "../src/linalg.ts";
import { streamState, normals } from "../src/random.ts";

const reps = Number(process.argv[2] ?? 20), k = createKernels("wasm");
const SHAPES: [number, number[], number][] = [
  [10, [9, 9, 10], 1], [13, [9, 9, 11, 12, 13], 1], [13, [4, 5, 8, 8, 8, 9, 9, 9, 9], 1], [30, [16, 16], 1], [30, [15, 16, 16, 16, 16], 1], [4, [2, 3, 4], 2],
];
for (const [n, ranks, degree] of SHAPES) {
  const G = ranks.length, m = 2000;
  const draw = (len: number, ...key: number[]) => Array.from(normals(len, streamState(1, "solve-paths", n, G, ...key)));
  const frames = ranks.map((r, g) => {
    const a = draw(n * n, g), s = new Array(n * n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let l = 0; l < n; l++) s[i * n + j] += a[i * n + l] * a[j * n + l];
    const { vectors } = symmetricEigen(s, n);
    return Array.from({ length: n * r }, (_, q) => vectors[Math.floor(q / r) * n + (q % r)]);
  });
  const regions = { dim: n, weights: ranks.map(() => 1 / G), centres: ranks.map((_, g) => draw(n, 100 + g)), frames, spreads: ranks.map((r) => new Array(r).fill(1.5)), ranks };
  const x = Float64Array.from(draw(m * n, 999), (v) => 1.3 * v);
  const plan = makePlan(k, [regions], null, degree, [0.3], x, m, { gates: "covariance", seed: 1, ridge: 1e-3 });
  const sums = accumulateLevel(k, plan, 0, x, m);
  const row = (["schur", "whole", "complement"] as SolvePath[]).map((path) => {
    solveLevel(k, plan, 0, sums, undefined, path);
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) solveLevel(k, plan, 0, sums, undefined, path);
    return `${path} ${((performance.now() - t0) / reps).toFixed(2)} ms`;
  });
  console.log(`n=${n} ranks=${ranks.join("/")} degree ${degree}: largest factor ${unknowns(regions, degree)}, estimate ${(solveWork(regions, degree) / 1e6).toFixed(1)}M multiply-adds | ${row.join(", ")}`);
}
