/**
 * The sufficient statistics of one level's normal equations over one chunk of rows: the fit
 * adds the chunks' statistics in chunk order (they are sums), so a chunk can be computed on
 * any thread. Within a chunk, rows go through the kernels in 256-row blocks: OU noise, gates,
 * design block, Gram; the Gram of consecutive blocks with the same active groups is summed
 * in place and handed out as one record when the active set changes.
 */
import { createKernels, type Backend } from "./kernels/index.ts";
import { multiIndexTable } from "./basis.ts";
import { packedLength, shapeOf, workSize, type Regions, type Shape } from "./level.ts";
import { streamState } from "./random.ts";
import { CHUNK_ROWS as CHUNK } from "./threads/pool.ts";

export const BLOCK = 256;
const LD = BLOCK + 8; // a power-of-two column stride aliases cache sets (perf-notes.md)
// CHUNK is a multiple of BLOCK: chunks start on block boundaries, as do the noise streams.

export interface FitSpec {
  x0: Float64Array; // m×n rows, ordered by micro-cluster (regions.ts, sortByCluster)
  m: number;
  regions: Regions;
  degree: number;
  seed: number;
  backend: Backend;
}

export interface LevelParams {
  level: Float64Array; // the packed level (src/level.ts) with its clip box
  l: number; // the level's index: names the noise streams
  a: number;
  sigma: number;
}

/** Gram of [1, x0, cbar, γ_g φ_f for the active groups] over consecutive rows (cols × cols, upper). */
export interface GramRecord {
  active: Int32Array;
  gc: Float64Array;
}

export interface ChunkStats {
  records: GramRecord[];
  dsum: Float64Array; // Σ γ_g ∂φ_f/∂u_j clip_j, [(foff_g + f)*rmax + j]
}

export function chunkContext(spec: FitSpec) {
  const shape = shapeOf(spec.regions, spec.degree);
  const { G, n, rmax, features: P } = shape;
  const table = multiIndexTable(rmax, shape.D);
  const kernels = createKernels(spec.backend);
  const maxCols = 1 + 2 * n + P;
  const A = kernels.arena({
    x0: ["f64", CHUNK * n], xt: ["f64", BLOCK * n], gamma: ["f64", BLOCK * G], cbar: ["f64", BLOCK * n],
    phi: ["f64", LD * maxCols], gc: ["f64", maxCols * maxCols], dsum: ["f64", Math.max(1, P * rmax)],
    level: ["f64", packedLength(shape)], table: ["i32", table.length], active: ["i32", G], work: ["f64", workSize(shape)],
    state: ["u32", 4],
  });
  A.table.set(table);
  return { spec, shape, kernels, A, maxCols };
}
export type ChunkContext = ReturnType<typeof chunkContext>;

export function chunkStats(ctx: ChunkContext, p: LevelParams, c: number): ChunkStats {
  const { spec, shape, kernels, A, maxCols } = ctx;
  const { G, n } = shape;
  const start = c * CHUNK, end = Math.min(spec.m, start + CHUNK);
  A.level.set(p.level);
  A.x0.set(spec.x0.subarray(start * n, end * n));
  A.dsum.fill(0);
  const records: GramRecord[] = [];
  let current: number[] = [];
  const flush = () => {
    if (current.length === 0) return;
    const cols = 1 + 2 * n + current.reduce((s, g) => s + shape.p[g], 0);
    const gc = new Float64Array(cols * cols);
    for (let i = 0; i < cols; i++) gc.set(A.gc.subarray(i * maxCols + i, i * maxCols + cols), i * cols + i);
    records.push({ active: Int32Array.from(current), gc });
  };
  for (let s = start; s < end; s += BLOCK) {
    const b = Math.min(BLOCK, end - s);
    const x0 = A.x0.subarray((s - start) * n);
    A.state.set(streamState(spec.seed, "fit-noise", p.l, s / BLOCK));
    kernels.ouNoise(b * n, x0, p.a, p.sigma, A.state, A.xt);
    kernels.gates(b, A.xt, A.level, A.gamma, A.cbar);
    const active: number[] = [];
    for (let g = 0; g < G; g++) {
      for (let k = 0; k < b; k++) {
        if (A.gamma[k * G + g] > 0) {
          active.push(g);
          break;
        }
      }
    }
    if (active.length !== current.length || active.some((g, k) => g !== current[k])) {
      flush();
      current = active;
      A.gc.fill(0);
    }
    A.active.set(active);
    kernels.designBlock(b, x0, A.xt, A.gamma, A.cbar, A.level, A.table, A.active, active.length, A.phi, LD, A.dsum, A.work);
    const cols = 1 + 2 * n + active.reduce((sum, g) => sum + shape.p[g], 0);
    kernels.gramAccumulate(b, cols, A.phi, LD, A.gc, maxCols);
  }
  flush();
  return { records, dsum: A.dsum.slice() };
}

/** The level's totals: S (scalar-feature Gram, P×P upper), Rx, Rc (P×n), csum (P), dsum. */
export class LevelSums {
  readonly S: Float64Array;
  readonly Rx: Float64Array;
  readonly Rc: Float64Array;
  readonly csum: Float64Array;
  readonly dsum: Float64Array;

  constructor(private readonly shape: Shape) {
    const { features: P, n, rmax } = shape;
    this.S = new Float64Array(P * P);
    this.Rx = new Float64Array(P * n);
    this.Rc = new Float64Array(P * n);
    this.csum = new Float64Array(P);
    this.dsum = new Float64Array(Math.max(1, P * rmax));
  }

  clear(): void {
    for (const a of [this.S, this.Rx, this.Rc, this.csum, this.dsum]) a.fill(0);
  }

  add(stats: ChunkStats): void {
    const { shape, S, Rx, Rc, csum } = this;
    const { n, features: P } = shape;
    for (const { active, gc } of stats.records) {
      const glob: number[] = [];
      for (const g of active) for (let f = 0; f < shape.p[g]; f++) glob.push(shape.featureOffset[g] + f);
      const base = 1 + 2 * n, cols = base + glob.length;
      for (let c2 = 0; c2 < glob.length; c2++) {
        const F2 = glob[c2], col = base + c2;
        csum[F2] += gc[col];
        for (let i = 0; i < n; i++) {
          Rx[F2 * n + i] += gc[(1 + i) * cols + col];
          Rc[F2 * n + i] += gc[(1 + n + i) * cols + col];
        }
        for (let c1 = 0; c1 <= c2; c1++) S[glob[c1] * P + F2] += gc[(base + c1) * cols + col];
      }
    }
    for (let k = 0; k < stats.dsum.length; k++) this.dsum[k] += stats.dsum[k];
  }

  /** Mirror S's upper triangle into the lower. */
  symmetrise(): void {
    const { S } = this, P = this.shape.features;
    for (let F1 = 0; F1 < P; F1++) for (let F2 = F1 + 1; F2 < P; F2++) S[F2 * P + F1] = S[F1 * P + F2];
  }
}
