/**
 * Entry point of the WASM build (scripts/build-wasm.js): every kernel of the `Kernels`
 * interface (src/kernels/types.ts), arrays as raw pointers into linear memory.
 */
export { uniform, normal, ouNoise, ouNoiseRows, sdeStep } from "./prng";
export { basis, scratchLength } from "./basis";
export { gates, gateMoments, wideLength } from "./gates";
export { designBlock, gramAccumulate, choleskySolve, curvatureColumns } from "./normal";
export { residual, levelFits } from "./residual";

/** First free byte after static data: the binding's arena starts here (16-byte aligned). */
export function heapBase(): usize {
  return __heap_base;
}
