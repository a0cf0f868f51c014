/**
 * Argument checks shared by the kernels of every computation version (src/compute/versions/*). They run once per
 * call, never per bar, and throw a RangeError before any output is written: a kernel can trust its loop bounds
 * (every output is at least as long as the input it is aligned with), and a bad call cannot leave a
 * half-overwritten array behind. Every message starts with the kernel's name.
 */

/** A window or period: an integer >= `min` (pandas and TA-Lib refuse anything else, and so do we). */
export function checkPeriod(kernel: string, period: number, min = 1, name = 'period'): void {
  if (!Number.isInteger(period) || period < min) {
    throw new RangeError(`${kernel}: ${name} must be an integer >= ${min}, got ${period}`);
  }
}

/** EWM span: pandas accepts any real span >= 1 (span 1 means alpha = 1, i.e. the input itself). */
export function checkSpan(kernel: string, span: number, name = 'span'): void {
  if (!(span >= 1) || !Number.isFinite(span)) {
    throw new RangeError(`${kernel}: ${name} must be a finite number >= 1, got ${span}`);
  }
}

/** Outputs and scratch buffers are caller-owned; they must hold at least one value per input bar. */
export function checkOutput(kernel: string, name: string, out: Float64Array, length: number): void {
  if (out.length < length) {
    throw new RangeError(`${kernel}: output ${name} has length ${out.length}, needs at least ${length}`);
  }
}

/** Inputs that are read bar by bar together (high, low, close) must be aligned. */
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

/** The checks of a kernel from one input series and a period to one output (sma, ema, rsi): all of the above. */
export function checkSeriesKernel(
  kernel: string,
  input: Float64Array,
  period: number,
  out: Float64Array,
  inputName = 'input',
): void {
  checkPeriod(kernel, period);
  checkOutput(kernel, 'out', out, input.length);
  checkDistinct(kernel, [input, out], [inputName, 'out']);
}
