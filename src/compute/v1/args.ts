/**
 * Argument checks shared by the v1 kernels. They run once per call, never per bar, and throw before any output
 * is written, so a bad call cannot leave a half-overwritten array behind.
 */

/** A window or period: a positive integer (pandas refuses anything else, and so do we). */
export function assertWindow(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
}

/** EWM span: pandas accepts any real span >= 1 (span 1 means alpha = 1, i.e. the input itself). */
export function assertSpan(name: string, value: number): void {
  if (!(value >= 1) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number >= 1, got ${value}`);
  }
}

/** Outputs and scratch buffers are caller-owned; they must hold at least one value per input bar. */
export function assertCapacity(name: string, array: Float64Array, length: number): void {
  if (array.length < length) {
    throw new RangeError(`${name} has length ${array.length}, needs at least ${length}`);
  }
}

/** Inputs that are read bar by bar together (high, low, close) must be aligned. */
export function assertSameLength(name: string, array: Float64Array, length: number): void {
  if (array.length !== length) {
    throw new RangeError(`${name} has length ${array.length}, expected ${length} (inputs must be aligned)`);
  }
}
