// The numbers of fit, sample, logpdf and components for fixed inputs, bit for bit, on both
// backends and for 1 and 2 threads (test/golden/cases.ts says how they were recorded).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { computeAll } from "./golden/cases.ts";

const recorded = JSON.parse(readFileSync(new URL("./golden/digests.json", import.meta.url), "utf8")) as Record<string, Record<string, string>>;

describe("golden digests", () => {
  for (const backend of ["wasm", "reference"] as const) {
    for (const threads of [1, 2]) {
      it(`${backend}, ${threads} thread${threads > 1 ? "s" : ""}: every digest as recorded`, async () => {
        expect(await computeAll(backend, threads)).toEqual(recorded[backend]);
      }, 120000);
    }
  }
});
