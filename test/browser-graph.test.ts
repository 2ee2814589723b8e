// The browser entries import nothing from Node: walk the static import graph of src/index.ts,
// src/browser.ts and the Web Workers' entries (started by new URL(…), which the walk does not
// follow, so they are entries of their own), and list every module and package it reaches.
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");

/** Every relative module and bare specifier reachable by value imports (type-only ones carry no code). */
function graph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>(), packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const src = readFileSync(file, "utf8");
    const re = /^\s*(import|export)\s+(type\s+)?([^'";]*?\s+from\s+)?["']([^"']+)["']/gm;
    for (const m of src.matchAll(re)) {
      if (m[2]) continue; // import type / export type
      const spec = m[4];
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec));
      else packages.add(spec);
    }
    for (const m of src.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) {
      if (m[1].startsWith(".")) visit(resolve(dirname(file), m[1])); // a module of ours, loaded later: still in the graph
      else packages.add(`dynamic:${m[1]}`);
    }
  };
  visit(join(ROOT, entry));
  return { files: [...files].map((f) => relative(ROOT, f)).sort(), packages: [...packages].sort() };
}

describe.each(["src/index.ts", "src/browser.ts", "src/worker/worker.ts", "src/threads/web-entry.ts"])("%s", (entry) => {
  it("reaches no Node built-in, no CLI or file I/O module, and only seedrandom from npm", () => {
    const { files, packages } = graph(entry);
    const builtins = new Set(builtinModules.flatMap((b) => [b, `node:${b}`]));
    expect(packages.filter((p) => p.startsWith("node:") || builtins.has(p.split("/")[0]))).toEqual([]);
    expect(files.filter((f) => f.startsWith("src/cli/") || f.startsWith("src/io/"))).toEqual([]);
    expect(packages).toEqual(["seedrandom"]); // its require("crypto") is mapped away by its "browser" field
    expect(files).toContain("src/kernels/wasm.ts");
  });
});
