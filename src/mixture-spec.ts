/** Mixtures from JSON specs (the forms of `MixtureSpec`), validated with one-line messages. */
import { BallsMixture, GaussianMixture, SegmentsMixture, SphereMixture, type Mixture } from "./mixture.ts";
import { bad, numbers } from "./checks.ts";
import { show } from "./options.ts";

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

/** The mixture moved by v: every atom, centre or end point plus v. */
export function translated(m: Mixture, v: number[]): Mixture {
  const s = m.toSpec(), add = (p: number[]) => p.map((x, i) => x + v[i]);
  switch (s.kind) {
    case "discrete": return mixtureFromSpec({ ...s, means: s.means.map(add) });
    case "circle":
    case "sphere": return mixtureFromSpec({ ...s, center: add(s.center) });
    case "segments": return mixtureFromSpec({ ...s, segments: s.segments.map((seg) => seg.map(add)) });
    case "balls": return mixtureFromSpec({ ...s, centers: s.centers.map(add) });
  }
}
