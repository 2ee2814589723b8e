/**
 * The package as a user installs it: `npm pack` of this checkout into a fresh temporary
 * folder, then `npm install` of that tarball into an empty project beside it. Packed with
 * --ignore-scripts: the caller has built dist/ (the suite's global setup, or bench/startup.ts),
 * and those are the files that ship. Used by test/package.test.ts and bench/startup.ts.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

// A nested npm must not inherit the settings npm gives the scripts it runs (npm_config_local_prefix
// would point the install at this checkout): only the user's own cache, registry and config pass.
const KEEP_NPM = new Set(["npm_config_cache", "npm_config_registry", "npm_config_userconfig", "npm_config_globalconfig", "npm_config_cafile"]);
export const ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => (!/^npm_/i.test(k) || KEEP_NPM.has(k.toLowerCase())) && k !== "INIT_CWD"),
);

export interface Run { code: number | null; out: string; err: string }

export function run(cmd: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: ENV, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [], err: Buffer[] = [];
    child.stdout.on("data", (b) => out.push(b));
    child.stderr.on("data", (b) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() }));
  });
}

/** Runs and expects exit 0; otherwise throws with what the command printed. */
export async function ok(cmd: string, args: string[], cwd: string): Promise<Run> {
  const r = await run(cmd, args, cwd);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${r.code}:\n${r.out}${r.err}`);
  return r;
}

export interface Installed {
  /** The temporary folder holding the tarball and the project; the caller removes it. */
  tmp: string;
  /** The project, with node_modules/diffmix installed from the tarball. */
  app: string;
  tarball: string;
  /** The tarball's files, sorted, as npm pack lists them. */
  files: string[];
  packSeconds: number;
  installSeconds: number;
}

export async function packAndInstall(): Promise<Installed> {
  const tmp = mkdtempSync(join(tmpdir(), "diffmix-package-"));
  const app = join(tmp, "app");
  mkdirSync(app);
  let t = performance.now();
  const packed = JSON.parse((await ok("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], ROOT)).out)[0];
  const packSeconds = (performance.now() - t) / 1000;
  // An empty project, as `npm init -y` makes it, but ES modules (the consumer's choice).
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true, type: "module" }, null, 2));
  const tarball = join(tmp, packed.filename);
  t = performance.now();
  await ok("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], app);
  return {
    tmp, app, tarball, packSeconds, installSeconds: (performance.now() - t) / 1000,
    files: packed.files.map((f: { path: string }) => f.path).sort(),
  };
}
