import { assertCapacity, assertWindow } from './args.js';

/**
 * Rolling standard deviation, computation version 1.0: pandas 1.5 `Series.rolling(window).std()` (ddof = 1,
 * min_periods = window), reproduced operation for operation.
 *
 * pandas keeps an online (Welford) mean and sum of squared deviations, updated as each value enters and leaves
 * the window, with Kahan compensation of the mean (one term for entries, one for exits). We keep exactly that
 * state, in that order, because the textbook alternatives give different last bits: the sum-of-squares form
 * cancels catastrophically around 50,000 with cent-sized moves, and a two-pass form is exact but not what the
 * legacy numbers are. Two pandas rules decide exact values:
 * - Identical runs (GH#42064): if the run of identical consecutive observations covers the window, the variance
 *   is exactly 0 (a flat stretch gives a Bollinger band of width 0, not 1e-9).
 * - zsqrt: a variance that rounding made negative gives 0, not NaN.
 * NaN and ±Infinity are not observations (pandas turns inf into NaN first); fewer than `window` observations
 * (or fewer than 2) give NaN, so `window` = 1 is NaN everywhere, as in pandas.
 *
 * Speed: each bar moves the mean twice (a value leaves, one enters), each time through a division that the
 * next step waits for; two dependent divisions per bar put a floor of roughly 12 ms per million bars under any
 * bit-exact version. (A reciprocal multiplication would be faster and differ in the last bit.)
 *
 * O(n), one pass, no allocation. Writes out[0..n) and returns `out`; `out` must not alias `input`.
 * `bollinger.ts` inlines this same step next to the mean; its tests compare it with this kernel bit for bit.
 */
export function rollingStd(input: Float64Array, window: number, out: Float64Array): Float64Array {
  assertWindow('window', window);
  assertCapacity('out', out, input.length);
  rollingStdLoop(input, window, out, input.length);
  return out;
}

/** Kept apart from the checks, and written, for V8's sake: see rollingMeanLoop in rolling-mean.ts. */
function rollingStdLoop(input: Float64Array, window: number, out: Float64Array, n: number): void {
  let mean = 0;
  let ssq = 0; // sum of squared deviations from the mean
  let addComp = 0; // Kahan compensation of the mean, for entries
  let removeComp = 0; // ... and for exits
  let nobs = 0;
  let run = 0;
  let latest = 0; // never read before the first observation (run starts at 0)

  for (let i = 0; i < n; i++) {
    if (i >= window) {
      const old = input[i - window];
      if (old - old === 0) {
        nobs--;
        if (nobs > 0) {
          const prevMean = mean - removeComp;
          const y = old - removeComp;
          const t = y - mean;
          removeComp = t + mean - y;
          mean = mean - t / nobs;
          ssq = ssq - (old - prevMean) * (old - mean);
        } else {
          mean = 0;
          ssq = 0;
        }
      }
    }

    const v = input[i];
    if (v - v === 0) {
      nobs++;
      run = run * +(v === latest) + 1; // +(boolean) compiles without a branch
      latest = v;
      const prevMean = mean - addComp;
      const y = v - addComp;
      const t = y - mean;
      addComp = t + mean - y;
      mean = mean + t / nobs;
      ssq = ssq + (v - prevMean) * (v - mean);
    }

    let sd = NaN;
    if (nobs >= window && nobs > 1) {
      if (run >= nobs) {
        sd = 0;
      } else {
        const variance = ssq / (nobs - 1);
        sd = variance < 0 ? 0 : Math.sqrt(variance);
      }
    }
    out[i] = sd;
  }
}
