/**
 * Seeds for the kernels' xoshiro128** streams. Every random draw in diffmix comes from a
 * stream named by (seed, label): the same pair gives the same numbers on any backend, in
 * any order of calls, on any number of threads.
 */
import seedrandom from "seedrandom";
import { nextUniform, reference, rowState } from "./kernels/reference.ts";

export function streamState(seed: number, ...label: (string | number)[]): Uint32Array {
  const rng = seedrandom(`${seed}:${label.join(":")}`);
  const s = new Uint32Array(4);
  for (let i = 0; i < 4; i++) s[i] = rng.int32() >>> 0;
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1; // the all-zero state is a fixed point
  return s;
}

/** Standard normals for model-layer code that is not hot (data generation, initialisation). */
export function normals(count: number, state: Uint32Array): Float64Array {
  const out = new Float64Array(count);
  reference.normal(count, out, state);
  return out;
}

export function uniforms(count: number, state: Uint32Array): Float64Array {
  const out = new Float64Array(count);
  reference.uniform(count, out, state);
  return out;
}

/** One uniform in [0, 1) per id, each from its own stream (key, id): a row's draw does not depend on the other rows. */
export function rowUniforms(key: Uint32Array, ids: ArrayLike<number>): Float64Array {
  const out = new Float64Array(ids.length), s = new Uint32Array(4);
  for (let k = 0; k < ids.length; k++) {
    rowState(key, ids[k], s);
    out[k] = nextUniform(s);
  }
  return out;
}
