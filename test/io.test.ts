// File formats: the streamed CSV parser, NPY, and outputs that never leave a partial file.
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, linkSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CsvParser, csvChunks } from "../src/io/csv.ts";
import { readTable, readJSON, writeAll, writeOutput, writeTable, checkWritable, sameFile } from "../src/io/files.ts";
import { normals, streamState, uniforms } from "../src/random.ts";

const dir = mkdtempSync(join(tmpdir(), "diffmix-io-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parses `text` fed in pieces of `step` bytes. */
function parse(text: string, step = 1 << 20, name = "t.csv") {
  const p = new CsvParser(name);
  const b = Buffer.from(text, "utf8");
  for (let i = 0; i < b.length; i += step) p.push(b.subarray(i, i + step));
  return p.end();
}

describe("CSV reading", () => {
  it("reads numbers exactly as Number() does, whatever the chunking", { timeout: 60000 }, () => {
    const u = uniforms(4000, streamState(1, "io-test"));
    const z = normals(4000, streamState(2, "io-test"));
    const fields: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const v = z[i] * 10 ** Math.floor(u[i] * 40 - 20);
      // the shortest round-trip text, fixed decimals, exponents, signs, padding
      fields.push([String(v), v.toFixed(6), v.toExponential(3), `+${Math.abs(v)}`, ` ${v.toPrecision(19)} `, String(Math.round(v))][i % 6]);
    }
    fields.push("1e-320", "9007199254740993", "0.1", "-0", "1.", ".5", "123456789012345678901234567890", "4.9e-324", "1.7976931348623157e308");
    while (fields.length % 3) fields.push("7");
    const rows: string[] = [];
    for (let i = 0; i < fields.length; i += 3) rows.push(fields.slice(i, i + 3).join(","));
    const text = rows.join("\n") + "\n";
    const want = Float64Array.from(fields.map(Number));
    for (const step of [1, 7, 64, 1 << 20]) {
      const t = parse(text, step);
      expect(t.cols).toBe(3);
      expect(t.rows).toBe(fields.length / 3);
      expect(t.x).toEqual(want);
    }
  });

  it("rounds 16–19 digit mantissas correctly, next to halfway points too", () => {
    // Decimal expansions of midpoints between neighbouring doubles, cut to 16–19 digits and
    // nudged up by one unit: the inputs where a careless conversion is off by one ulp.
    const u = uniforms(2000, streamState(6, "io-test"));
    const view = new DataView(new ArrayBuffer(8));
    const fields: string[] = ["9007199254740993", "9007199254740995", "18014398509481985e-3", "123456789012345678e4"];
    for (let i = 0; i < 1000; i++) {
      view.setFloat64(0, u[2 * i] * 10 ** Math.floor(u[2 * i + 1] * 36 - 18));
      const bits = view.getBigUint64(0);
      const Z = (bits & ((1n << 52n) - 1n)) | (1n << 52n), k = Number((bits >> 52n) & 0x7ffn) - 1076;
      const M = 2n * Z + 1n; // the midpoint above is M·2^k
      const digits = k >= 0 ? (M << BigInt(k)).toString() : (M * 5n ** BigInt(-k)).toString(), e10 = Math.min(k, 0);
      for (const cut of [16, 17, 18, 19]) {
        const head = digits.slice(0, cut), e = e10 + digits.length - cut;
        fields.push(`${head}e${e}`, `${BigInt(head) + 1n}e${e}`, `-${head[0]}.${head.slice(1)}e${e + cut - 1}`);
      }
    }
    const t = parse(fields.join("\n") + "\n");
    const wrong = fields.filter((f, i) => !Object.is(t.x[i], Number(f)));
    expect(wrong).toEqual([]);
  });

  it("detects a header, skips blank lines, takes CRLF, a BOM and a missing final newline", () => {
    for (const step of [1, 2, 100]) {
      const t = parse("\uFEFFx, y\r\n1,2\r\n\r\n 3 ,\t4\n5,6", step);
      expect(t.header).toEqual(["x", "y"]);
      expect(Array.from(t.x)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(parse("\uFEFF1,2\n", step).header).toBeNull();
    }
    expect(parse("1,2\n3,4\n").header).toBeNull();
  });

  it("names the line and column of every error", () => {
    const err = (text: string) => () => parse(text);
    expect(err("1,2,3\n4,5\n")).toThrow("t.csv:2: expected 3 numbers, found 2");
    expect(err("a,b\n1,2,3\n")).toThrow("t.csv:2: expected 2 numbers (the header has 2 fields), found 3");
    expect(err("1,2\n3,x1\n")).toThrow('t.csv:2: column 2: "x1" is not a number');
    expect(err("1,2\n\n3,0x10\n")).toThrow('t.csv:3: column 2: "0x10" is not a number');
    expect(err("1,2\n3,\n")).toThrow("t.csv:2: column 2: empty cell (expected a number)");
    expect(err("nan,2\n")).toThrow("t.csv:1: column 1: nan is not a finite number");
    expect(err("1,2\n-inf,2\n")).toThrow("t.csv:2: column 1: -inf is not a finite number");
    expect(err("1,2\n1e400,2\n")).toThrow("t.csv:2: column 1: 1e400 is not a finite number");
    expect(err("")).toThrow("t.csv: empty file (expected one sample per line)");
    expect(err("\n  \n")).toThrow("t.csv: empty file (expected one sample per line)");
    expect(err("x,y\n")).toThrow("t.csv: a header line but no data rows");
  });

  it("a first line of numbers beyond a double's range is data (an error), not a header", () => {
    const err = (text: string) => () => parse(text);
    expect(err("1e999,1\n2,3\n")).toThrow("t.csv:1: column 1: 1e999 is not a finite number");
    expect(err("2,-1E+400\n2,3\n")).toThrow("t.csv:1: column 2: -1E+400 is not a finite number");
    expect(err("1" + "0".repeat(400) + ",1\n")).toThrow("t.csv:1: column 1: 1" + "0".repeat(400) + " is not a finite number");
    expect(parse("x,1e999\n1,2\n").header).toEqual(["x", "1e999"]); // a field that is no number: a header
    expect(Array.from(parse("1e-999,1\n").x)).toEqual([0, 1]); // underflow is a finite number
  });

  it("writes what it reads back exactly", async () => {
    const x = normals(3000, streamState(3, "io-test"));
    const text = [...csvChunks(x, 3, ["a", "b", "c"], 1000)].join("");
    const t = parse(text);
    expect(t.header).toEqual(["a", "b", "c"]);
    expect(t.x).toEqual(x);
  });

  it("grows its buffer in steps and trims it (2e4 × 10 in at most 1.25 times its own size)", () => {
    const x = normals(2e5, streamState(4, "io-test"));
    const t = parse([...csvChunks(x, 10)].join(""), 1 << 16);
    expect(t.x.length).toBe(x.length);
    expect(t.x.findIndex((v, i) => v !== x[i])).toBe(-1); // toEqual is slow on 1e6 numbers
    expect(t.x.buffer.byteLength).toBeLessThanOrEqual(1.25 * 8 * 2e5);
  }, 60000);
});

describe("NPY", () => {
  it("round-trips float64 and reads float32, big-endian and format 2.0", async () => {
    const x = normals(60, streamState(5, "io-test"));
    await writeTable(join(dir, "a.npy"), x, 3);
    const t = await readTable(join(dir, "a.npy"));
    expect([t.rows, t.cols]).toEqual([20, 3]);
    expect(t.x).toEqual(x);
    const raw = readFileSync(join(dir, "a.npy"));
    expect(raw.subarray(0, 6).toString("latin1")).toBe("\x93NUMPY");
    expect((10 + raw.readUInt16LE(8)) % 64).toBe(0);

    const npy = (descr: string, shape: string, data: Buffer, major = 1) => {
      let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
      const pre = major === 1 ? 10 : 12;
      dict = dict.padEnd(Math.ceil((pre + dict.length + 1) / 64) * 64 - pre - 1) + "\n";
      const head = Buffer.alloc(pre);
      head.write("\x93NUMPY", 0, "latin1");
      head[6] = major;
      if (major === 1) head.writeUInt16LE(dict.length, 8);
      else head.writeUInt32LE(dict.length, 8);
      return Buffer.concat([head, Buffer.from(dict, "latin1"), data]);
    };
    const f4 = Buffer.from(new Float32Array([1.5, -2, 3.25, 4]).buffer);
    writeFileSync(join(dir, "f4.npy"), npy("<f4", "(2, 2)", f4));
    expect(Array.from((await readTable(join(dir, "f4.npy"))).x)).toEqual([1.5, -2, 3.25, 4]);
    const be = Buffer.from(new Float64Array([1, 2, 3]).buffer).swap64();
    writeFileSync(join(dir, "be.npy"), npy(">f8", "(3, 1)", be, 2));
    expect(Array.from((await readTable(join(dir, "be.npy"))).x)).toEqual([1, 2, 3]);

    const bad = async (name: string, bytes: Buffer) => {
      writeFileSync(join(dir, name), bytes);
      return readTable(join(dir, name)).then(() => "no error", (e: Error) => e.message.slice(dir.length + 1));
    };
    const f8 = Buffer.from(new Float64Array([1, 2, 3, 4]).buffer);
    expect(await bad("t.npy", npy("<f8", "(2, 2)", f8).subarray(0, -8))).toBe("t.npy: truncated: the header promises 2 × 2 float64 numbers (32 bytes), found 24 bytes");
    expect(await bad("i.npy", npy("<i8", "(2, 2)", f8))).toBe("i.npy: unsupported dtype '<i8' (expected float64 '<f8' or float32 '<f4')");
    expect(await bad("s.npy", npy("<f8", "(4,)", f8))).toBe("s.npy: expected a 2-D array (rows × columns), got shape (4,)");
    expect(await bad("o.npy", npy("<f8", "(2, 2)", f8).fill(0x20, 40, 41).fill(0x20, 41, 68))).toMatch(/^o\.npy: malformed NPY header/);
    expect(await bad("n.npy", npy("<f8", "(2, 2)", Buffer.from(new Float64Array([1, 2, NaN, 4]).buffer)))).toBe("n.npy: row 2, column 1 is NaN (expected a finite number)");
    expect(await bad("x.npy", Buffer.from("1,2\n3,4\n"))).toBe("x.npy: not an NPY file (it does not start with \\x93NUMPY)");
    expect(await bad("e.npy", Buffer.alloc(0))).toBe("e.npy: empty file (expected an NPY array)");
  });
});

describe("outputs", () => {
  const leftovers = () => readdirSync(dir).filter((f) => f.endsWith(".tmp"));

  it("leaves neither the output nor a temporary file when writing fails midway", async () => {
    function* chunks() {
      yield "1,2\n";
      throw new Error("disk on fire");
    }
    const out = join(dir, "partial.csv");
    await expect(writeOutput(out, chunks())).rejects.toThrow(`${out}: cannot write (disk on fire)`);
    expect(existsSync(out)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it("replaces an existing file only when the new one is complete", async () => {
    const out = join(dir, "keep.csv");
    writeFileSync(out, "old\n");
    function* chunks() {
      yield "new\n";
      throw new Error("stop");
    }
    await expect(writeOutput(out, chunks())).rejects.toThrow("cannot write");
    expect(readFileSync(out, "utf8")).toBe("old\n");
    await writeOutput(out, ["new\n"]);
    expect(readFileSync(out, "utf8")).toBe("new\n");
    expect(leftovers()).toEqual([]);
  });

  it("writes every byte when the file system takes fewer than asked, and fails when it takes none", async () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    const got: number[] = [];
    let calls = 0;
    await writeAll(async (b, off, len) => {
      calls++;
      const n = Math.min(len, 7); // a short write every time
      got.push(...b.subarray(off, off + n));
      return n;
    }, data);
    expect(Uint8Array.from(got)).toEqual(data);
    expect(calls).toBe(Math.ceil(1000 / 7));
    await expect(writeAll(async () => 0, data)).rejects.toThrow("a write of 1000 bytes wrote 0");
  });

  it("names the file and the errno of a failed write; a partial output never appears", async () => {
    const out = join(dir, "eio.csv");
    function* chunks() {
      yield "1,2\n";
      throw Object.assign(new Error("i/o"), { code: "EIO" });
    }
    await expect(writeOutput(out, chunks())).rejects.toThrow(`${out}: cannot write (EIO: input/output error)`);
    expect(existsSync(out)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it("writes through a link to a regular file into that file, keeping the link", async () => {
    writeFileSync(join(dir, "real.csv"), "old\n");
    symlinkSync(join(dir, "real.csv"), join(dir, "link.csv"));
    await writeOutput(join(dir, "link.csv"), ["new\n"]);
    expect(readFileSync(join(dir, "real.csv"), "utf8")).toBe("new\n");
    expect(readdirSync(dir).includes("link.csv") && sameFile(join(dir, "link.csv"), join(dir, "real.csv"))).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it("tells one file reached by two names from two files", () => {
    writeFileSync(join(dir, "a.csv"), "1\n");
    writeFileSync(join(dir, "b.csv"), "1\n");
    linkSync(join(dir, "a.csv"), join(dir, "a-hard.csv"));
    expect(sameFile(join(dir, "a.csv"), join(dir, "a-hard.csv"))).toBe(true);
    expect(sameFile(join(dir, "a.csv"), join(dir, ".", "a.csv"))).toBe(true);
    expect(sameFile(join(dir, "a.csv"), join(dir, "b.csv"))).toBe(false);
    expect(sameFile(join(dir, "a.csv"), join(dir, "missing.csv"))).toBe(false);
    expect(sameFile("-", "-")).toBe(false); // stdin and stdout
    expect(sameFile("/dev/null", "/dev/null")).toBe(false); // not a regular file: nothing to destroy
  });

  it("checks the folder before any work", () => {
    expect(() => checkWritable(join(dir, "nope", "x.csv"))).toThrow(`${join(dir, "nope", "x.csv")}: the folder ${join(dir, "nope")} does not exist`);
    expect(() => checkWritable(dir)).toThrow(`${dir}: is a directory (expected a file name)`);
    expect(() => checkWritable("-")).not.toThrow();
  });

  it("reads JSON with messages for truncated and malformed files", async () => {
    writeFileSync(join(dir, "t.json"), '{"a": [1, 2');
    await expect(readJSON(join(dir, "t.json"))).rejects.toThrow("t.json: not valid JSON: the file ends in the middle of a value (truncated?)");
    writeFileSync(join(dir, "e.json"), " \n");
    await expect(readJSON(join(dir, "e.json"))).rejects.toThrow("e.json: empty file (expected JSON)");
  });
});
