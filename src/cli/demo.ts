/** The embedded default job: what a newcomer sees first. */
import { fit } from "../fit.ts";
import { sample } from "../sample.ts";
import { mixtureFromSpec, presets } from "../mixture.ts";
import { histogramTV } from "../metrics/tv.ts";

type Out = { write(s: string): unknown; isTTY?: boolean };

export async function demo(out: Out, err: Out, options: { rows?: number; draws?: number } = {}): Promise<void> {
  const rows = options.rows ?? 20000, draws = options.draws ?? 100000;
  const truth = mixtureFromSpec(presets.blobs2d);
  out.write(`diffmix demo: blobs2d (k=5 Gaussians in 2-D), ${rows} training rows, ${draws} generated\n`);
  const data = truth.sample(rows, 1);
  const t0 = performance.now();
  const model = await fit(data, {
    dim: 2, seed: 1,
    onProgress: (p) => err.isTTY && err.write(`\r  ${p.phase} ${p.done}/${p.total}   `),
  });
  const fitMs = performance.now() - t0;
  if (err.isTTY) err.write("\r\x1b[K");
  const t1 = performance.now();
  const xs = await sample(model, draws, { seed: 2 });
  const sampleMs = performance.now() - t1;
  const tv = histogramTV(xs, truth), floor = histogramTV(truth.sample(draws, 3), truth);
  const c = model.config as { R: number };
  out.write(
    `  model: ${model.regions.weights.length} regions (R=${c.R}), degree ${model.degree}, ${model.levels.length} levels\n` +
    `  TV (cells 0.5×0.5):  diffmix ${tv.toFixed(4)}   floor (fresh true sample) ${floor.toFixed(4)}   excess ${(tv - floor).toFixed(4)}\n` +
    `  time: fit ${(fitMs / 1000).toFixed(2)} s, sample ${(sampleMs / 1000).toFixed(2)} s\n`,
  );
}
