// The import rules of docs/architecture.md, read from the sources: no cycle among src/ files
// (type-only imports included), and the model layer never imports the threads or an entry.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : /\.ts$/.test(e.name) ? [join(dir, e.name)] : []));
}

/** Each src file's relative imports (static, re-exports and type-only), as paths under src/. */
function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, "utf8");
    const specs = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.\.?\/[^"]+)"/gms), ...text.matchAll(/^\s*import\s+"(\.\.?\/[^"]+)"/gm)].map((m) => m[1]);
    g.set(relative(SRC, file), specs.map((s) => relative(SRC, resolve(dirname(file), s))).filter((p) => p.endsWith(".ts")));
  }
  return g;
}

/** One cycle of the graph as a path (first file repeated at the end), or null. */
function findCycle(g: Map<string, string[]>): string[] | null {
  const state = new Map<string, 1 | 2>(), stack: string[] = [];
  const visit = (f: string): string[] | null => {
    if (state.get(f) === 2) return null;
    if (state.get(f) === 1) return [...stack.slice(stack.indexOf(f)), f];
    state.set(f, 1);
    stack.push(f);
    for (const to of g.get(f) ?? []) {
      const c = visit(to);
      if (c) return c;
    }
    stack.pop();
    state.set(f, 2);
    return null;
  };
  for (const f of g.keys()) {
    const c = visit(f);
    if (c) return c;
  }
  return null;
}

describe("architecture", () => {
  const g = graph();

  it("reads the imports it checks (a known edge is seen)", () => {
    expect(g.get("model.ts")).toContain("evaluator.ts");
    expect(g.get("flow.ts")).toContain("evaluator.ts");
    // The cycle finder finds one where there is one.
    expect(findCycle(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]]]))).toEqual(["a", "b", "c", "a"]);
  });

  it("has no import cycle among src/ files, type-only imports included", () => {
    expect(findCycle(g)).toBeNull();
  });

  it("keeps the model layer off the threads and the entries (it is given a Pool and kernels)", () => {
    const above = (p: string) => p.startsWith("threads/") || p.startsWith("cli/") || p.startsWith("io/") || p.startsWith("worker/") || ["index.ts", "node.ts", "browser.ts", "files.ts", "runtime.ts", "node-runtime.ts", "api.ts", "exports.ts"].includes(p);
    const model = [...g.keys()].filter((f) => !above(f) && !f.startsWith("plot/") && !["stream.ts", "shards.ts"].includes(f));
    const wrong = model.flatMap((f) => g.get(f)!.filter(above).map((to) => `${f} → ${to}`));
    expect(wrong).toEqual([]);
  });
});
