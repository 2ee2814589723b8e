/** Choose a kernel backend: `wasm` (default) or the pure-TS `reference`. */
import { reference } from "./reference.ts";
import type { Kernels } from "./types.ts";
import { createWasmKernels, wasmModule } from "./wasm.ts";

export * from "./types.ts";
export { reference } from "./reference.ts";

export type Backend = "wasm" | "reference";
export const BACKENDS: readonly Backend[] = ["wasm", "reference"];

/** A backend and a way to make instances of it. */
export interface KernelSource {
  readonly backend: Backend;
  /** A fresh instance (WASM: own memory and arena; the reference is stateless). */
  create(): Kernels;
}

/** True when this runtime has WebAssembly and can compile the kernels (SIMD included). */
export function wasmAvailable(): boolean {
  if (typeof WebAssembly === "undefined") return false;
  try {
    wasmModule();
    return true;
  } catch {
    return false;
  }
}

/** The backend used when none is given: "wasm" where it can run, else the pure-TS "reference". */
export function defaultBackend(): Backend {
  return wasmAvailable() ? "wasm" : "reference";
}

/** A kernel set: a fresh WASM instance (own memory and arena), or the shared reference. */
export function createKernels(backend: Backend = "wasm"): Kernels {
  if (backend === "reference") return reference;
  if (backend !== "wasm") throw new Error(`invalid backend "${String(backend)}": expected "wasm" or "reference"`);
  if (typeof WebAssembly === "undefined") throw new Error('WebAssembly is unavailable: use backend "reference"');
  return createWasmKernels();
}

export function kernelSource(backend: Backend = defaultBackend()): KernelSource {
  if (backend === "wasm" && typeof WebAssembly === "undefined") throw new Error('WebAssembly is unavailable: use backend "reference"');
  return { backend, create: () => createKernels(backend) };
}
