import { reference } from "./reference.ts";
import { createWasmKernels } from "./wasm.ts";
import type { Kernels } from "./types.ts";

export type { Kernels } from "./types.ts";
export * from "./types.ts";
export type Backend = "wasm" | "reference";

export function wasmAvailable(): boolean {
  return typeof WebAssembly !== "undefined";
}

export function createKernels(backend: Backend = "wasm"): Kernels {
  if (backend === "reference") return reference;
  if (!wasmAvailable()) throw new Error('WebAssembly is unavailable: use backend "reference"');
  return createWasmKernels();
}
