// The browser path, checked in Node: the no-WebAssembly fallback, the worker protocol
// (src/worker) driven through a fake message port, and the traced sampler against sample().
import { afterEach, describe, expect, it, vi } from "vitest";
import { fit, sample, ScoreModel, GaussianMixture } from "../src/node.ts";
import { serveJobs, diffmixJobs, traceSample, type Reply, type Scope } from "../src/worker/index.ts";

const truth = new GaussianMixture([0.6, 0.4], [[-3, 0], [3, 1]]);
const data = truth.sample(1200, 1);
// Everything fixed: these tests are about the worker protocol, not the selection.
const small = { dim: 2, levels: 6, degree: 2, R: 0, seed: 1, map: "none", scale: 1, granularity: 30 } as const;

describe("without WebAssembly", () => {
  afterEach(() => void vi.unstubAllGlobals());

  it("fit and sample fall back to the reference backend, with the same numbers", async () => {
    const withWasm = await fit(data, small);
    const xsWasm = await sample(withWasm, 200, { seed: 2, steps: 20 });
    const scoreWasm = withWasm.score([0, 0], 0.5);
    vi.stubGlobal("WebAssembly", undefined);
    const model = await fit(data, small);
    expect(model.backend).toBe("reference");
    expect(model.config.backend).toBe("reference");
    const xs = await sample(model, 200, { seed: 2, steps: 20 });
    const loaded = ScoreModel.fromJSON(JSON.parse(JSON.stringify(withWasm)));
    expect(loaded.backend).toBe("reference");
    expect(loaded.score([0, 0], 0.5)[0]).toBeCloseTo(scoreWasm[0], 10);
    for (let i = 0; i < xs.length; i++) expect(xs[i]).toBeCloseTo(xsWasm[i], 8);
  }, 60000);
});

/** A worker scope in-process: requests in, replies collected. */
function fakeWorker() {
  let listener: (e: { data: unknown }) => void = () => {};
  const replies: Reply[] = [];
  const waiters: (() => void)[] = [];
  const scope: Scope = {
    postMessage: (m) => {
      replies.push(structuredClone(m));
      waiters.splice(0).forEach((w) => w());
    },
    addEventListener: (_type, l) => void (listener = l),
  };
  serveJobs(diffmixJobs, scope);
  const send = (m: unknown) => listener({ data: structuredClone(m) });
  async function until(id: number): Promise<Reply> {
    for (;;) {
      const r = replies.find((x) => x.id === id && x.type !== "progress");
      if (r) return r;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }
  return { send, until, replies };
}

describe("worker protocol", () => {
  it("fit: progress per level, then the model's JSON, equal to fit() in this thread", async () => {
    const w = fakeWorker();
    w.send({ type: "fit", id: 1, data, dim: 2, options: { levels: 6, degree: 2, R: 0, seed: 1, map: "none", scale: 1, granularity: 30 } });
    const r = await w.until(1);
    expect(r.type).toBe("result");
    const progress = w.replies.filter((x) => x.type === "progress" && x.id === 1);
    expect(progress.length).toBe(6);
    expect(progress.at(-1)).toMatchObject({ progress: { phase: "fit", done: 6, total: 6 } });
    const direct = await fit(data, small);
    expect(JSON.stringify((r as { result: unknown }).result)).toBe(JSON.stringify(direct));
  }, 60000);

  it("sample with a trace: frames from T to 0, the last frame is the first rows of the sample", async () => {
    const model = await fit(data, small);
    const w = fakeWorker();
    w.send({ type: "sample", id: 7, model: model.toJSON(), count: 600, options: { seed: 3, steps: 12 }, trace: { particles: 50 } });
    const r = await w.until(7);
    expect(r.type).toBe("result");
    const xs = (r as { result: Float64Array }).result;
    expect(xs).toEqual(await sample(model, 600, { seed: 3, steps: 12, method: "exp" })); // a trace runs the SDE
    const frames = w.replies.filter((x) => x.type === "progress" && (x.progress as { phase: string }).phase === "trace")
      .map((x) => (x as { progress: { step: number; t: number; x: Float64Array } }).progress);
    expect(frames.map((f) => f.step)).toEqual(Array.from({ length: 14 }, (_, i) => i));
    expect(frames[0].t).toBe(model.T);
    expect(frames.at(-1)!.t).toBe(0);
    expect(frames.at(-1)!.x).toEqual(xs.subarray(0, 100));
  }, 60000);

  it("traceSample's end equals sample()'s first rows (the animation shows the measured particles)", async () => {
    const model = await fit(data, small);
    let frames = 0;
    const end = await traceSample(model, 300, { seed: 5, steps: 30, method: "em" }, () => void frames++);
    expect(frames).toBe(32);
    expect(end).toEqual((await sample(model, 5000, { seed: 5, steps: 30, method: "em" })).subarray(0, 600));
  }, 60000);

  it("answers an unknown request, a bad option and a cancel with errors that say what went wrong", async () => {
    const model = await fit(data, small);
    const w = fakeWorker();
    w.send({ type: "fitt", id: 2 });
    expect(await w.until(2)).toMatchObject({ type: "error", message: 'diffmix worker: unknown request type "fitt" (known: fit, sample, cancel)' });
    w.send({ type: "fit", id: 3, data, dim: 2, options: { degree: 3.5 } });
    expect(await w.until(3)).toMatchObject({ type: "error", message: 'invalid option "degree": expected an integer in [0, 12] or \"auto\", got 3.5' });
    w.send({ type: "sample", id: 4, model: model.toJSON(), count: 100, options: { steps: 400 }, trace: { particles: 10 } });
    w.send({ type: "cancel", id: 4 });
    expect(await w.until(4)).toMatchObject({ type: "error", name: "CancelledError" });
    expect(w.replies.filter((x) => x.id === 4 && x.type === "progress").length).toBeLessThan(400);
  }, 60000);
});
