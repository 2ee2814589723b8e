// The README's library example runs as written (imported by the package name, as a user would).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";

it("the README example runs and prints what it says", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const code = /```ts example\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code, "README has a ```ts example block").toBeTruthy();
  expect(code!.trim().split("\n").length).toBeLessThanOrEqual(10);
  // Inside the checkout so that "diffmix" resolves to this package by its own name.
  const dir = mkdtempSync(join(process.cwd(), "test", ".readme-"));
  try {
    writeFileSync(join(dir, "example.ts"), code!);
    const out = execFileSync(process.execPath, ["--import", "tsx", join(dir, "example.ts")], { encoding: "utf8" });
    expect(out).toMatch(/1000 samples/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60000);
