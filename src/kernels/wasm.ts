/**
 * The WASM backend: a thin raw-pointer binding over the module built from assembly/
 * (scripts/build-wasm.js inlines it as base64 in ./binary.ts). Arrays never cross the
 * boundary by copy: each instance owns an arena in its linear memory, kernels receive
 * byte offsets of views into it.
 */
import { wasmBase64 } from "./binary.ts";
import { reference } from "./reference.ts";
import type { Arena, ArenaSpec, F64, I32, Kernels, U32 } from "./types.ts";

interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  scratchLength(): number;
  levelFits(level: number): number;
  uniform(n: number, out: number, state: number): void;
  normal(n: number, out: number, state: number): void;
  ouNoise(len: number, x0: number, a: number, sigma: number, state: number, xt: number): void;
  ouNoiseRows(m: number, n: number, x0: number, a: number, sigma: number, key: number, ids: number, state: number, xt: number): void;
  basis(m: number, r: number, u: number, D: number, table: number, p: number, phi: number, dphi: number): void;
  gates(m: number, x: number, level: number, gamma: number, cbar: number, norm: number): void;
  gateMoments(m: number, x: number, level: number, out: number, norm: number): void;
  wideLength(): number;
  designBlock(
    m: number, x0: number, x: number, gamma: number, cbar: number, level: number, table: number,
    active: number, nActive: number, phi: number, ld: number, dsum: number, work: number,
  ): void;
  curvatureColumns(m: number, x: number, gamma: number, level: number, active: number, nActive: number, cols: number, ld: number, d: number): void;
  gramAccumulate(m: number, p: number, phi: number, ld: number, g: number, ldG: number): void;
  choleskySolve(p: number, q: number, a: number, ldA: number, b: number, ldB: number, rel: number, abs: number): number;
  residual(m: number, x: number, level: number, table: number, out: number, div: number, withDiv: number, work: number): void;
  sdeStep(len: number, y: number, r: number, h: number, method: number, state: number): void;
}

const NOT_IN_ARENA =
  "array passed to a wasm kernel is not a view of its arena (allocate with kernels.arena; views made before a later arena call are invalid)";
const PAGE = 65536;
const ALIGN = 16;
const PAD = 64;
const MAX_BYTES = 65536 * PAGE; // wasm32: 4 GiB

let compiled: WebAssembly.Module | undefined;

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** The compiled module, built once per process (immutable, shared by all instances). */
export function wasmModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(decodeBase64(wasmBase64));
  return compiled;
}

const align = (x: number) => Math.ceil(x / ALIGN) * ALIGN;

/** A fresh instance (own memory and arena) of the WASM kernels. */
export function createWasmKernels(): Kernels {
  const imports = {
    env: {
      abort(msg: number, file: number, line: number, column: number): never {
        throw new Error(`diffmix wasm kernel aborted at line ${line}:${column} (message @${msg}, file @${file})`);
      },
    },
  };
  const ex = new WebAssembly.Instance(wasmModule(), imports).exports as unknown as Exports;
  const memory = ex.memory;
  const base = align(ex.heapBase());
  const scratch = ex.scratchLength(), wide = ex.wideLength();
  /** End of the furthest arena so far: memory above it is still zero. */
  let touched = base;

  const ptr = (arr: F64 | I32 | U32): number => {
    if (arr.buffer !== memory.buffer) throw new Error(NOT_IN_ARENA);
    return arr.byteOffset;
  };

  function arena<S extends ArenaSpec>(spec: S): Arena<S> {
    const layout: [string, "f64" | "i32" | "u32", number, number][] = [];
    let end = base;
    for (const [key, [type, len]] of Object.entries(spec)) {
      if (!Number.isInteger(len) || len < 0) throw new Error(`arena buffer "${key}": expected a non-negative integer length, got ${len}`);
      const at = align(end);
      layout.push([key, type, at, len]);
      end = at + len * (type === "f64" ? 8 : 4) + PAD;
    }
    if (end > MAX_BYTES) throw new Error(`arena of ${end} bytes exceeds the 4 GiB of WebAssembly memory`);
    const have = memory.buffer.byteLength;
    if (end > have) {
      try {
        memory.grow(Math.ceil((end - have) / PAGE)); // once per arena: it detaches every earlier view
      } catch (e) {
        throw new Error(`cannot grow WebAssembly memory to ${end} bytes for the arena: ${(e as Error).message}`);
      }
    }
    const buf = memory.buffer;
    // Same contract as the reference (fresh typed arrays): every buffer starts zeroed.
    if (touched > base) new Uint8Array(buf, base, Math.min(end, touched) - base).fill(0);
    touched = Math.max(touched, end);
    const out: Record<string, F64 | I32 | U32> = {};
    for (const [key, type, at, len] of layout) {
      out[key] = type === "f64" ? new Float64Array(buf, at, len) : type === "i32" ? new Int32Array(buf, at, len) : new Uint32Array(buf, at, len);
    }
    return out as Arena<S>;
  }

  return {
    name: "wasm",
    arena,
    uniform: (n, out, state) => ex.uniform(n, ptr(out), ptr(state)),
    normal: (n, out, state) => ex.normal(n, ptr(out), ptr(state)),
    ouNoise: (len, x0, a, sigma, state, xt) => ex.ouNoise(len, ptr(x0), a, sigma, ptr(state), ptr(xt)),
    ouNoiseRows: (m, n, x0, a, sigma, key, ids, state, xt) => ex.ouNoiseRows(m, n, ptr(x0), a, sigma, ptr(key), ptr(ids), ptr(state), ptr(xt)),
    basis(m, r, u, D, table, p, phi, dphi) {
      const pu = ptr(u), pt = ptr(table), pphi = ptr(phi), pd = ptr(dphi);
      // The kernel's 1-D tables of a row pair live in a static scratch; beyond it the twin computes the same thing.
      if (4 * (D + 1) * r > scratch) return reference.basis(m, r, u, D, table, p, phi, dphi);
      ex.basis(m, r, pu, D, pt, p, pphi, pd);
    },
    gates: (m, x, level, gamma, cbar, norm) => ex.gates(m, ptr(x), ptr(level), ptr(gamma), ptr(cbar), norm ? ptr(norm) : 0),
    // designBlock and residual keep a row pair's tables in the static scratch; a level too big for
    // it (thousands of groups or coordinates) goes to the twin.
    designBlock: (m, x0, x, gamma, cbar, level, table, active, nActive, phi, ld, dsum, work) =>
      !ex.levelFits(ptr(level)) ? reference.designBlock(m, x0, x, gamma, cbar, level, table, active, nActive, phi, ld, dsum, work) : ex.designBlock(m, ptr(x0), ptr(x), ptr(gamma), ptr(cbar), ptr(level), ptr(table), ptr(active), nActive, ptr(phi), ld, ptr(dsum), ptr(work)),
    curvatureColumns: (m, x, gamma, level, active, nActive, cols, ld, d) =>
      ex.curvatureColumns(m, ptr(x), ptr(gamma), ptr(level), ptr(active), nActive, ptr(cols), ld, ptr(d)),
    gramAccumulate: (m, p, phi, ld, g, ldG) => ex.gramAccumulate(m, p, ptr(phi), ld, ptr(g), ldG),
    choleskySolve: (p, q, a, ldA, b, ldB, rel, abs) => ex.choleskySolve(p, q, ptr(a), ldA, ptr(b), ldB, rel, abs),
    residual: (m, x, level, table, out, div, withDiv, work) =>
      !ex.levelFits(ptr(level)) ? reference.residual(m, x, level, table, out, div, withDiv, work) : ex.residual(m, ptr(x), ptr(level), ptr(table), ptr(out), ptr(div), withDiv, ptr(work)),
    sdeStep: (len, y, r, h, method, state) => ex.sdeStep(len, ptr(y), ptr(r), h, method, ptr(state)),
    // gateMoments keeps a row pair's gates in a static scratch; beyond it (G + n over 32768) the twin.
    gateMoments: (m, x, level, out, norm) =>
      2 * (level[0] + level[1]) > wide ? reference.gateMoments(m, x, level, out, norm) : ex.gateMoments(m, ptr(x), ptr(level), ptr(out), ptr(norm)),
  };
}
