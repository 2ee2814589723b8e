/**
 * Shared by bench/accuracy.ts and bench/claims.ts: the public instances, the methods under
 * comparison (diffmix, our EM, scikit-learn's GaussianMixture through bench/sklearn_gmm.py),
 * timing, markdown tables, and writing a section of bench/RESULTS.md and figures.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fit, sample, type FitOptions, type ScoreModel } from "../src/node.ts";
import { fitEM, sampleEM, type EMOptions, type EMResult } from "../src/em.ts";
import { type Mixture, type MixtureSpec } from "../src/mixture.ts";
import { mixtureFromSpec } from "../src/mixture-spec.ts";

export const BENCH = fileURLToPath(new URL(".", import.meta.url));
export const FIGURES = join(BENCH, "figures");
const INSTANCES = fileURLToPath(new URL("../test/fixtures/instances.json", import.meta.url));

export interface Instance {
  name: string;
  spec: MixtureSpec;
  truth: Mixture;
  /** Number of components when the truth is a finite mixture. */
  k?: number;
  notes: string;
}

export function loadInstances(): Instance[] {
  const file = JSON.parse(readFileSync(INSTANCES, "utf8")) as { instances: Record<string, MixtureSpec & { notes?: string }> };
  return Object.entries(file.instances).map(([name, spec]) => ({
    name,
    spec,
    truth: mixtureFromSpec(spec, name),
    k: spec.kind === "discrete" ? spec.weights.length : undefined,
    notes: spec.notes ?? "",
  }));
}

export interface Args {
  quick: boolean;
  only?: string[];
  [key: string]: unknown;
}

/** --quick, --only a,b,c (instance or study names). */
export function parseArgs(argv: string[]): Args {
  const out: Args = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") out.quick = true;
    else if (a === "--only") out.only = (argv[++i] ?? "").split(",").filter(Boolean);
    else if (a === "--help" || a === "-h") {
      out.help = true;
    } else throw new Error(`unknown argument "${a}" (known: --quick, --only NAME,NAME)`);
  }
  return out;
}

export const seconds = (t0: number) => (performance.now() - t0) / 1000;

export interface Run {
  method: string;
  /** Components (EM) or regions (diffmix), as a short string. */
  size: string;
  fitSeconds: number;
  sampleSeconds: number;
  samples: Float64Array;
  note?: string;
}

export async function runDiffmix(data: Float64Array, dim: number, count: number, seed: number, options: FitOptions = {}, label = "diffmix"):
  Promise<Run & { model: ScoreModel }> {
  let t0 = performance.now();
  const model = await fit(data, { dim, seed, ...options });
  const fitSeconds = seconds(t0);
  t0 = performance.now();
  const samples = await sample(model, count, { seed: seed + 1 });
  const c = model.config as { R: number; degree: number };
  return {
    method: label, size: `${model.regions.weights.length} region${model.regions.weights.length === 1 ? "" : "s"}, D=${c.degree}, R=${c.R}`,
    fitSeconds, sampleSeconds: seconds(t0), samples, model,
  };
}

export function runEM(data: Float64Array, dim: number, count: number, seed: number, options: EMOptions, label: string): Run & { model: EMResult } {
  let t0 = performance.now();
  const model = fitEM(data, { dim, seed, ...options });
  const fitSeconds = seconds(t0);
  t0 = performance.now();
  const samples = sampleEM(model, count, seed + 1);
  return { method: label, size: `k=${model.k}`, fitSeconds, sampleSeconds: seconds(t0), samples, model };
}

// ---------------------------------------------------------------------------------------
// scikit-learn

const PYTHON = "/usr/bin/python3";
let sklearnChecked: string | null | undefined;

/** sklearn's version, or null (with the reason printed once) when it cannot be imported. */
export function sklearnVersion(): string | null {
  if (sklearnChecked !== undefined) return sklearnChecked;
  const r = spawnSync(PYTHON, ["-c", "import sklearn, numpy; print(sklearn.__version__)"], { encoding: "utf8" });
  sklearnChecked = r.status === 0 ? r.stdout.trim() : null;
  if (sklearnChecked === null) {
    console.log(`skipping scikit-learn: \`${PYTHON} -c "import sklearn"\` failed (install Debian's python3-sklearn to include it)`);
  }
  return sklearnChecked;
}

/**
 * scikit-learn's GaussianMixture on the same rows (written as raw little-endian float64 to a
 * temporary file), with one BLAS thread; `k` a number or "bic" over kRange. Fit time is measured inside Python
 * (excluding interpreter start-up and reading the file). Samples are drawn from the fitted
 * parameters with our sampleEM.
 */
export function runSklearn(data: Float64Array, dim: number, count: number, seed: number,
  o: { k: number | "bic"; kRange?: [number, number]; covariance?: "full" | "spherical" | "diag" | "tied"; nInit?: number }, label: string):
  (Run & { model: EMResult }) | null {
  if (sklearnVersion() === null) return null;
  const dir = mkdtempSync(join(tmpdir(), "diffmix-sklearn-"));
  try {
    const file = join(dir, "data.f64");
    writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    const [k0, k1] = o.kRange ?? [1, 10];
    const out = execFileSync(PYTHON, [join(BENCH, "sklearn_gmm.py"), file, String(dim), String(o.k), String(k0), String(k1),
      o.covariance ?? "full", String(o.nInit ?? 3), String(seed)],
    // one BLAS thread: on the 2 shared cores threaded BLAS oversubscribes and runs ~2× slower
    { encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" } });
    const r = JSON.parse(out) as { k: number; weights: number[]; means: number[][]; covariances: number[][]; converged: boolean; iterations: number;
      logLikelihood: number; bic: number; aic: number; seconds: number };
    const model: EMResult = { covariance: "full", k: r.k, weights: r.weights, means: r.means, covariances: r.covariances,
      converged: r.converged, iterations: r.iterations, logLikelihood: r.logLikelihood, bic: r.bic, aic: r.aic };
    const t0 = performance.now();
    const samples = sampleEM(model, count, seed + 1);
    return { method: label, size: `k=${r.k}`, fitSeconds: r.seconds, sampleSeconds: seconds(t0), samples, model };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// Output

/** A number for a table: 4 significant digits, exponent form for tiny or huge values. */
export function fmt(v: number | undefined, digits = 4): string {
  if (v === undefined || Number.isNaN(v)) return "—";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) return v.toExponential(digits - 2);
  return v.toPrecision(digits);
}

export function markdownTable(headers: string[], rows: string[][]): string {
  return [`| ${headers.join(" | ")} |`, `|${headers.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** The git revision of the code measured, noting uncommitted changes under src/. */
export function revision(): string {
  const git = (...a: string[]) => spawnSync("git", a, { cwd: BENCH, encoding: "utf8" }).stdout?.trim() ?? "";
  const head = git("rev-parse", "--short", "HEAD") || "unknown";
  return git("status", "--porcelain", "--", "../src", "../assembly") ? `${head} + uncommitted changes in src/` : head;
}

export function machine(): string {
  return `diffmix ${revision()}, node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? "?"}), shared with other jobs`;
}

/**
 * Replace (or append) the section delimited by `<!-- begin NAME -->` … `<!-- end NAME -->`
 * in bench/RESULTS.md; other sections are left as they are. Written to a temporary file and
 * renamed, so that another benchmark reading RESULTS.md at the same moment never sees it
 * truncated; a copy of the section is kept in $TMPDIR/diffmix-results/NAME.md.
 */
export function writeSection(name: string, markdown: string): void {
  const file = join(BENCH, "RESULTS.md");
  const text = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmark results\n";
  const begin = `<!-- begin ${name} -->`, end = `<!-- end ${name} -->`;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const i = text.indexOf(begin), j = text.indexOf(end);
  const next = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, next);
  renameSync(tmp, file);
  const copies = join(tmpdir(), "diffmix-results");
  mkdirSync(copies, { recursive: true });
  writeFileSync(join(copies, `${name}.md`), block + "\n");
  console.log(`wrote section "${name}" of ${file}`);
}

export function writeFigure(name: string, svg: string): string {
  mkdirSync(FIGURES, { recursive: true });
  const file = join(FIGURES, name);
  writeFileSync(file, svg);
  console.log(`wrote ${file}`);
  return `figures/${name}`;
}

/** Least-squares slope of log y on log x. */
export function logSlope(points: [number, number][]): number {
  const p = points.filter(([x, y]) => x > 0 && y > 0).map(([x, y]) => [Math.log(x), Math.log(y)]);
  const mx = p.reduce((s, q) => s + q[0], 0) / p.length, my = p.reduce((s, q) => s + q[1], 0) / p.length;
  let sxy = 0, sxx = 0;
  for (const [x, y] of p) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxy / sxx;
}

// ---------------------------------------------------------------------------------------
// The noised score of an EM fit, for the score-error study

/**
 * The residual r_t = x + ∇log p_t of a fitted Gaussian mixture noised along the OU process:
 * p_t = Σ w_j N(a μ_j, a²Σ_j + σ²I). For identity covariances this is the known-mixture
 * residual a·E[μ | x_t = x].
 */
export function emResidualModel(em: EMResult): { residual(x: Float64Array, t: number): Float64Array } {
  const n = em.means[0].length, k = em.k;
  return {
    residual(x: Float64Array, t: number): Float64Array {
      const a = Math.exp(-t), s2 = -Math.expm1(-2 * t);
      // Cholesky factors of C_j = a²Σ_j + σ²I
      const L = em.covariances.map((cov) => {
        const C = new Float64Array(n * n), F = new Float64Array(n * n);
        for (let i = 0; i < n * n; i++) C[i] = a * a * cov[i];
        for (let i = 0; i < n; i++) C[i * n + i] += s2;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j <= i; j++) {
            let v = C[i * n + j];
            for (let q = 0; q < j; q++) v -= F[i * n + q] * F[j * n + q];
            F[i * n + j] = i === j ? Math.sqrt(v) : v / F[j * n + j];
          }
        }
        return F;
      });
      const logdet = L.map((F) => Array.from({ length: n }, (_, i) => Math.log(F[i * n + i])).reduce((p, q) => p + q, 0));
      const rows = x.length / n, out = new Float64Array(x.length);
      const z = new Float64Array(n), g = new Float64Array(k * n), l = new Float64Array(k);
      for (let r = 0; r < rows; r++) {
        let top = -Infinity;
        for (let j = 0; j < k; j++) {
          const F = L[j];
          let q = 0;
          for (let i = 0; i < n; i++) {
            let v = x[r * n + i] - a * em.means[j][i];
            for (let c = 0; c < i; c++) v -= F[i * n + c] * z[c];
            z[i] = v / F[i * n + i];
            q += z[i] * z[i];
          }
          // ∇ log N = −C⁻¹(x − aμ) = −L⁻ᵀ z
          for (let i = n - 1; i >= 0; i--) {
            let v = z[i];
            for (let c = i + 1; c < n; c++) v -= F[c * n + i] * g[j * n + c];
            g[j * n + i] = v / F[i * n + i];
          }
          l[j] = Math.log(em.weights[j]) - logdet[j] - 0.5 * q;
          if (l[j] > top) top = l[j];
        }
        let sum = 0;
        for (let j = 0; j < k; j++) sum += l[j] = Math.exp(l[j] - top);
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < k; j++) s -= l[j] * g[j * n + i];
          out[r * n + i] = x[r * n + i] + s / sum;
        }
      }
      return out;
    },
  };
}
