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
 */
export function checkDistinct(kernel: string, arrays: Record<string, Float64Array | undefined>): void {
  const entries = Object.entries(arrays).filter((entry): entry is [string, Float64Array] => entry[1] !== undefined);
  for (let a = 0; a < entries.length; a++) {
    for (let b = a + 1; b < entries.length; b++) {
      const [nameA, x] = entries[a];
      const [nameB, y] = entries[b];
      if (x.buffer !== y.buffer) continue;
      const overlap = x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
      if (overlap && x.length > 0 && y.length > 0) {
        throw new RangeError(`${kernel}: ${nameA} and ${nameB} share memory`);
      }
    }
  }
}
