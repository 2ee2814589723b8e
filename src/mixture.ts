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
import { gaussLegendre } from "./quadrature.ts";

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
// Quadrature

// Settings checked against 8× as many panels and a cut at e^{−90}: logs agree to 1e−14
// relative and residuals to 1e−13 over spheres (n = 2…12), balls (n = 2, 3, 6) and
// segments, t ∈ [0, 5], |x| up to 4 radii + 50; more panels only cost time.
const GL = gaussLegendre(16);
const PANELS = 4; // 4 panels × 16 nodes over the kept region
const GRID = 32; // coarse grid used to locate the region that matters
const CUT = 40; // e^{−40} ≈ 4e−18: anything further below the top is dropped
const RESOLVED = 8; // grid cells above the cut needed before the peak counts as resolved

/**
 * log ∫_lo^hi e^{g(u)} du and the mean of h under e^{g}. The integrands here are sharply
 * peaked (exponents up to aR|x| in the hundreds), so first zoom in: evaluate g on a coarse
 * grid, keep the cells within CUT of the top (plus one cell each side), and repeat until
 * the kept region spans enough cells to resolve it; then composite Gauss–Legendre on it.
 * Correct for unimodal g (ours are log-concave posteriors seen through a monotone change
 * of variable, times a Jacobian).
 */
function logQuad(g: (u: number) => number, h: (u: number) => number, lo: number, hi: number) {
  const v = new Float64Array(GRID + 1);
  let top = -Infinity;
  for (let it = 0; it < 60; it++) {
    const step = (hi - lo) / GRID;
    top = -Infinity;
    for (let i = 0; i <= GRID; i++) {
      v[i] = g(i === GRID ? hi : lo + i * step);
      if (v[i] > top) top = v[i];
    }
    let first = 0;
    while (v[first] < top - CUT) first++;
    let last = GRID;
    while (v[last] < top - CUT) last--;
    const nhi = last + 1 >= GRID ? hi : lo + (last + 1) * step;
    lo = lo + Math.max(first - 1, 0) * step;
    hi = nhi;
    if (last - first >= RESOLVED) break;
  }
  const width = (hi - lo) / PANELS;
  let s0 = 0;
  let s1 = 0;
  for (let p = 0; p < PANELS; p++) {
    for (let q = 0; q < GL.x.length; q++) {
      const u = lo + (p + GL.x[q]) * width;
      const e = Math.exp(g(u) - top) * GL.w[q];
      s0 += e;
      s1 += e * h(u);
    }
  }
  return { log: top + Math.log(s0 * width), mean: s1 / s0 };
}

/** log Γ(s) for s a positive multiple of ½ (exact products: Γ(1) = 1, Γ(½) = √π). */
function lgammaHalf(s: number): number {
  const whole = Number.isInteger(s);
  let v = whole ? 0 : 0.5 * Math.log(Math.PI);
  for (let z = whole ? 1 : 0.5; z < s; z++) v += Math.log(z);
  return v;
}

/**
 * log P(s, x), the regularised lower incomplete gamma function (the χ² CDF is P(m/2, q/2)):
 * series below x = s + 1, continued fraction for the complement above (Numerical Recipes
 * §6.2), so neither branch subtracts nearly equal numbers.
 */
function logGammaP(s: number, x: number, lgammaS = lgammaHalf(s)): number {
  if (x <= 0) return -Infinity;
  const lead = s * Math.log(x) - x - lgammaS;
  if (x < s + 1) {
    let ap = s;
    let del = 1 / s;
    let sum = del;
    for (let i = 0; i < 1000 && del > sum * 1e-17; i++) {
      ap += 1;
      del *= x / ap;
      sum += del;
    }
    return lead + Math.log(sum);
  }
  const tiny = 1e-300;
  let b = x + 1 - s;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 4e-16) break;
  }
  return Math.log1p(-Math.exp(lead) * h);
}

/** log of the volume of the n-ball of radius r. */
function logBallVolume(n: number, r: number): number {
  return (n / 2) * Math.log(Math.PI) + n * Math.log(r) - lgammaHalf(n / 2 + 1);
}

/** log ∫_0^π sin^m θ dθ (C_0 = π, C_1 = 2, C_m = C_{m−2}(m − 1)/m). */
function logSinIntegral(m: number): number {
  let c = m % 2 === 0 ? Math.PI : 2;
  for (let j = m % 2 === 0 ? 2 : 3; j <= m; j += 2) c *= (j - 1) / j;
  return Math.log(c);
}

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
  private readonly sq: number[];

  constructor(weights: number[], means: number[][], where = "GaussianMixture") {
    super();
    this.means = points(means, "means", where);
    this.k = this.means.length;
    this.dim = this.means[0].length;
    this.weights = weightsOf(weights, this.k, where);
    this.logw = this.weights.map(Math.log);
    this.sq = this.means.map((m) => m.reduce((s, v) => s + v * v, 0));
  }

  protected posterior(x: Float64Array, off: number, a: number, acc: Accumulator): number {
    for (let i = 0; i < this.k; i++) {
      acc.add(this.logw[i] + a * dot(x, off, this.means[i]) - 0.5 * a * a * this.sq[i], this.means[i]);
    }
    return acc.finish();
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

function normalise(w: number[]): number[] {
  const s = w.reduce((p, v) => p + v, 0);
  return w.map((v) => v / s);
}

// ---------------------------------------------------------------------------------------
// Specs: validation with one-line messages that name the field

/** A value as the user wrote it (NaN stays NaN, unlike JSON.stringify), cut at 60 characters. */
function show(v: unknown): string {
  const full = (u: unknown): string => {
    if (typeof u === "number") return String(u);
    if (Array.isArray(u)) return `[${u.map(full).join(",")}]`;
    return JSON.stringify(u) ?? String(u);
  };
  const s = full(v);
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

function bad(where: string, field: string, what: string, got: unknown): never {
  if (got === undefined) throw new Error(`${where}: missing "${field}" (${what})`);
  throw new Error(`${where}: "${field}" must be ${what}, got ${show(got)}`);
}

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

function positive(v: unknown, field: string, where: string): number {
  if (!isNum(v) || v <= 0) bad(where, field, "a positive finite number", v);
  return v;
}

function numbers(
  v: unknown,
  field: string,
  where: string,
  opt: { len?: number; min?: number; positive?: boolean; note?: string } = {},
): number[] {
  const count = opt.len !== undefined ? `${opt.len}` : opt.min !== undefined ? `at least ${opt.min}` : "";
  const what = `an array of ${count ? count + " " : ""}${opt.positive ? "positive " : ""}finite numbers${opt.note ?? ""}`;
  const ok =
    Array.isArray(v) &&
    v.every((u) => isNum(u) && (!opt.positive || u > 0)) &&
    (opt.len === undefined || v.length === opt.len) &&
    v.length >= (opt.min ?? 1);
  if (!ok) bad(where, field, what, v);
  return [...(v as number[])];
}

/** A non-empty array of points, all of the dimension of the first. */
function points(v: unknown, field: string, where: string): number[][] {
  if (!Array.isArray(v) || v.length === 0) bad(where, field, "a non-empty array of points (arrays of finite numbers)", v);
  const first = numbers(v[0], `${field}[0]`, where);
  const note = ` (the dimension of ${field}[0])`;
  return v.map((p, i) => (i === 0 ? first : numbers(p, `${field}[${i}]`, where, { len: first.length, note })));
}

/**
 * Weights given explicitly must be positive and sum to 1 within 1e−6 (a wrong sum is more
 * likely a typo than an intent); they are then renormalised so they sum to 1 in floating point.
 */
function weightsOf(v: unknown, count: number, where: string): number[] {
  const ok =
    Array.isArray(v) &&
    v.length === count &&
    v.every((u) => isNum(u) && u > 0) &&
    Math.abs(v.reduce((s: number, u: number) => s + u, 0) - 1) <= 1e-6;
  if (!ok) bad(where, "weights", `an array of ${count} positive finite numbers summing to 1 (±1e-6)`, v);
  return normalise(v as number[]);
}

function segmentsOf(v: unknown, where: string): number[][][] {
  if (!Array.isArray(v) || v.length === 0) bad(where, "segments", "a non-empty array of segments [[a…], [b…]]", v);
  let dim = 0;
  return v.map((s, i) => {
    const field = `segments[${i}]`;
    const what = "a pair of distinct points [[a…], [b…]]";
    if (!Array.isArray(s) || s.length !== 2) bad(where, field, what, s);
    const A = numbers(s[0], `${field}[0]`, where, dim ? { len: dim, note: " (the dimension of segments[0])" } : {});
    const B = numbers(s[1], `${field}[1]`, where, { len: A.length, note: ` (the dimension of ${field}[0])` });
    if (A.every((u, k) => u === B[k])) bad(where, field, what, s);
    dim = A.length;
    return [A, B];
  });
}

const KINDS = "discrete, circle, sphere, segments or balls";

/**
 * Builds a mixture from a JSON spec (see `MixtureSpec`; "type" is accepted for "kind", a
 * spec with "means" and no kind is discrete, "notes" and other extra fields are ignored,
 * "dim" is checked when present). Errors are one line, prefixed by `where`.
 */
export function mixtureFromSpec(spec: unknown, where = "spec"): Mixture {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new Error(`${where}: expected a JSON object, got ${show(spec)}`);
  }
  const s = spec as Record<string, unknown>;
  if (s.kind !== undefined && s.type !== undefined && s.kind !== s.type) {
    throw new Error(`${where}: "kind" ${show(s.kind)} and "type" ${show(s.type)} disagree`);
  }
  const kind = s.kind ?? s.type ?? (s.means !== undefined ? "discrete" : undefined);
  let m: Mixture;
  switch (kind) {
    case "discrete":
      m = new GaussianMixture(s.weights as number[], s.means as number[][], where);
      break;
    case "circle":
      m = new SphereMixture(numbers(s.center, "center", where, { len: 2 }), s.radius as number, where);
      break;
    case "sphere":
      m = new SphereMixture(s.center as number[], s.radius as number, where);
      break;
    case "segments":
      m = new SegmentsMixture(s.segments as number[][][], s.weights as number[] | undefined, where);
      break;
    case "balls":
      m = new BallsMixture(s.centers as number[][], s.radii as number[], s.weights as number[] | undefined, where);
      break;
    case undefined:
      throw new Error(`${where}: missing "kind" (one of ${KINDS})`);
    default:
      throw new Error(`${where}: unknown "${s.kind !== undefined ? "kind" : "type"}" ${show(kind)}: expected ${KINDS}`);
  }
  if (s.dim !== undefined && s.dim !== m.dim) bad(where, "dim", `the dimension of the points (${m.dim})`, s.dim);
  return m;
}

/** Named instances: the public benchmarks (../shared/benchmarks/instances.json) and a few more. */
export const presets: Record<string, MixtureSpec> = {
  blobs2d: {
    kind: "discrete",
    dim: 2,
    weights: [0.3, 0.25, 0.2, 0.15, 0.1],
    means: [[-6, -4], [0, 5], [5, -1], [-1, -1], [7, 6]],
  },
  ring: { kind: "circle", dim: 2, center: [0, 0], radius: 5 },
  x: {
    kind: "segments",
    dim: 2,
    segments: [[[-5, -5], [5, 5]], [[-5, 5], [5, -5]]],
    weights: [0.5, 0.5],
  },
  // k = 5 in 10-D: seeded normals (sd 1.6) rounded to 0.1; closest pair 4.8 apart.
  mix10d: {
    kind: "discrete",
    dim: 10,
    weights: [0.3, 0.25, 0.2, 0.15, 0.1],
    means: [
      [-0.2, 0.9, -1.8, -0.6, 2.6, 0, -1.9, -1.2, 0.4, -1.1],
      [-3.2, 1, 1.6, -0.3, 0.6, 0.8, 2.7, -0.7, -1.7, -0.8],
      [3, -0.3, 1.3, 0.8, -1, 0.8, 1.7, 0.5, 0.8, 1],
      [-2.9, -0.5, -2.5, 0.9, 0.3, -1.1, 0, -1.1, -3.5, 1.6],
      [-0.6, 0.4, 0.5, -1.4, -1, 2.8, 0.9, 0.4, -0.3, -1.5],
    ],
  },
  "pair-close": { kind: "discrete", dim: 2, weights: [0.5, 0.5], means: [[-1.25, 0], [1.25, 0]] },
  grid9: {
    kind: "discrete",
    dim: 2,
    weights: Array(9).fill(1 / 9),
    means: [[-5, -5], [-5, 0], [-5, 5], [0, -5], [0, 0], [0, 5], [5, -5], [5, 0], [5, 5]],
  },
  balls: {
    kind: "balls",
    dim: 2,
    centers: [[-5, 0], [4, 3], [3, -5]],
    radii: [1.5, 1.5, 1.5],
    weights: [0.4, 0.3, 0.3],
  },
  sphere3: { kind: "sphere", dim: 3, center: [0, 0, 0], radius: 3 },
  mix8d: {
    kind: "discrete",
    dim: 8,
    weights: [0.3, 0.2, 0.2, 0.15, 0.15],
    means: [
      [-0.612, -0.418, 1.535, 2.277, -2.317, 0.119, 3.073, 1.444],
      [-3.085, 2.008, -1.111, -1.704, 0.718, 0.154, -0.613, 2.529],
      [1.95, -0.626, 0.567, -2.765, -0.698, 1.991, 2.119, 1.974],
      [1.771, -0.147, -1.696, 2.254, 2.381, -2.237, -1.265, -1.268],
      [-1.246, -0.953, -1.934, -1.091, 1.545, 3.059, -1.797, 1.623],
    ],
  },
};
