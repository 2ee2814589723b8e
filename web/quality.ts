/** Total variation between the histograms of two 2-D samples (cells of side `cell` through the origin). */
export function twoSampleTV(a: Float64Array, b: Float64Array, cell: number): number {
  const count = (x: Float64Array) => {
    const m = new Map<string, number>();
    const inv = 1 / (x.length / 2);
    for (let i = 0; i < x.length; i += 2) {
      const key = `${Math.floor(x[i] / cell)},${Math.floor(x[i + 1] / cell)}`;
      m.set(key, (m.get(key) ?? 0) + inv);
    }
    return m;
  };
  const p = count(a), q = count(b);
  let tv = 0;
  for (const [k, v] of p) tv += Math.abs(v - (q.get(k) ?? 0));
  for (const [k, v] of q) if (!p.has(k)) tv += v;
  return tv / 2;
}
