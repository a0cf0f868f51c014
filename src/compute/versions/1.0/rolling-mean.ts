import { checkOutput, checkPeriod } from '../../kernel-guards.js';

/**
 * Rolling mean, computation version 1.0: pandas 1.5 `Series.rolling(window).mean()` (min_periods = window):
 * pandas' rules exactly where they decide a value, pandas' arithmetic to within about 1e-12 relative.
 *
 * The rules kept exactly (they decide values that reports compare, not just digits):
 * - Identical runs (pandas GH#42064): when every value of the window equals the latest one, the mean is that
 *   value itself, not sum / n. So a flat stretch averages to exactly its price (the close is not "above its
 *   SMA" by rounding), and a window of zero losses to exactly 0 (RSI 1.0 reads 100, or NaN for 0/0).
 * - Missing values: NaN and ±Infinity (pandas turns inf into NaN before any window function) are not
 *   observations, and a window short of `window` observations gives NaN.
 *
 * The arithmetic. pandas keeps the window sum with Kahan-compensated additions. Repeating them operation for
 * operation gives pandas' last bits, but it costs four times the time budget (docs/benchmarks.md,
 * "Measurements behind design choices"; that kernel is in the history of this file). This kernel keeps a plain running
 * sum and bounds its error: each update `sum += entering - leaving` rounds twice, by at most eps (|entering - leaving|
 * + |sum|); `drift` accumulates those magnitudes, and as soon as eps x drift could exceed 2^-40 |sum| the window is
 * summed afresh (O(window)). So the mean of non-negative values (prices, volumes, gains, losses, true ranges) is within
 * about 1e-12 relative of the exact mean whatever the history (a spike leaving the window, a price that fell
 * 10,000-fold); with mixed signs the error is at most window x eps of the mean magnitude, as for any plain sum.
 * On ordinary prices the re-summation happens every few thousand bars.
 * Where pandas keeps its last bits it is within a few ulps of the exact mean as well, so the two agree to
 * ~1e-12; where pandas' own sum loses the answer (after a spike of 1e16 leaves a window of values near 1, its
 * Kahan residue outweighs the window and it reports 0), this kernel gives the exact mean. The tests compare with
 * pandas at 1e-9 relative, and with exact summation where pandas is off.
 *
 * pandas also clamps a mean whose sign contradicts the sign bit of every observation to 0. Under the bound the
 * computed sum has the sign of the exact sum whenever that is not zero, and a window of zeros is an identical
 * run, so the clamp cannot apply and is not tracked.
 *
 * O(n), one pass (plus the rare re-summations), no allocation. Writes out[0..n) and returns `out`; `out` must
 * not alias `input`.
 */
export function rollingMean(input: Float64Array, window: number, out: Float64Array): Float64Array {
  checkPeriod('rollingMean', window, 1, 'window');
  checkOutput('rollingMean', 'out', out, input.length);
  rollingMeanLoop(input, window, out, input.length);
  return out;
}

/**
 * The kernel over input[0..n), without argument checks (for the kernels of this folder; callers outside use
 * `rollingMean`). `slideWindow` does the bulk, eight bars at a time; `exactWindowMean` answers the warm-up, the
 * first full window, the last few bars, and every bar of a window under 9 bars (as cheap from scratch).
 */
export function rollingMeanLoop(input: Float64Array, window: number, out: Float64Array, n: number): void {
  const first = window - 1; // the first bar with a full window
  const exactUpTo = window < 9 ? n - 1 : first;
  for (let i = 0; i < n && i <= exactUpTo; i++) out[i] = exactWindowMean(input, window, i);
  if (exactUpTo + 1 >= n) return;
  const end = first + 1 + ((n - first - 1) & ~7); // slideWindow covers [first + 1, end)
  let sum = 0;
  let magnitude = 0;
  for (let j = 0; j < window; j++) {
    sum += input[j];
    magnitude += Math.abs(input[j]);
  }
  slideWindow(input, window, out, first + 1, end, sum, window * magnitude, input[first]);
  for (let i = end; i < n; i++) out[i] = exactWindowMean(input, window, i);
}

/**
 * Slides the window over bars [from, to), a multiple of eight apart, from the sum of the window ending at bar
 * from - 1, the bound on its error (`drift`, in units of eps) and that bar's value. A group of eight goes to
 * `exactWindowMean` when its first bar repeats the one before (with window >= 9 every window ending in the group
 * holds both bars, so none can be flat otherwise) or when the error bound fails (a NaN or ±Infinity makes it
 * fail too).
 *
 * Written for V8's optimising compiler, whose failure modes here cost 1.5-5x (measured):
 * - The function is the loop and nothing else. V8 optimises a long first call in the middle of its loop; the
 *   code it compiles afresh for later calls has no type feedback for whatever ran before the loop in that first
 *   call or after it, and deoptimises there on every call.
 * - Loop state that starts as a parameter stays a boxed number, so it starts from arithmetic on the parameter.
 * - The bound's constant (eps / tolerance = 2^-53 / 2^-40 = 2^-13) is a literal, kept in a register.
 * - The exact path must have run before V8 compiles the loop, or the compiled loop handles it badly for good:
 *   see primeTypeFeedback at the end of this file.
 */
function slideWindow(
  input: Float64Array,
  window: number,
  out: Float64Array,
  from: number,
  to: number,
  initialSum: number,
  initialDrift: number,
  initialPrev: number,
): void {
  let sum = initialSum * 1;
  let drift = initialDrift * 1;
  let prev = initialPrev * 1;
  // pandas divides by the count; multiplying by its reciprocal is within an ulp of that, and cheaper.
  const inverse = 1 / window;
  for (let i = from; i < to; i += 8) {
    const v0 = input[i];
    const c0 = v0 - input[i - window];
    const c1 = input[i + 1] - input[i + 1 - window];
    const c2 = input[i + 2] - input[i + 2 - window];
    const c3 = input[i + 3] - input[i + 3 - window];
    const c4 = input[i + 4] - input[i + 4 - window];
    const c5 = input[i + 5] - input[i + 5 - window];
    const c6 = input[i + 6] - input[i + 6 - window];
    const v7 = input[i + 7];
    const c7 = v7 - input[i + 7 - window];
    const s0 = sum + c0;
    const s1 = s0 + c1;
    const s2 = s1 + c2;
    const s3 = s2 + c3;
    const s4 = s3 + c4;
    const s5 = s4 + c5;
    const s6 = s5 + c6;
    const s7 = s6 + c7;
    // Each update rounds twice, by at most eps (|c| + |s|). Over the eight: |s_k| <= |s7| + t with
    // t = |c1| + ... + |c7| (s_k = s7 - c_k+1 - ... - c7), so they add at most 8 (|s7| + t) + |c0|.
    const t = Math.abs(c1) + Math.abs(c2) + Math.abs(c3) + Math.abs(c4) + Math.abs(c5) + Math.abs(c6) + Math.abs(c7);
    const a = Math.abs(s7);
    drift += 8 * (a + t) + Math.abs(c0);
    out[i] = s0 * inverse;
    out[i + 1] = s1 * inverse;
    out[i + 2] = s2 * inverse;
    out[i + 3] = s3 * inverse;
    out[i + 4] = s4 * inverse;
    out[i + 5] = s5 * inverse;
    out[i + 6] = s6 * inverse;
    out[i + 7] = s7 * inverse;
    sum = s7;
    // The bound must hold for the smallest of the eight sums, and |s_k| >= |s7| - t. Written as !(... >= 0)
    // so that NaN (and Infinity - Infinity) fails it too.
    if (v0 === prev || !(a - t - drift * 0.0001220703125 >= 0)) {
      for (let k = i; k < i + 8; k++) out[k] = exactWindowMean(input, window, k);
      sum = 0;
      drift = 0;
      for (let j = i + 8 - window; j < i + 8; j++) {
        sum += input[j];
        drift += Math.abs(input[j]);
      }
      drift *= window;
    }
    prev = v7;
  }
}

/**
 * The mean of the window ending at bar i by pandas' rules, from scratch, O(window): NaN during warm-up or when
 * the window holds NaN or ±Infinity; the value itself when every value of the window equals it (the
 * identical-run rule); else the sum over the window / window. That plain sum is off by at most
 * (window - 1) eps x (sum of magnitudes), the `drift` the loop starts again from.
 */
function exactWindowMean(input: Float64Array, window: number, i: number): number {
  if (i < window - 1) return Number.NaN;
  const v = input[i];
  let sum = 0;
  let finite = true;
  let flat = true;
  for (let j = i - window + 1; j <= i; j++) {
    const x = input[j];
    sum += x;
    finite = finite && x - x === 0;
    flat = flat && x === v;
  }
  if (!finite) return Number.NaN; // pandas: NaN and ±Infinity are missing, and the window is short of values
  if (flat) return v;
  if (sum - sum === 0) return sum / window;
  // Finite values whose sum overflows: their mean still exists.
  let mean = 0;
  for (let j = i - window + 1; j <= i; j++) mean += input[j] / window;
  return mean;
}

/**
 * V8 compiles `slideWindow` while the first long series is still in its loop. If the exact path (a flat
 * window) has not run by then, the compiled loop carries it badly for good, 1.4 times slower (docs/benchmarks.md,
 * "Measurements behind design choices"). Running the kernel at load time on a small series with flat stretches gives V8
 * that feedback first; it costs a few microseconds.
 */
function primeTypeFeedback(): void {
  const input = Float64Array.from({ length: 256 }, (_, i) => (i % 64 < 24 ? 1 : i));
  const out = new Float64Array(input.length);
  for (let round = 0; round < 8; round++) rollingMeanLoop(input, 20, out, input.length);
}
primeTypeFeedback();
