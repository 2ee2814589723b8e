// The progress bar: drawn only on a terminal, never with --quiet, with an ETA per phase.
import { describe, expect, it } from "vitest";
import { Progress, bar, duration } from "../src/cli/progress.ts";
import { closest, distance } from "../src/cli/args.ts";

function sink(isTTY: boolean) {
  const parts: string[] = [];
  return { parts, stream: { isTTY, columns: 100, write: (s: string) => parts.push(s) } };
}

describe("progress", () => {
  it("draws levels with an ETA on a terminal, then clears its line", () => {
    const { parts, stream } = sink(true);
    let now = 0;
    const p = new Progress(stream, false, () => now);
    p.update("fit", 0, 40, "levels");
    now = 2000;
    p.update("fit", 10, 40, "levels");
    now = 2050;
    p.update("fit", 11, 40, "levels"); // within 100 ms: skipped
    now = 8000;
    p.update("fit", 40, 40, "levels");
    p.clear();
    expect(parts).toHaveLength(4);
    expect(parts[1]).toBe(`\rfit    [${bar(0.25)}] 10/40 levels  ETA 6s\x1b[K`);
    expect(parts[2]).toBe(`\rfit    [${"█".repeat(24)}] 40/40 levels\x1b[K`);
    expect(parts[3]).toBe("\r\x1b[K");
  });

  it("off a terminal, a plain line every 30 s of long work (none for short work), nothing with --quiet", () => {
    for (const quiet of [false, true]) {
      const { parts, stream } = sink(false);
      let now = 0;
      const p = new Progress(stream, quiet, () => now);
      now = 29_000;
      p.update("select", 3, 4, "configurations", "whiten σ₀=0.5");
      now = 31_000;
      p.update("select", 4, 5, "configurations", "whiten σ₀=0.7");
      now = 45_000;
      p.update("select", 5, 6, "configurations"); // within 30 s of the last line
      now = 92_000;
      p.update("fit", 3, 40, "levels");
      p.clear();
      expect(parts).toEqual(quiet ? [] : [
        "progress: select 4/5 configurations  whiten σ₀=0.7 (31s)\n",
        "progress: fit 3/40 levels (1m32s)\n",
      ]);
    }
  });

  it("is silent off a terminal for short work and with --quiet", () => {
    for (const [tty, quiet] of [[false, false], [true, true]] as const) {
      const { parts, stream } = sink(tty);
      const p = new Progress(stream, quiet, () => 0);
      p.update("sample", 1, 2, "batches");
      p.clear();
      expect(parts).toEqual([]);
    }
  });

  it("formats bars and durations", () => {
    expect(bar(0, 4)).toBe("    ");
    expect(bar(0.5, 4)).toBe("██  ");
    expect(bar(1, 4)).toBe("████");
    expect(bar(0.3, 4)).toBe("█▏  ");
    expect([duration(4400), duration(61000), duration(3 * 3600e3 + 120e3)]).toEqual(["4s", "1m01s", "3h02m"]);
  });
});

describe("suggestions", () => {
  it("finds the closest option, and none when nothing is close", () => {
    expect(distance("degre", "degree")).toBe(1);
    expect(distance("sampel", "sample")).toBe(1); // a swap counts once
    const known = ["--degree", "--levels", "--seed", "--threads", "--quiet", "--output"];
    expect(closest("--degre", known)).toBe("--degree");
    expect(closest("--lvls", known)).toBe("--levels");
    expect(closest("--thread", known)).toBe("--threads");
    expect(closest("--out", known)).toBe("--output");
    expect(closest("--zzzzzz", known)).toBeUndefined();
  });
});
