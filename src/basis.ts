/**
 * Multi-indices of the Hermite product basis. One table for (rmax, D) serves every group:
 * rows are ordered by (last nonzero coordinate, total degree, lexicographic), so the first
 * p(r) rows are exactly the multi-indices supported on the first r coordinates.
 */

export function basisSize(r: number, D: number): number {
  let p = 1; // C(r + D, D)
  for (let i = 1; i <= r; i++) p = (p * (D + i)) / i;
  return Math.round(p);
}

export function multiIndexTable(rmax: number, D: number): Int32Array {
  const all: number[][] = [];
  const rec = (prefix: number[], left: number) => {
    if (prefix.length === rmax) return void all.push(prefix.slice());
    for (let k = 0; k <= left; k++) rec([...prefix, k], left - k);
  };
  rec([], D);
  const last = (a: number[]) => a.reduce((l, v, i) => (v > 0 ? i : l), -1);
  const deg = (a: number[]) => a.reduce((s, v) => s + v, 0);
  all.sort((x, y) => last(x) - last(y) || deg(x) - deg(y) || cmpLex(x, y));
  const table = new Int32Array(Math.max(all.length * rmax, 1));
  all.forEach((a, f) => a.forEach((v, j) => (table[f * rmax + j] = v)));
  return table;
}

function cmpLex(x: number[], y: number[]): number {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return y[i] - x[i];
  return 0;
}
