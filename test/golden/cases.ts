/**
 * Golden digests: the numbers fit, sample, logpdf and components produce for fixed inputs,
 * with every option spelled out (later issues change defaults, never these). A digest is the
 * SHA-256 of the values as float64 bytes, so "equal" means bitwise equal.
 *
 *   npx tsx test/golden/cases.ts --write    records test/golden/digests.json
 *
 * test/golden.test.ts recomputes them. A change that alters numbers on purpose records them
 * again once, with a measured quality comparison in its commit (never to make a test pass).
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { fit, sample, type ScoreModel } from "../../src/node.ts";
import { GaussianMixture, SphereMixture } from "../../src/mixture.ts";

export type Backend = "wasm" | "reference";

/** Every option of fit written out. */
export const FIT = {
  degree: 2, R: 2, levels: 8, tMin: 0.01, T: 4, granularity: 30, map: "none", scale: 1, rMax: 4, ridge: 1e-3, seed: 3,
  regions: "fixed", gates: "soft", basis: "projected", holdout: 0.1, maxUnknowns: 2500,
} as const;

const mix5d = () => new GaussianMixture([0.5, 0.3, 0.2], [[0, 0, 0, 0, 0], [3, 1, 0, -1, 0], [0, 3, 2, 0, 1]]).sample(2500, 3);

export const DATA = {
  // Over two 4096-row chunks, so two threads really split the rows.
  blobs: () => ({ x: new GaussianMixture([0.4, 0.35, 0.25], [[-3, 0], [3, 1], [0, 4]]).sample(9000, 1), dim: 2 }),
  ring: () => ({ x: new SphereMixture([0, 0], 4).sample(3000, 2), dim: 2 }),
  mix5d: () => ({ x: mix5d(), dim: 5 }),
  // mix5d stretched ×3 and ×2 along its first two axes: components with spreads of their own, for covariance gates.
  stretched: () => ({ x: mix5d().map((v, i) => v * (i % 5 === 0 ? 3 : i % 5 === 1 ? 2 : 1)), dim: 5 }),
};

/** The fits: name → data and the options that differ from FIT. */
export const FITS: Record<string, { data: keyof typeof DATA; options: Record<string, unknown> }> = {
  "blobs-d2": { data: "blobs", options: {} },
  "ring-R0-d0": { data: "ring", options: { R: 0, degree: 0 } },
  "ring-R4-d4": { data: "ring", options: { R: 4, degree: 4 } },
  "mix5d-d2": { data: "mix5d", options: {} },
  "blobs-hard-full": { data: "blobs", options: { gates: "hard", basis: "full", degree: 1 } },
  "blobs-single": { data: "blobs", options: { regions: "single", degree: 3 } },
  "blobs-auto": { data: "blobs", options: { degree: "auto", R: "auto" } },
  // Covariance gates (what the selection picks on most real data): their EM rounds and frames.
  "stretched-cov": { data: "stretched", options: { gates: "covariance", degree: 1, R: 0, granularity: 3 } },
};

export const SAMPLES = [
  { fit: "blobs-d2", method: "exp", steps: 40 },
  { fit: "blobs-d2", method: "em", steps: 40 },
  { fit: "blobs-d2", method: "ode", steps: 20 },
  { fit: "ring-R0-d0", method: "ode", steps: 20 },
  { fit: "mix5d-d2", method: "exp", steps: 30 },
] as const;
export const SAMPLE_COUNT = 4096 + 904; // two batches, the second partial
export const SAMPLE_SEED = 11;

export function digest(...arrays: ArrayLike<number>[]): string {
  const h = createHash("sha256");
  for (const a of arrays) h.update(new Uint8Array(Float64Array.from(a).buffer));
  return h.digest("hex").slice(0, 24);
}

/** The model's numbers: regions and levels, in a fixed order (not its JSON text). */
export function modelDigest(m: ScoreModel): string {
  const r = m.regions;
  const parts: number[][] = [[m.dim, m.degree, m.tMin, m.T], r.weights, r.ranks, ...r.centres, ...r.frames, ...r.spreads];
  for (const lv of m.levels) parts.push([lv.t], ...lv.lo, ...lv.hi, ...lv.W);
  parts.push(m.moments.mean, m.moments.cov);
  return digest(...parts);
}

export async function fitCase(name: string, backend: Backend, threads: number): Promise<ScoreModel> {
  const c = FITS[name];
  const d = DATA[c.data]();
  return fit(d.x, { ...FIT, ...c.options, dim: d.dim, backend, threads } as never);
}

/** logpdf of fixed points (the first 300 rows of the fit's data, shifted) with 20 steps, rows refined to 0.01 nats. */
export function logpdfPoints(name: string): Float64Array {
  const d = DATA[FITS[name].data]();
  return d.x.slice(0, 300 * d.dim).map((v, i) => v + 0.25 * Math.sin(i));
}

export async function computeAll(backend: Backend, threads: number): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const models: Record<string, ScoreModel> = {};
  for (const name of Object.keys(FITS)) {
    models[name] = await fitCase(name, backend, threads);
    out[`fit:${name}`] = modelDigest(models[name]);
  }
  for (const s of SAMPLES) {
    const xs = await sample(models[s.fit], SAMPLE_COUNT, { seed: SAMPLE_SEED, steps: s.steps, method: s.method, backend, threads });
    out[`sample:${s.fit}:${s.method}:${s.steps}`] = digest(xs);
  }
  for (const name of ["blobs-d2", "ring-R4-d4", "mix5d-d2", "stretched-cov"]) {
    out[`logpdf:${name}`] = digest(models[name].logpdf(logpdfPoints(name), { steps: 20, tolerance: 0.01 }));
  }
  const c = models["blobs-d2"].components({ starts: 200, draws: 2000, seed: 5, tol: 0.5, maxIter: 300, minWeight: 0.005, flat: 0.7, misfit: 0.25, maxK: 50 });
  out["components:blobs-d2"] = c.k === null ? `null:${c.reason}` : digest([c.k], c.weights, ...c.means);
  return out;
}

const FILE = new URL("./digests.json", import.meta.url);

if (process.argv.includes("--write")) {
  const all: Record<string, Record<string, string>> = {};
  for (const backend of ["wasm", "reference"] as const) all[backend] = await computeAll(backend, 1);
  writeFileSync(FILE, JSON.stringify(all, null, 1) + "\n");
  console.log(`wrote ${FILE.pathname}`);
}
