/**
 * The log-likelihood panel: log p̂ at each row of the user's data (grey bars) against log p̂ at
 * the model's own samples (orange), with each mean. A model that fits gives its
 * data the same spread of log-likelihoods as its samples; a left tail of the data is rows the
 * model finds unlikely (outliers, or a part of the data it missed).
 */
import { clipped, corner, makePanel, title, type Panel } from "./panel.ts";
import { axes } from "./axes.ts";
import { bars, curve, marker } from "./lines.ts";
import { DATA, SAMPLES } from "./colours.ts";
import { binCount, histogram, kde1d } from "../marginal.ts";
import { quantiles } from "./quantiles.ts";

export interface Loglik {
  /** log p̂ at each row of the data (nats). */
  data: Float64Array;
  /** log p̂ at the model's samples. */
  samples: Float64Array;
  /** ODE steps of the log-density. */
  steps: number;
  /** What the data is called (a file name). */
  label: string;
}


const mean = (v: Float64Array) => v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);

/** The panel at (left, top), width × height; the caller leaves room for ticks below and left. */
export function loglikPanel(left: number, top: number, width: number, height: number, ll: Loglik): string[] {
  const both = new Float64Array(ll.data.length + ll.samples.length);
  both.set(ll.data);
  both.set(ll.samples, ll.data.length);
  const [a] = quantiles(both, 1, 0, [0.01]);
  let hi = -Infinity;
  for (const v of both) if (Number.isFinite(v)) hi = Math.max(hi, v);
  const w = hi - a > 0 ? hi - a : 1, lo = a - 0.05 * w, up = hi + 0.05 * w;
  const hData = histogram(ll.data, lo, up, binCount(ll.data.length));
  const xs = Float64Array.from({ length: 120 }, (_, i) => lo + ((i + 0.5) / 120) * (up - lo));
  const dSamples = kde1d(ll.samples, lo, up, 120);
  let ymax = 0;
  for (const v of hData) ymax = Math.max(ymax, v);
  for (const v of dSamples) ymax = Math.max(ymax, v);
  const p: Panel = makePanel(left, top, width, height, [lo, up], [0, 1.15 * (ymax || 1)]);
  const below = ll.data.reduce((s, v) => s + (v < lo ? 1 : 0), 0);
  const mData = mean(ll.data), mSamples = mean(ll.samples);
  const fmt = (v: number) => v.toFixed(2);
  const out = clipped(p, [
    bars(p, lo, up, hData, DATA, 0.3),
    curve(p, xs, dSamples, SAMPLES, 1.8),
    marker(p, mData, DATA),
    marker(p, mSamples, SAMPLES, "2 3"),
  ]);
  out.push(title(p, `log p̂ per row: ${ll.label} vs samples`));
  out.push(...axes(p, { xLabel: `log p̂ (nats; flow ODE, ${ll.steps} steps)`, yTicks: false, yLabel: "share of rows" }));
  out.push(...corner(p, [
    `${ll.label}: mean ${fmt(mData)} (${ll.data.length} rows)`,
    `samples: mean ${fmt(mSamples)} (${ll.samples.length})`,
    ...(below > 0 ? [`${below} row${below > 1 ? "s" : ""} below ${fmt(lo)} not shown`] : []),
  ]));
  return out;
}
