/** The pictures' colours: one per kind of thing, and a palette for the regions. */

export const DATA = "#3a3a3a";
export const SAMPLES = "#d9480f";
export const BASELINE = "#1f5fbf";

/** Region g's colour (Tableau 10, repeated). */
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
export const region = (g: number): string => PALETTE[g % PALETTE.length];

/** White to deep blue for v in [0, 1] (a heat map of a density). */
export function blues(v: number): string {
  const u = Math.min(1, Math.max(0, v));
  const c = (from: number, to: number) => Math.round(from + (to - from) * u).toString(16).padStart(2, "0");
  return `#${c(255, 8)}${c(255, 64)}${c(255, 140)}`;
}
