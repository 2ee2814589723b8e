/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal and the user did
 * not ask for --quiet. Never touches stdout (it may carry the data).
 *
 *   fit  [███████▌            ] 15/40 levels  t=0.31  ETA 4s
 *
 * When stderr is not a terminal (a log, a pipe), long work still says so: a plain line every
 * LOG_EVERY ms once it has run that long (short runs print nothing extra).
 *
 *   progress: select 12/13 configurations  whiten covariance gates σ₀=0.25 … (1m00s)
 */
export interface Stream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const WIDTH = 24;
const LOG_EVERY = 30_000;
const BLOCKS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

export function bar(fraction: number, width = WIDTH): string {
  const f = Math.max(0, Math.min(1, fraction)) * width;
  const full = Math.floor(f), part = Math.floor((f - full) * 8);
  return ("█".repeat(full) + (full < width ? BLOCKS[part] : "")).padEnd(width, " ");
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export class Progress {
  private readonly on: boolean;
  private readonly log: boolean;
  private phase = "";
  private phaseStart = 0;
  private last = 0;
  private drawn = false;
  private readonly start: number;
  private logged: number;

  constructor(private readonly err: Stream, quiet: boolean, private readonly now: () => number = () => performance.now()) {
    this.on = !quiet && err.isTTY === true;
    this.log = !quiet && err.isTTY !== true;
    this.start = this.logged = now();
  }

  /** Report `done` of `total` units in `phase` (a new phase restarts the ETA clock). */
  update(phase: string, done: number, total: number, unit: string, note = ""): void {
    if (this.log) {
      const t = this.now();
      if (t - this.logged >= LOG_EVERY) {
        this.logged = t;
        this.err.write(`progress: ${phase} ${done}/${total} ${unit}${note ? `  ${note}` : ""} (${duration(t - this.start)})\n`);
      }
      return;
    }
    if (!this.on) return;
    const t = this.now();
    if (phase !== this.phase) {
      this.phase = phase;
      this.phaseStart = t;
      this.last = -Infinity;
    }
    if (done < total && t - this.last < 100) return; // at most ten redraws a second
    this.last = t;
    const elapsed = t - this.phaseStart;
    const eta = done > 0 && done < total ? `  ETA ${duration((elapsed / done) * (total - done))}` : "";
    let line = `${phase.padEnd(6)} [${bar(done / total)}] ${done}/${total} ${unit}${note ? `  ${note}` : ""}${eta}`;
    const cols = (this.err.columns ?? 0) > 20 ? this.err.columns! : 80; // a pseudo-terminal may report 0
    if (line.length > cols - 1) line = line.slice(0, cols - 1);
    this.err.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  /** Erase the bar (before printing anything else on stderr). */
  clear(): void {
    if (this.drawn) this.err.write("\r\x1b[K");
    this.drawn = false;
  }
}
