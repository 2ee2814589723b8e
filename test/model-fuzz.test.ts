// Issue 14, row 4 (what must hold, 4 and 9): a model that loads never produces NaN. Real
// models (a fit with local frames and degree 2, a flat degree-0 fit, a whitened map, the flat
// one with a compressed column) are
// mutated one field at a time by fast-check — a number replaced by a special value or scaled,
// a field deleted or of the wrong type, an array shortened or lengthened — and every mutation
// must either fail to load with a clean one-line ModelError naming the field, or load and
// evaluate to finite numbers: residual, divergence and score at data points and far points,
// log-density (a number, or −Infinity beyond the evaluated range), and samples.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { fit, sample, ScoreModel, ModelError, DataError } from "../src/node.ts";
import { GaussianMixture } from "../src/mixture.ts";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

/** Every place in a JSON value (containers and leaves), root excluded. */
function paths(v: Json, at: Path = [], out: Path[] = []): Path[] {
  if (at.length > 0) out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === "object") for (const k of Object.keys(v)) paths(v[k], [...at, k], out);
  return out;
}

const VALUES: unknown[] = [0, -0, 1, -1, 0.5, 1e-300, -1e-300, 5e-324, 1e308, -1e308, 1e155, 2 ** 53, 12, 13, 700, 701, NaN, Infinity, -Infinity, null, "x", true, [], {}];
const SCALES = [-1, 1e-10, 1e10, 1e100, 1 + 1e-3];
type Mutation = { kind: "set"; value: unknown } | { kind: "scale"; by: number } | { kind: "delete" } | { kind: "shorten" } | { kind: "lengthen" };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...VALUES).map((value) => ({ kind: "set" as const, value })) },
  { weight: 3, arbitrary: fc.constantFrom(...SCALES).map((by) => ({ kind: "scale" as const, by })) },
  { weight: 1, arbitrary: fc.constant({ kind: "delete" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "shorten" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "lengthen" as const }) },
);

/** A copy of model with one mutation at path (numbers scale; arrays shorten or repeat their last entry; anything else is set). */
function mutate(model: Json, path: Path, m: Mutation): unknown {
  const copy = structuredClone(model) as Record<string | number, unknown>;
  let parent = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const key = path[path.length - 1], here = parent[key];
  if (m.kind === "delete") delete parent[key];
  else if (m.kind === "scale") parent[key] = typeof here === "number" ? here * m.by : m.by;
  else if (m.kind === "shorten") parent[key] = Array.isArray(here) ? here.slice(0, -1) : null;
  else if (m.kind === "lengthen") parent[key] = Array.isArray(here) ? [...here, structuredClone(here[here.length - 1] ?? 0)] : [here];
  else parent[key] = structuredClone(m.value);
  return copy;
}

const finite = (a: Float64Array) => a.every(Number.isFinite);

/** Loads, or fails with a clean message; a model that loads evaluates to finite numbers. */
async function check(json: unknown, probe: number[][]): Promise<"refused" | "loaded"> {
  let model: ScoreModel;
  try {
    model = ScoreModel.fromJSON(json, "fuzz.json");
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    expect((e as Error).message).toMatch(/^fuzz\.json: ("[^"]+" )?\S/);
    expect((e as Error).message).not.toMatch(/\n|undefined/);
    return "refused";
  }
  // The last probe is beyond the evaluated range (logpdf only). A mutated map may put the data
  // probes out of range too (a clean DataError): then the model is probed at its region centres.
  let pts = probe.slice(0, -1);
  try {
    model.toModel(pts);
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    expect((e as Error).message).toMatch(/^x: row \d+ is \S+ noise scales from the model's centre, beyond the 1e\+100/);
    pts = model.regions.centres.map((c) => Array.from(model.fromModel(c)));
  }
  for (const t of [0, model.tMin, (model.tMin + model.T) / 2, model.T]) {
    const z = model.toModel(pts);
    expect(finite(model.residual(z, t))).toBe(true);
    expect(finite(model.divergence(z, t))).toBe(true);
    expect(finite(model.score(pts, t))).toBe(true);
  }
  const lp = model.logpdf([...pts, probe[probe.length - 1]], { steps: 4 });
  expect(lp.slice(0, -1).every(Number.isFinite)).toBe(true); // within range: always a number
  expect(lp[lp.length - 1]).toBe(-Infinity);
  expect(finite(await sample(model, 24, { seed: 1, steps: 4, threads: 1 }))).toBe(true);
  return "loaded";
}

describe("fuzz: single-field mutations of real models (fixed seed)", () => {
  const truth = new GaussianMixture([0.5, 0.5], [[-3, 0], [3, 1]]);
  const data = truth.sample(600, 3);
  const models: Record<string, Json> = {};
  let probe: number[][] = [];

  beforeAll(async () => {
    const common = { dim: 2, levels: 4, seed: 2, threads: 1, granularity: 12 } as const;
    models.frames = JSON.parse(JSON.stringify(await fit(data, { ...common, degree: 2, R: 2, map: "whiten", scale: 1 })));
    models.flat = JSON.parse(JSON.stringify(await fit(data, { ...common, degree: 0, R: 0, map: "isotropic", scale: 0.7 })));
    // The flat model with its second column compressed (as fit records a heavy-tailed one): the
    // loader checks that field too. (The far probe's first coordinate stays beyond range.)
    models.compressed = { ...(models.flat as Record<string, Json>), compressed: [{ column: 1, centre: 0.5, scale: 2 }] };
    // Data rows, the centre, and points far out (one beyond the evaluated range: −Infinity).
    probe = [[data[0], data[1]], [data[2], data[3]], [0, 0], [40, -40], [1e6, 1e6], [1e120, 0]];
  }, 120000);

  it("the unmutated models load and evaluate", async () => {
    for (const m of Object.values(models)) expect(await check(m, probe)).toBe("loaded");
  }, 60000);

  it("every mutation is refused cleanly or evaluates to finite numbers", async () => {
    const counts = { refused: 0, loaded: 0 };
    for (const [name, model] of Object.entries(models)) {
      const where = paths(model);
      await fc.assert(
        fc.asyncProperty(fc.nat(where.length - 1), mutation, async (i, m) => {
          counts[await check(mutate(model, where[i], m), probe)]++;
        }),
        { seed: name === "frames" ? 14 : name === "flat" ? 15 : 16, numRuns: name === "compressed" ? 300 : 1000, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: false },
      );
    }
    console.log(`[fuzz] ${counts.refused} mutations refused, ${counts.loaded} loaded and evaluated finite`);
    expect(counts.refused).toBeGreaterThan(100);
    expect(counts.loaded).toBeGreaterThan(50);
  }, 180000);
});
