/**
 * Known distributions for data and truth: p = ∫ N(μ, I) dν(μ) in Rⁿ, noised along the
 * Ornstein–Uhlenbeck process to p_t = ∫ N(aμ, I) dν(μ), a = e^{−t}. Everything follows from
 *
 *   log p_t(x) = −n/2·log 2π − |x|²/2 + log Z(x),   Z(x) = ∫ exp(a⟨x, μ⟩ − a²|μ|²/2) dν(μ),
 *
 * whose normalised integrand is the posterior over μ; the residual is r_t = a·E[μ | x_t = x]
 * and the score s_t = −x + r_t. Discrete ν is closed form; the continuous ones (sphere,
 * segments, balls) reduce by symmetry to 1-D integrals done by `logQuad` to ~1e-12.
 * Constructors validate their arguments like `mixtureFromSpec`; their optional last
 * argument `where` prefixes the error messages (default: the class name).
 */
import { normals, streamState, uniforms } from "./random.ts";
import { logQuad } from "./quadrature.ts";
import { lgammaHalf, logBallVolume, logGammaP, logSinIntegral } from "./special.ts";
import { normalise, numbers, points, positive, segmentsOf, weightsOf } from "./checks.ts";
import { posterior } from "./posterior.ts";

export type MixtureSpec =
  | { kind: "discrete"; dim: number; weights: number[]; means: number[][] }
  | { kind: "circle" | "sphere"; dim: number; center: number[]; radius: number }
  | { kind: "segments"; dim: number; segments: number[][][]; weights: number[] }
  | { kind: "balls"; dim: number; centers: number[][]; radii: number[]; weights: number[] };

export interface Mixture {
  readonly dim: number;
  readonly kind: "discrete" | "sphere" | "segments" | "balls";
  /** count rows from p (t = 0), row-major. */
  sample(count: number, seed: number): Float64Array;
  /** log p_t for each row of x (default t = 0). */
  logpdf(x: Float64Array, t?: number): Float64Array;
  /** a·E[μ | x_t = x] for each row. */
  residual(x: Float64Array, t: number): Float64Array;
  /** ∇ log p_t = −x + residual. */
  score(x: Float64Array, t: number): Float64Array;
  toSpec(): MixtureSpec;
}

const LOG_2PI = Math.log(2 * Math.PI);

// ---------------------------------------------------------------------------------------
// Shared machinery

/** Running log-sum-exp of component terms together with their weighted mean vectors. */
class Accumulator {
  top = -Infinity;
  sum = 0;
  readonly mean: Float64Array;
  constructor(dim: number) {
    this.mean = new Float64Array(dim);
  }
  reset(): void {
    this.top = -Infinity;
    this.sum = 0;
    this.mean.fill(0);
  }
  /** Add a term e^{l} with posterior mean m[off…off+dim). */
  add(l: number, m: ArrayLike<number>, off = 0): void {
    const mean = this.mean;
    if (l > this.top) {
      const r = Math.exp(this.top - l);
      this.sum = this.sum * r + 1;
      for (let d = 0; d < mean.length; d++) mean[d] = mean[d] * r + m[off + d];
      this.top = l;
    } else {
      const e = Math.exp(l - this.top);
      this.sum += e;
      for (let d = 0; d < mean.length; d++) mean[d] += e * m[off + d];
    }
  }
  /** Returns log Σ e^{l} and leaves the normalised mean in `mean`. */
  finish(): number {
    for (let d = 0; d < this.mean.length; d++) this.mean[d] /= this.sum;
    return this.top + Math.log(this.sum);
  }
}

function dot(x: ArrayLike<number>, off: number, y: ArrayLike<number>): number {
  let s = 0;
  for (let d = 0; d < y.length; d++) s += x[off + d] * y[d];
  return s;
}

function rowsOf(x: Float64Array, dim: number): number {
  if (x.length % dim !== 0) throw new Error(`x has ${x.length} entries, not a multiple of dim ${dim}`);
  return x.length / dim;
}

function checkTime(t: number): number {
  if (!(t >= 0 && Number.isFinite(t))) throw new Error(`t must be a finite number ≥ 0, got ${t}`);
  return Math.exp(-t);
}

/** Index of the component picked by a uniform u in [0, 1) given cumulative weights. */
function pick(cum: Float64Array, u: number): number {
  let i = 0;
  while (i < cum.length - 1 && u >= cum[i]) i++;
  return i;
}

function cumulative(w: number[]): Float64Array {
  const c = new Float64Array(w.length);
  let s = 0;
  w.forEach((v, i) => (c[i] = s += v));
  return c;
}

abstract class Base implements Mixture {
  abstract readonly dim: number;
  abstract readonly kind: Mixture["kind"];
  abstract toSpec(): MixtureSpec;
  /** Rows of μ ~ ν, row-major; the stream label keeps the kinds' draws apart. */
  protected abstract support(count: number, seed: number): Float64Array;
  /**
   * log Z(x) = log ∫ exp(a⟨x, μ⟩ − a²|μ|²/2) dν(μ) for the row x[off…]; leaves E[μ | x_t = x]
   * in acc.mean (acc is scratch of this call).
   */
  protected abstract posterior(x: Float64Array, off: number, a: number, acc: Accumulator): number;

  sample(count: number, seed: number): Float64Array {
    if (!(Number.isInteger(count) && count >= 0)) throw new Error(`count must be an integer ≥ 0, got ${count}`);
    const out = this.support(count, seed);
    const z = normals(count * this.dim, streamState(seed, "mixture", this.kind, "noise"));
    for (let i = 0; i < out.length; i++) out[i] += z[i];
    return out;
  }

  /** Runs the posterior row by row; `each` gets (row offset, log Z, E[μ|x], a). */
  private sweep(x: Float64Array, t: number, each: (off: number, logZ: number, m: Float64Array, a: number) => void) {
    const n = this.dim;
    let a = checkTime(t);
    // Below 1e−100 the mixture is N(0, I) to far beyond double precision; avoids log(1/a²) overflow.
    if (a < 1e-100) a = 0;
    const acc = new Accumulator(n);
    for (let r = 0, rows = rowsOf(x, n); r < rows; r++) {
      acc.reset();
      const logZ = a === 0 ? 0 : this.posterior(x, r * n, a, acc);
      each(r * n, logZ, acc.mean, a);
    }
  }

  logpdf(x: Float64Array, t = 0): Float64Array {
    const n = this.dim;
    const out = new Float64Array(rowsOf(x, n));
    this.sweep(x, t, (off, logZ) => {
      let sq = 0;
      for (let d = 0; d < n; d++) sq += x[off + d] * x[off + d];
      out[off / n] = -0.5 * n * LOG_2PI - 0.5 * sq + logZ;
    });
    return out;
  }

  residual(x: Float64Array, t: number): Float64Array {
    const out = new Float64Array(x.length);
    this.sweep(x, t, (off, _logZ, m, a) => {
      for (let d = 0; d < m.length; d++) out[off + d] = a * m[d];
    });
    return out;
  }

  score(x: Float64Array, t: number): Float64Array {
    const out = this.residual(x, t);
    for (let i = 0; i < out.length; i++) out[i] -= x[i];
    return out;
  }
}

// ---------------------------------------------------------------------------------------
// The four kinds

/** Σ wᵢ N(μᵢ, I): the posterior over components is a softmax, done by log-sum-exp. */
export class GaussianMixture extends Base {
  readonly kind = "discrete" as const;
  readonly dim: number;
  readonly k: number;
  readonly weights: number[];
  readonly means: number[][];
  private readonly logw: number[];
  private readonly flat: Float64Array;
  private readonly pi: Float64Array;
  private readonly lse = new Float64Array(1);

  constructor(weights: number[], means: number[][], where = "GaussianMixture") {
    super();
    this.means = points(means, "means", where);
    this.k = this.means.length;
    this.dim = this.means[0].length;
    this.weights = weightsOf(weights, this.k, where);
    this.logw = this.weights.map(Math.log);
    this.flat = Float64Array.from(this.means.flat());
    this.pi = new Float64Array(this.k);
  }

  protected posterior(x: Float64Array, off: number, a: number, acc: Accumulator): number {
    const n = this.dim, m = acc.mean;
    posterior(x.subarray(off, off + n), 1, n, this.logw, this.flat, a, this.pi, this.lse);
    m.fill(0);
    for (let j = 0; j < this.k; j++) for (let d = 0; d < n; d++) m[d] += this.pi[j] * this.flat[j * n + d];
    return this.lse[0];
  }

  protected support(count: number, seed: number): Float64Array {
    const n = this.dim;
    const u = uniforms(count, streamState(seed, "mixture", this.kind, "pick"));
    const cum = cumulative(this.weights);
    const out = new Float64Array(count * n);
    for (let r = 0; r < count; r++) out.set(this.means[pick(cum, u[r])], r * n);
    return out;
  }

  toSpec(): MixtureSpec {
    return { kind: "discrete", dim: this.dim, weights: [...this.weights], means: this.means.map((m) => [...m]) };
  }
}

/**
 * Uniform on the sphere |μ − c| = R in Rⁿ (n = 2: a circle). With y = x − a c and
 * κ = aR|y|, the posterior depends on μ = c + Rω only through cos θ = ⟨ω, ŷ⟩, whose density
 * is ∝ sin^{n−2}θ·e^{κ cos θ} on [0, π]; E[μ|x] = c + R ŷ E[cos θ].
 */
export class SphereMixture extends Base {
  readonly kind = "sphere" as const;
  readonly dim: number;
  readonly center: number[];
  readonly radius: number;
  private readonly logC: number;
  private readonly csq: number;

  constructor(center: number[], radius: number, where = "SphereMixture") {
    super();
    this.center = numbers(center, "center", where, { min: 2 });
    this.radius = positive(radius, "radius", where);
    this.dim = this.center.length;
    this.logC = logSinIntegral(this.dim - 2);
    this.csq = this.center.reduce((s, v) => s + v * v, 0);
  }

  protected posterior(x: Float64Array, off: number, a: number, acc: Accumulator): number {
    const { dim: n, center: c, radius: R } = this;
    const m = n - 2;
    const y = acc.mean; // scratch for y until the mean is written
    let ny = 0;
    for (let d = 0; d < n; d++) {
      y[d] = x[off + d] - a * c[d];
      ny += y[d] * y[d];
    }
    ny = Math.sqrt(ny);
    const kappa = a * R * ny;
    const q = logQuad((th) => (m === 0 ? 0 : m * Math.log(Math.sin(th))) + kappa * Math.cos(th), Math.cos, 0, Math.PI);
    // For tiny κ the quadrature's E[cos θ] is a difference of O(1) terms; use its series
    // I_{n/2}(κ)/I_{n/2−1}(κ) = κ/n·(1 − κ²/(n(n+2)) + O(κ⁴)) instead.
    const cos = kappa < 1e-3 ? (kappa / n) * (1 - (kappa * kappa) / (n * (n + 2))) : q.mean;
    for (let d = 0; d < n; d++) y[d] = c[d] + (ny > 0 ? (R * cos * y[d]) / ny : 0);
    return a * dot(x, off, c) - 0.5 * a * a * (this.csq + R * R) + q.log - this.logC;
  }

  protected support(count: number, seed: number): Float64Array {
    const n = this.dim;
    const out = normals(count * n, streamState(seed, "mixture", this.kind, "direction"));
    for (let r = 0; r < count; r++) {
      const row = out.subarray(r * n, (r + 1) * n);
      const len = Math.hypot(...row);
      for (let d = 0; d < n; d++) row[d] = this.center[d] + (this.radius * row[d]) / len;
    }
    return out;
  }

  toSpec(): MixtureSpec {
    return { kind: this.dim === 2 ? "circle" : "sphere", dim: this.dim, center: [...this.center], radius: this.radius };
  }
}

/**
 * Uniform on a union of segments [A, B] (weights ∝ length unless given). On one segment
 * μ = A + s(B − A), s ∈ [0, 1], and the exponent is the concave quadratic
 * s·a⟨x − aA, d⟩ − a²|d|²s²/2 (+ const), d = B − A.
 */
export class SegmentsMixture extends Base {
  readonly kind = "segments" as const;
  readonly dim: number;
  readonly segments: number[][][];
  readonly weights: number[];
  private readonly parts: { A: number[]; d: number[]; dd: number; Ad: number; AA: number; logw: number }[];
  private readonly tmp: Float64Array;

  constructor(segments: number[][][], weights?: number[], where = "SegmentsMixture") {
    super();
    this.segments = segmentsOf(segments, where);
    this.dim = this.segments[0][0].length;
    const lengths = this.segments.map(([A, B]) => Math.hypot(...A.map((v, i) => B[i] - v)));
    this.weights = weights === undefined ? normalise(lengths) : weightsOf(weights, lengths.length, where);
    this.parts = this.segments.map(([A, B], j) => {
      const d = A.map((v, i) => B[i] - v);
      return { A, d, dd: dotv(d, d), Ad: dotv(A, d), AA: dotv(A, A), logw: Math.log(this.weights[j]) };
    });
    this.tmp = new Float64Array(this.dim);
  }

  protected posterior(x: Float64Array, off: number, a: number, acc: Accumulator): number {
    const m = this.tmp;
    for (const { A, d, dd, Ad, AA, logw } of this.parts) {
      const beta = a * dot(x, off, d) - a * a * Ad;
      const alpha = a * a * dd;
      const q = logQuad((s) => s * (beta - 0.5 * alpha * s), (s) => s, 0, 1);
      for (let i = 0; i < m.length; i++) m[i] = A[i] + q.mean * d[i];
      acc.add(logw + a * dot(x, off, A) - 0.5 * a * a * AA + q.log, m);
    }
    return acc.finish();
  }

  protected support(count: number, seed: number): Float64Array {
    const n = this.dim;
    const u = uniforms(count, streamState(seed, "mixture", this.kind, "pick"));
    const s = uniforms(count, streamState(seed, "mixture", this.kind, "position"));
    const cum = cumulative(this.weights);
    const out = new Float64Array(count * n);
    for (let r = 0; r < count; r++) {
      const { A, d } = this.parts[pick(cum, u[r])];
      for (let i = 0; i < n; i++) out[r * n + i] = A[i] + s[r] * d[i];
    }
    return out;
  }

  toSpec(): MixtureSpec {
    return {
      kind: "segments",
      dim: this.dim,
      segments: this.segments.map((s) => s.map((p) => [...p])),
      weights: [...this.weights],
    };
  }
}

/**
 * Uniform on a union of balls |μ − c| ≤ ρ (weights ∝ volume unless given). With v = μ − c,
 * y = x − a c, the exponent is a⟨y, v⟩ − a²|v|²/2 (+ const). Slice the ball across ŷ:
 * z = ⟨v, ŷ⟩ = ρ cos φ, and the (n−1)-ball slice of radius ρ sin φ integrates in closed form,
 * ∫_{|w|≤q} e^{−a²|w|²/2} dw = (2π/a²)^{(n−1)/2} P((n−1)/2, a²q²/2) (incomplete gamma),
 * leaving one smooth integral over φ ∈ [0, π]; E[μ|x] = c + ŷ E[z].
 */
export class BallsMixture extends Base {
  readonly kind = "balls" as const;
  readonly dim: number;
  readonly centers: number[][];
  readonly radii: number[];
  readonly weights: number[];
  private readonly logw: number[];
  private readonly logV: number[];
  private readonly csq: number[];
  private readonly tmp: Float64Array;

  constructor(centers: number[][], radii: number[], weights?: number[], where = "BallsMixture") {
    super();
    this.centers = points(centers, "centers", where);
    this.dim = this.centers[0].length;
    this.radii = numbers(radii, "radii", where, { len: this.centers.length, positive: true });
    this.logV = this.radii.map((r) => logBallVolume(this.dim, r));
    const maxV = Math.max(...this.logV);
    this.weights =
      weights === undefined
        ? normalise(this.logV.map((l) => Math.exp(l - maxV)))
        : weightsOf(weights, this.centers.length, where);
    this.logw = this.weights.map(Math.log);
    this.csq = this.centers.map((c) => dotv(c, c));
    this.tmp = new Float64Array(this.dim);
  }

  protected posterior(x: Float64Array, off: number, a: number, acc: Accumulator): number {
    const n = this.dim;
    const half = (n - 1) / 2; // the slice is an (n−1)-ball
    const lgHalf = lgammaHalf(half);
    const y = this.tmp;
    for (let j = 0; j < this.centers.length; j++) {
      const c = this.centers[j];
      const rho = this.radii[j];
      let ny = 0;
      for (let d = 0; d < n; d++) {
        y[d] = x[off + d] - a * c[d];
        ny += y[d] * y[d];
      }
      ny = Math.sqrt(ny);
      const k1 = a * ny * rho;
      const k2 = 0.5 * a * a * rho * rho;
      const sliceScale = half * Math.log((2 * Math.PI) / (a * a));
      const g = (phi: number) => {
        const cos = Math.cos(phi);
        const sin = Math.sin(phi);
        const slice = half === 0 ? 0 : sliceScale + logGammaP(half, k2 * sin * sin, lgHalf);
        return k1 * cos - k2 * cos * cos + slice + Math.log(sin);
      };
      const q = logQuad(g, Math.cos, 0, Math.PI);
      const ez = rho * q.mean;
      for (let d = 0; d < n; d++) y[d] = c[d] + (ny > 0 ? (ez * y[d]) / ny : 0);
      const l = this.logw[j] + a * dot(x, off, c) - 0.5 * a * a * this.csq[j] + Math.log(rho) - this.logV[j] + q.log;
      acc.add(l, y);
    }
    return acc.finish();
  }

  protected support(count: number, seed: number): Float64Array {
    const n = this.dim;
    const u = uniforms(count, streamState(seed, "mixture", this.kind, "pick"));
    const rad = uniforms(count, streamState(seed, "mixture", this.kind, "radius"));
    const out = normals(count * n, streamState(seed, "mixture", this.kind, "direction"));
    const cum = cumulative(this.weights);
    for (let r = 0; r < count; r++) {
      const j = pick(cum, u[r]);
      const row = out.subarray(r * n, (r + 1) * n);
      // |v| = ρ U^{1/n} makes the radius's density ∝ r^{n−1}, i.e. uniform in volume.
      const scale = (this.radii[j] * Math.pow(rad[r], 1 / n)) / Math.hypot(...row);
      for (let d = 0; d < n; d++) row[d] = this.centers[j][d] + scale * row[d];
    }
    return out;
  }

  toSpec(): MixtureSpec {
    return {
      kind: "balls",
      dim: this.dim,
      centers: this.centers.map((c) => [...c]),
      radii: [...this.radii],
      weights: [...this.weights],
    };
  }
}

function dotv(a: number[], b: number[]): number {
  return a.reduce((s, v, i) => s + v * b[i], 0);
}
