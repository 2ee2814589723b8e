/**
 * Element access into linear memory: arrays are raw pointers, indices count elements.
 * Every kernel reads and writes through these, so the address arithmetic lives in one place.
 */

// @ts-ignore: decorator
@inline export function getF64(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline export function setF64(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

// @ts-ignore: decorator
@inline export function addF64(p: usize, i: i32, v: f64): void {
  const q = p + (<usize>i << 3);
  store<f64>(q, load<f64>(q) + v);
}

// @ts-ignore: decorator
@inline export function getI32(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

/** A header field of a packed level (stored as f64) read as an integer. */
// @ts-ignore: decorator
@inline export function getInt(p: usize, i: i32): i32 {
  return <i32>load<f64>(p + (<usize>i << 3));
}
