/**
 * Argument checks shared by the version 2.0 kernels. They run once per call, never per bar, so a kernel
 * can trust its loop bounds: every output is at least as long as the input it is aligned with.
 */

export function checkPeriod(kernel: string, period: number, min = 1): void {
  if (!Number.isInteger(period) || period < min) {
    throw new RangeError(`${kernel}: period must be an integer >= ${min}, got ${period}`);
  }
}

export function checkOutput(kernel: string, name: string, out: Float64Array, length: number): void {
  if (out.length < length) {
    throw new RangeError(`${kernel}: output ${name} has length ${out.length}, needs at least ${length}`);
  }
}

export function checkSameLength(kernel: string, a: Float64Array, b: Float64Array, names: string): void {
  if (a.length !== b.length) {
    throw new RangeError(`${kernel}: inputs ${names} differ in length (${a.length} vs ${b.length})`);
  }
}

/**
 * Kernels read inputs after writing earlier outputs (a window's leaving bar, a previous close), so an
 * output that shares memory with an input, or with another output, would corrupt the result silently.
 * `arrays[i]` is named `names[i]`; undefined entries (optional outputs) are skipped.
 */
export function checkDistinct(
  kernel: string,
  arrays: readonly (Float64Array | undefined)[],
  names: readonly string[],
): void {
  for (let a = 0; a < arrays.length; a++) {
    const x = arrays[a];
    if (x === undefined || x.length === 0) continue;
    for (let b = a + 1; b < arrays.length; b++) {
      const y = arrays[b];
      if (y === undefined || y.length === 0 || x.buffer !== y.buffer) continue;
      if (x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength) {
        throw new RangeError(`${kernel}: ${names[a]} and ${names[b]} share memory`);
      }
    }
  }
}
