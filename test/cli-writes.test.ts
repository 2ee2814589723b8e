// Durable writes (issue 14, rows 1, 7, 8, 9, 11 and 14): the real `diffmix` command on full
// disks (/dev/full, a 64 kB tmpfs), outputs that name an input, special files, signals during
// a write, a first line of numbers too large for a double, and long or empty output names.
// Each case fails, or fails to clean up, on the code before the fix.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync,
  statfsSync, symlinkSync, writeFileSync,
} from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { BIN, runDiffmix, type Run } from "./helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "diffmix-writes-"));
const at = (f: string) => join(dir, f);
const diffmix = (args: string[], input?: string): Promise<Run> => runDiffmix(dir, args, input);
const leftovers = (d = dir) => readdirSync(d).filter((f) => f.endsWith(".tmp"));
const sha = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");
const ENOSPC = "cannot write (ENOSPC: no space left on device)";

// The system's /dev/full and /dev/stdout are only used where this process cannot replace them:
// as root (CI, this sandbox), code that wrongly replaced its output would replace them, so the
// cases run on private twins made here instead (mknod c 1 7; a link to /proc/self/fd/1).
const ROOT_USER = process.getuid?.() === 0;
const FULL = !ROOT_USER ? "/dev/full" : spawnSync("mknod", [at("full"), "c", "1", "7"]).status === 0 ? at("full") : "";
if (!FULL) console.log("[cli-writes] skipping the /dev/full cases: root without mknod (the system's /dev/full is not risked)");
const STDOUT = ROOT_USER ? at("stdout") : "/dev/stdout";
if (STDOUT !== "/dev/stdout") symlinkSync("/proc/self/fd/1", STDOUT);

/** `diffmix …args` with its stdout sent to an open file descriptor (a file, /dev/full). */
function withStdout(fd: number, args: string[]): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ["ignore", fd, "pipe"] });
    const err: Buffer[] = [];
    child.stderr!.on("data", (b) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, err: Buffer.concat(err).toString() }));
  });
}

beforeAll(async () => {
  const g = await diffmix(["gen", "--preset", "blobs2d", "-n", "400", "-o", "data.csv", "--seed", "1", "-q"]);
  expect(g.err).toBe("");
  const f = await diffmix(["fit", "data.csv", "-o", "model.json", "--levels", "6", "--degree", "2", "-q"]);
  expect(f.err).toBe("");
  writeFileSync(at("spec.json"), JSON.stringify({ weights: [0.5, 0.5], means: [[-3, 0], [3, 0]] }));
  writeFileSync(at("bad.csv"), "1,2\n3,x\n");
  writeFileSync(at("pts.csv"), readFileSync(at("data.csv"), "utf8").split("\n").slice(0, 30).join("\n") + "\n");
}, 120000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("row 1: a full disk fails the run with one line naming the file, and leaves no output", () => {
  // /dev/full (or its twin, FULL): every write fails with ENOSPC. A device, so written in
  // place (row 8): the message names it and it stays a device.
  const cases: [string, string[]][] = [
    ["gen", ["gen", "--preset", "blobs2d", "-n", "20000", "-o", FULL]],
    ["sample", ["sample", "model.json", "-n", "2000", "--steps", "10", "-o", FULL, "-q"]],
    ["fit", ["fit", "data.csv", "--levels", "4", "--degree", "0", "-o", FULL, "-q"]],
    ["logpdf", ["logpdf", "model.json", "pts.csv", "--steps", "5", "-o", FULL, "-q"]],
    ["demo", ["demo", "--rows", "300", "--draws", "300", "--levels", "3", "-o", FULL, "-q"]],
  ];
  it.runIf(FULL).each(cases)("%s -o /dev/full: exit 1", async (_, args) => {
    const r = await diffmix(args);
    expect(r.err).toBe(`diffmix: ${FULL}: ${ENOSPC}\n`);
    expect(r.code).toBe(1);
    expect(lstatSync(FULL).isCharacterDevice()).toBe(true);
  }, 60000);

  it.runIf(FULL)("-o - with stdout on a full disk: exit 1, naming stdout", async () => {
    const fd = openSync(FULL, "w");
    try {
      const r = await withStdout(fd, ["gen", "--preset", "blobs2d", "-n", "20000", "-o", "-", "-q"]);
      expect(r).toEqual({ code: 1, err: `diffmix: stdout: ${ENOSPC}\n` });
    } finally {
      closeSync(fd);
    }
  }, 60000);

  describe("a 64 kB tmpfs", () => {
    const mnt = at("small");
    let mounted = false;
    beforeAll(() => {
      mkdirSync(mnt);
      const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt], { encoding: "utf8" });
      mounted = r.status === 0;
      if (!mounted) console.log(`[cli-writes] skipping the tmpfs cases: mount -t tmpfs is not allowed here (${(r.stderr || r.error?.message || "").trim()})`);
    });
    afterAll(() => {
      if (mounted) spawnSync("umount", [mnt]);
    });
    /** Fill the file system but for `spare` bytes (the filler is removed by `clear`). */
    const fill = (spare: number) => {
      const s = statfsSync(mnt);
      writeFileSync(join(mnt, "filler"), Buffer.alloc(Math.max(0, s.bavail * s.bsize - spare)));
    };
    const clear = () => rmSync(join(mnt, "filler"), { force: true });

    it("sample -n 20000 -o F (800 kB of CSV for 64 kB): exit 1, no F, no temporary file", async (ctx) => {
      if (!mounted) return ctx.skip();
      const out = join(mnt, "samples.csv");
      const r = await diffmix(["sample", "model.json", "-n", "20000", "--steps", "10", "-o", out, "-q"]);
      expect(r.err).toBe(`diffmix: ${out}: ${ENOSPC}\n`);
      expect(r.code).toBe(1);
      expect(readdirSync(mnt)).toEqual([]);
    }, 60000);

    type Case = [string, (out: string) => string[], string];
    const more: Case[] = [
      ["gen .npy", (o) => ["gen", "--preset", "blobs2d", "-n", "20000", "-o", o], "g.npy"],
      ["gen .csv", (o) => ["gen", "--preset", "blobs2d", "-n", "20000", "-o", o], "g.csv"],
      ["fit", (o) => ["fit", "data.csv", "--levels", "4", "--degree", "0", "-o", o, "-q"], "m.json"],
      ["logpdf", (o) => ["logpdf", "model.json", "data.csv", "--steps", "5", "-o", o, "-q"], "lp.csv"],
    ];
    it.for(more)("%s with 1 kB left: exit 1, no output, no temporary file", { timeout: 60000 }, async ([, args, name]: Case, ctx: TestContext) => {
      if (!mounted) return ctx.skip();
      fill(1024);
      try {
        const out = join(mnt, name);
        const r = await diffmix(args(out));
        expect(r.err).toBe(`diffmix: ${out}: ${ENOSPC}\n`);
        expect(r.code).toBe(1);
        expect(readdirSync(mnt)).toEqual(["filler"]);
      } finally {
        clear();
      }
    });

    it("an existing output is kept as it was when the new one does not fit", async (ctx) => {
      if (!mounted) return ctx.skip();
      const out = join(mnt, "keep.csv");
      writeFileSync(out, "1,2\n");
      fill(1024);
      try {
        const r = await diffmix(["gen", "--preset", "blobs2d", "-n", "20000", "-o", out]);
        expect(r.code).toBe(1);
        expect(readFileSync(out, "utf8")).toBe("1,2\n");
        expect(readdirSync(mnt).sort()).toEqual(["filler", "keep.csv"]);
      } finally {
        clear();
      }
    }, 60000);
  });

  const STRACE = spawnSync("strace", ["-V"]).status === 0;
  it.runIf(STRACE)("the file is fsync'd before it is renamed into place (strace)", () => {
    const log = at("strace.log");
    execFileSync("strace", ["-f", "-qq", "-o", log, "-e", "trace=fsync,fdatasync,rename,renameat,renameat2",
      process.execPath, BIN, "gen", "--preset", "ring", "-n", "50", "-o", at("synced.csv"), "-q"], { cwd: dir });
    const calls = readFileSync(log, "utf8").split("\n");
    const rename = calls.findIndex((l) => /rename/.test(l) && l.includes(`"${at("synced.csv")}"`));
    expect(rename).toBeGreaterThan(0);
    expect(calls.slice(0, rename).some((l) => /\b(fsync|fdatasync)\(\d+\) += 0/.test(l))).toBe(true);
    rmSync(log);
  }, 60000);
});

describe("row 7: an output that is one of the inputs is refused before any work (exit 2)", () => {
  beforeAll(() => {
    linkSync(at("data.csv"), at("hard.csv"));
    symlinkSync(at("data.csv"), at("sym.csv"));
    symlinkSync(dir, at("here"));
  });
  // [arguments, the output as given, the input it would overwrite]
  const cases: [string, string[], string, string][] = [
    ["fit, same name", ["fit", "data.csv", "-o", "data.csv"], "data.csv", "data.csv"],
    ["fit, spelled otherwise", ["fit", "data.csv", "-o", `${dir}/./data.csv`], `${dir}/./data.csv`, "data.csv"],
    ["fit, a hard link", ["fit", "data.csv", "-o", "hard.csv"], "hard.csv", "data.csv"],
    ["fit, a symbolic link", ["fit", "data.csv", "-o", "sym.csv"], "sym.csv", "data.csv"],
    ["fit, through a linked folder", ["fit", "data.csv", "-o", "here/data.csv"], "here/data.csv", "data.csv"],
    ["fit, before reading a bad input", ["fit", "bad.csv", "-o", "bad.csv"], "bad.csv", "bad.csv"],
    ["sample", ["sample", "model.json", "-n", "5", "-o", "model.json"], "model.json", "model.json"],
    ["logpdf, the points", ["logpdf", "model.json", "pts.csv", "-o", "pts.csv"], "pts.csv", "pts.csv"],
    ["logpdf, the model", ["logpdf", "model.json", "pts.csv", "-o", "model.json"], "model.json", "model.json"],
    ["gen, the spec", ["gen", "spec.json", "-n", "5", "-o", "spec.json"], "spec.json", "spec.json"],
  ];
  it.each(cases)("%s", async (_, args, output, input) => {
    const before = sha(at(input));
    const r = await diffmix(args);
    expect(r.err).toBe(`diffmix: ${output}: the output would overwrite the input ${input} (write it to another file)\n`);
    expect(r.code).toBe(2);
    expect(sha(at(input))).toBe(before);
    expect(leftovers()).toEqual([]);
  }, 60000);

  it("a different file of the same name elsewhere is fine", async () => {
    mkdirSync(at("elsewhere"));
    const r = await diffmix(["gen", "spec.json", "-n", "5", "-o", "elsewhere/spec.json", "-q"]);
    expect(r).toEqual({ code: 0, out: "", err: "" });
  });
});

describe("row 8: special files are written in place, never replaced", () => {
  it("a FIFO: the reader gets the rows and the FIFO stays a FIFO", async () => {
    const fifo = at("out.fifo");
    execFileSync("mkfifo", [fifo]);
    const reader = spawn("cat", [fifo], { stdio: ["ignore", "pipe", "ignore"] });
    const got: Buffer[] = [];
    reader.stdout.on("data", (b) => got.push(b));
    const read = new Promise<void>((resolve) => reader.on("close", () => resolve()));
    const r = await diffmix(["gen", "--preset", "ring", "-n", "5", "-o", fifo, "-q"]);
    const timer = setTimeout(() => reader.kill(), 3000); // the old code never opened the FIFO
    await read;
    clearTimeout(timer);
    expect(r).toEqual({ code: 0, out: "", err: "" });
    expect(Buffer.concat(got).toString().trim().split("\n")).toHaveLength(5);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(leftovers()).toEqual([]);
  }, 60000);

  it("a device node (a private /dev/null: mknod c 1 3) stays a device", async (ctx) => {
    const node = at("null");
    if (spawnSync("mknod", [node, "c", "1", "3"]).status !== 0) {
      console.log("[cli-writes] skipping the device case: mknod is not allowed here");
      return ctx.skip();
    }
    const r = await diffmix(["gen", "--preset", "ring", "-n", "5", "-o", node, "-q"]);
    expect(r).toEqual({ code: 0, out: "", err: "" });
    expect(lstatSync(node).isCharacterDevice()).toBe(true);
    expect(leftovers()).toEqual([]);
  }, 60000);

  it("/dev/stdout (a link to /proc/self/fd/1) is this process's stdout, and stays a link", async () => {
    const before = lstatSync(STDOUT);
    const r = await diffmix(["gen", "--preset", "ring", "-n", "5", "-o", STDOUT]);
    expect(r.code).toBe(0);
    expect(r.out.trim().split("\n")).toHaveLength(5);
    expect(r.err).toBe(`gen: 5 × 2 (sphere) → ${STDOUT}\n`);
    const after = lstatSync(STDOUT);
    expect([after.isSymbolicLink(), after.ino]).toEqual([true, before.ino]);
    expect(leftovers()).toEqual([]);
  }, 60000);
});

describe("row 9: SIGHUP and SIGQUIT clean up the temporary file, as SIGINT and SIGTERM do", () => {
  const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"] as const;
  it.each(SIGNALS)("%s during the write: exit 128 + its number, no output, no temporary file", async (sig) => {
    const sub = at(`sig-${sig}`);
    mkdirSync(sub);
    const child = spawn(process.execPath, [BIN, "gen", "--preset", "blobs2d", "-n", "3000000", "-o", "big.csv", "-q"], { cwd: sub, stdio: "ignore" });
    const done = new Promise<[number | null, string | null]>((resolve) => child.on("close", (code, signal) => resolve([code, signal])));
    // Wait for the temporary file: the write is under way.
    const t0 = performance.now();
    while (leftovers(sub).length === 0 && performance.now() - t0 < 30000) await new Promise((r) => setTimeout(r, 5));
    expect(leftovers(sub)).toHaveLength(1);
    child.kill(sig);
    expect(await done).toEqual([128 + constants.signals[sig], null]);
    expect(readdirSync(sub)).toEqual([]);
  }, 60000);
});

describe("row 11: a first line of numbers too large for a double is data, not a header", () => {
  it("logpdf of 61 rows whose first is 1e999,1: exit 1 naming line 1, not 60 results", async () => {
    const rows = readFileSync(at("data.csv"), "utf8").trim().split("\n").slice(0, 60);
    writeFileSync(at("huge.csv"), ["1e999,1", ...rows].join("\n") + "\n");
    const r = await diffmix(["logpdf", "model.json", "huge.csv", "-o", "lp.csv", "-q"]);
    expect(r.err).toBe("diffmix: huge.csv:1: column 1: 1e999 is not a finite number\n");
    expect(r.code).toBe(1);
    expect(existsSync(at("lp.csv"))).toBe(false);
  }, 60000);
});

describe("row 14: output names", () => {
  it("a 246-character name is written (its temporary name stays within the 255-byte limit), and so is a 255-byte one", async () => {
    for (const name of ["n".repeat(242) + ".csv", "é".repeat(125) + "x.csv"]) { // 246 characters; 255 bytes
      const r = await diffmix(["gen", "--preset", "ring", "-n", "5", "-o", name, "-q"]);
      expect(r).toEqual({ code: 0, out: "", err: "" });
      expect(readFileSync(at(name), "utf8").trim().split("\n")).toHaveLength(5);
    }
    expect(leftovers()).toEqual([]);
  }, 60000);

  it("a name longer than 255 bytes is refused before any work", async () => {
    const name = "n".repeat(252) + ".csv";
    const r = await diffmix(["fit", "data.csv", "-o", name]);
    expect(r.err).toBe(`diffmix: ${name}: the name is too long (256 bytes; a file name has at most 255)\n`);
    expect(r.code).toBe(1);
  }, 60000);

  it.each([["--output="], ["-o", ""], ["--output", ""]])("an empty output name (%s) is a usage error", async (...given) => {
    const r = await diffmix(["gen", "--preset", "ring", "-n", "5", ...given]);
    expect(r.err).toBe(`diffmix: option ${given[0].replace(/=$/, "")} needs a value (DATA)\n`);
    expect(r.code).toBe(2);
  }, 60000);
});
