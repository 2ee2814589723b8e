/**
 * The plotting layer: SVG as strings, no DOM and nothing of Node, so the command line writes
 * its output to files and a page can show it. Building blocks, one job per file (svg, scale,
 * panel, axes, scatter, heatmap, contours, arrows, lines, legend, colours, quantiles), and
 * the pictures made of them: planeFigure (a 2-D model: `diffmix plot` and `diffmix demo`),
 * pairsFigure (n-D rows on chosen axes) with the axes of view.ts, and the log-likelihood panel.
 */
export { planeFigure, type PlaneInput } from "./plane.ts";
export { pairsFigure, type PairsInput } from "./pairs.ts";
export { columnAxes, principalAxes, type PairsAxes } from "./view.ts";
export { loglikPanel, type Loglik } from "./loglik.ts";
export { DATA, SAMPLES, BASELINE, region as regionColour } from "./colours.ts";
