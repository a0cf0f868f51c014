import { assertCapacity, assertWindow } from './args.js';

/**
 * Rolling mean, computation version 1.0: pandas 1.5 `Series.rolling(window).mean()` (min_periods = window),
 * reproduced operation for operation so that the results agree to the last bit, edge cases included.
 *
 * Why not a plain running sum:
 * - Kahan compensation. pandas keeps the window sum with Kahan's compensated summation, using one compensation
 *   term for values entering the window and a separate one for values leaving it. A plain running sum drifts by
 *   a few ulps of the largest value seen so far; around a price of 50,000 that shows in the 12th digit and never
 *   agrees with pandas' last bits.
 * - Identical runs (pandas GH#42064). pandas counts how many consecutive observations equal the latest one; when
 *   that run covers the whole window the result is that value itself, not sum / n. Without the rule a flat
 *   stretch of zero losses averages to 1e-17 instead of 0, and legacy RSI reads 99.99... instead of 100 (or a
 *   number instead of NaN for 0/0).
 * - Sign clamps. If no observation in the window has its sign bit set and rounding residue made the mean
 *   negative, pandas returns 0; likewise 0 for a positive mean of observations that all have the sign bit set.
 *   It is the sign bit that counts, so -0.0 is "negative" (legacy RSI losses are full of -0.0: -(0.0)).
 * - Missing values. NaN and ±Infinity (pandas turns inf into NaN before any window function) are not
 *   observations; a window holding fewer than `window` observations gives NaN.
 *
 * pandas counts the sign-bit values in the window (add on entry, subtract on exit). Here the same two questions
 * ("none in the window?", "all of them?") are answered from the index of the latest observation of each sign,
 * which costs nothing when a value leaves the window. `rsi.ts` and `bollinger.ts` inline this same step for
 * speed; their tests compare them with this kernel bit for bit, so keep the three in step.
 *
 * Speed: the two Kahan compensations are chains of four dependent additions per bar, about 2.6 ms per million
 * bars on their own on the reference machine; that, not the bookkeeping, is the price of pandas' exact bits.
 *
 * O(n), one pass, no allocation. Writes out[0..n) and returns `out`; `out` must not alias `input`.
 */
export function rollingMean(input: Float64Array, window: number, out: Float64Array): Float64Array {
  assertWindow('window', window);
  assertCapacity('out', out, input.length);
  rollingMeanLoop(input, window, out, input.length);
  return out;
}

/**
 * The loop over input[0..n), without argument checks (for the kernels of this folder; callers outside use
 * `rollingMean`). It is written for V8's optimising compiler, whose failure modes here cost 3x (measured):
 * - Nothing with type feedback runs before the loop, and nothing runs only in its first iterations (such as a
 *   warm-up branch with its own operations). V8 optimises a long first call in the middle of its loop, then
 *   compiles the function afresh for the next call; code that ran only before the feedback existed has none,
 *   the fresh code deoptimises on it at once, and from then on every call runs the slower mid-loop version.
 *   That includes reading `NaN`, which is a global variable, not a literal.
 * - Floating-point state starts from a numeric literal, so V8 keeps it in registers instead of boxing it.
 * - Argument checks live in the exported wrapper, which is cheap and called once per series.
 * The other kernels of this folder follow the same rules.
 */
export function rollingMeanLoop(input: Float64Array, window: number, out: Float64Array, n: number): void {
  let sum = 0;
  let addComp = 0; // Kahan compensation of the values added
  let removeComp = 0; // ... and, separately, of the values removed (as pandas does)
  let nobs = 0; // observations (finite values) in the window
  let run = 0; // length of the run of identical observations ending at the latest one
  let latest = 0; // the latest observation (its initial value never matters: run starts at 0)
  let lastNegative = -1; // index of the latest observation with the sign bit set
  let lastPositive = -1; // index of the latest observation with the sign bit clear

  for (let i = 0; i < n; i++) {
    if (i >= window) {
      const old = input[i - window]; // the value leaving the window
      if (old - old === 0) {
        nobs--;
        const y = -old - removeComp;
        const t = sum + y;
        removeComp = t - sum - y;
        sum = t;
      }
    }

    const v = input[i];
    if (v - v === 0) {
      nobs++;
      const y = v - addComp;
      const t = sum + y;
      addComp = t - sum - y;
      sum = t;
      if (v < 0 || Object.is(v, -0)) lastNegative = i;
      else lastPositive = i;
      run = run * +(v === latest) + 1; // +(boolean) compiles without a branch
      latest = v;
    }

    let mean = NaN;
    if (nobs >= window) {
      if (run >= nobs) {
        mean = latest;
      } else {
        mean = sum / nobs;
        const start = i - window + 1;
        if ((mean > 0 && lastPositive < start) || (mean < 0 && lastNegative < start)) mean = 0;
      }
    }
    out[i] = mean;
  }
}
