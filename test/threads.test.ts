// Worker threads: the same model and samples for any thread count (fixed row chunks and
// particle batches, reduced in order), and failures that explain themselves.
import { describe, expect, it } from "vitest";
import { fit, logpdf, sample, OptionError } from "../src/node.ts";
import { GaussianMixture } from "../src/mixture.ts";
import { BATCH, CHUNK_ROWS } from "../src/pool.ts";
import { Runtime } from "../src/runtime.ts";
import { spawnThread } from "../src/threads/node.ts";
import type { Port } from "../src/threads/workers.ts";
import { fit as fitWith } from "../src/fit.ts";

const truth = new GaussianMixture([0.4, 0.35, 0.25], [[-3, 0], [3, 1], [0, 4]]);
// Over two chunks (and a partial third) so that two threads really split the rows.
const rows = 2 * CHUNK_ROWS + 1234;
const data = truth.sample(rows, 3);
// One configuration, fixed: the tests below are about the pool, not the selection (which the first
// test runs), so they skip it.
const paper = { map: "none", scale: 1, granularity: 12 } as const;

describe("threads", () => {
  it("fit: the model is identical with 1, 2 and 3 threads (regions, selection and levels)", async () => {
    // The map fixed (one kind instead of up to three): fewer candidates, the selection still run.
    const opts = { dim: 2, seed: 4, levels: 6, degree: "auto" as const, map: "isotropic" as const };
    const one = JSON.stringify(await fit(data, { ...opts, threads: 1 }));
    const two = JSON.stringify(await fit(data, { ...opts, threads: 2 }));
    const three = JSON.stringify(await fit(data, { ...opts, threads: 3 }));
    expect(two).toBe(one);
    expect(three).toBe(one);
  }, 120000);

  it("fit with few rows: the K-fold selection's folds run a thread each, and the model is identical with 1 and 2 threads", async () => {
    // 250 rows: K-fold candidates, batches of them whose folds go to whichever thread is free, each
    // thread with its own micro-cluster cache: nothing may depend on which σ₀ a thread met first.
    const few = truth.sample(250, 8), opts = { dim: 2, seed: 4, levels: 6 };
    const one = await fit(few, { ...opts, threads: 1 });
    expect(one.selection.length).toBeGreaterThan(10);
    expect(JSON.stringify(await fit(few, { ...opts, threads: 2 }))).toBe(JSON.stringify(one));
  }, 120000);

  it("sample: identical particles with 1 and 2 threads, for the SDE and the ODE, on both backends", async () => {
    const model = await fit(data, { dim: 2, seed: 4, levels: 6, degree: 2, R: 2, ...paper, threads: 1 });
    const count = 2 * BATCH + 77;
    for (const method of ["exp", "ode"] as const) {
      const a = await sample(model, count, { seed: 5, steps: 12, method, threads: 1 });
      const b = await sample(model, count, { seed: 5, steps: 12, method, threads: 2 });
      expect(b).toEqual(a);
      expect(a.every(Number.isFinite)).toBe(true);
    }
    const r1 = await sample(model, count, { seed: 5, steps: 12, backend: "reference", threads: 1 });
    const r2 = await sample(model, count, { seed: 5, steps: 12, backend: "reference", threads: 2 });
    expect(r2).toEqual(r1);
  }, 120000);

  it("logpdf on the pool: model.logpdf's numbers bitwise with 1 and 2 threads, a far row −Infinity, against the exact density", async () => {
    const model = await fit(data, { dim: 2, seed: 4, levels: 6, degree: 2, R: 2, ...paper, threads: 1 });
    const x = truth.sample(2 * BATCH + 77, 9);
    x[2 * 5000] = 1e150; // beyond EVAL_MAX noise scales: −Infinity, as model.logpdf gives
    const direct = model.logpdf(x, { steps: 20 });
    for (const threads of [1, 2]) expect(await logpdf(model, x, { steps: 20, threads })).toEqual(direct);
    expect(direct[5000]).toBe(-Infinity);
    // The numbers are log-densities: within 0.05 nats of the truth on average (6 levels, degree 2).
    const exact = truth.logpdf(x);
    let err = 0, count = 0;
    for (let r = 0; r < exact.length; r++) if (r !== 5000) { err += Math.abs(direct[r] - exact[r]); count++; }
    expect(err / count).toBeLessThan(0.05);
    await expect(logpdf(model, x, { threads: 0 })).rejects.toThrow('invalid option "threads"');
  }, 120000);

  it("progress counts every batch once, in order, with threads", async () => {
    const model = await fit(data, { dim: 2, seed: 4, levels: 4, degree: 0, R: 2, ...paper, threads: 1 });
    const seen: number[] = [];
    await sample(model, 3 * BATCH, { seed: 1, steps: 4, threads: 2, onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([1, 2, 3]);
  }, 60000);

  it("a small job runs on the calling thread, a large one on the workers; bad thread counts are one-line option errors", async () => {
    let spawned = 0;
    const runtime = new Runtime({ spawn: () => (spawned++, spawnThread()), defaultThreads: 2, defaultMemory: 2 ** 30 });
    await fitWith(data.subarray(0, 2 * 1000), { dim: 2, levels: 3, degree: 0, R: 2, ...paper }, runtime);
    expect(spawned).toBe(0); // one chunk: no worker started
    const big = await fitWith(data, { dim: 2, levels: 3, degree: 0, R: 2, ...paper }, runtime);
    expect(spawned).toBe(2);
    expect(JSON.stringify(big)).toBe(JSON.stringify(await fit(data, { dim: 2, levels: 3, degree: 0, R: 2, ...paper, threads: 1 })));
    runtime.close();
    await expect(fit(data, { dim: 2, threads: 0 })).rejects.toThrow(new OptionError('invalid option "threads": expected an integer in [1, 256], got 0'));
    const model = await fit(data.subarray(0, 1000), { dim: 2, levels: 4, degree: 0, R: 2, ...paper });
    await expect(sample(model, 10, { threads: 1.5 })).rejects.toThrow(/^invalid option "threads": expected an integer in \[1, 256\], got 1\.5$/);
  }, 60000);
});

describe("worker failures", () => {
  it("a crashed worker fails the call with one line, and the next call works on fresh workers", async () => {
    let spawned = 0;
    // The first worker is sent a message its handler cannot read: an uncaught error kills it.
    const spawn = (): Port => {
      const port = spawnThread(), first = spawned++ === 0;
      let sabotage = first;
      return { ...port, post: (m) => (sabotage ? ((sabotage = false), port.post(null as never)) : port.post(m)) };
    };
    const runtime = new Runtime({ spawn, defaultThreads: 2, defaultMemory: 2 ** 30 });
    const opts = { dim: 2, levels: 3, degree: 0, R: 2, ...paper };
    await expect(fitWith(data, opts, runtime)).rejects.toThrow(/^worker thread failed: /);
    const model = await fitWith(data, opts, runtime);
    expect(spawned).toBe(4); // a fresh pair
    expect(JSON.stringify(model)).toBe(JSON.stringify(await fit(data, { ...opts, threads: 1 })));
    runtime.close();
  }, 60000);
});
