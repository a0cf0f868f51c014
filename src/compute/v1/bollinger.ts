import { assertCapacity, assertWindow } from './args.js';

export interface BollingerOutput {
  upper: Float64Array;
  middle: Float64Array;
  lower: Float64Array;
}

/**
 * Bollinger bands, computation version 1.0 ("legacy"), as the existing Python system computes them:
 *   middle = close.rolling(period).mean(); sd = close.rolling(period).std()   (sample deviation, ddof = 1)
 *   upper = middle + sd * k; lower = middle - sd * k
 *
 * One pass keeps both pandas window states side by side: the Kahan-compensated sum of rolling-mean.ts and the
 * Kahan-compensated Welford mean / squared deviations of rolling-std.ts, each updated exactly as there, so
 * `middle` is bit-identical to `rollingMean` and the band width to `rollingStd` (the tests check both). The
 * two states share what pandas tracks twice with the same rules: the observation count and the run of
 * identical values (a flat window gives middle = that value and sd = 0 exactly, so the bands close on it).
 *
 * Speed: bounded by the standard deviation's chain of two dependent divisions per bar (see rolling-std.ts);
 * the mean's Kahan sum runs alongside at no extra latency.
 *
 * O(n), one pass, no allocation. Writes [0..n) of each output and returns `out`; the outputs must be three
 * distinct arrays, none of them `close`.
 */
export function bollinger(close: Float64Array, period: number, k: number, out: BollingerOutput): BollingerOutput {
  assertWindow('period', period);
  const n = close.length;
  assertCapacity('out.upper', out.upper, n);
  assertCapacity('out.middle', out.middle, n);
  assertCapacity('out.lower', out.lower, n);
  bollingerLoop(close, period, k, out.upper, out.middle, out.lower, n);
  return out;
}

/** Kept apart from the checks, and written, for V8's sake: see rollingMeanLoop in rolling-mean.ts. */
function bollingerLoop(
  close: Float64Array,
  window: number,
  k: number,
  upperOut: Float64Array,
  middleOut: Float64Array,
  lowerOut: Float64Array,
  n: number,
): void {
  // Shared: observations in the window and the run of identical values ending at the latest one.
  let nobs = 0;
  let run = 0;
  let latest = 0; // never read before the first observation (run starts at 0)
  // Rolling mean (rolling-mean.ts).
  let sum = 0;
  let sumAddComp = 0;
  let sumRemoveComp = 0;
  let lastNegative = -1;
  let lastPositive = -1;
  // Rolling variance (rolling-std.ts).
  let mean = 0;
  let ssq = 0;
  let meanAddComp = 0;
  let meanRemoveComp = 0;

  for (let i = 0; i < n; i++) {
    if (i >= window) {
      const old = close[i - window];
      if (old - old === 0) {
        nobs--;
        const y = -old - sumRemoveComp;
        const t = sum + y;
        sumRemoveComp = t - sum - y;
        sum = t;
        if (nobs > 0) {
          const prevMean = mean - meanRemoveComp;
          const my = old - meanRemoveComp;
          const mt = my - mean;
          meanRemoveComp = mt + mean - my;
          mean = mean - mt / nobs;
          ssq = ssq - (old - prevMean) * (old - mean);
        } else {
          mean = 0;
          ssq = 0;
        }
      }
    }

    const v = close[i];
    if (v - v === 0) {
      nobs++;
      const y = v - sumAddComp;
      const t = sum + y;
      sumAddComp = t - sum - y;
      sum = t;
      if (v < 0 || Object.is(v, -0)) lastNegative = i;
      else lastPositive = i;
      run = run * +(v === latest) + 1; // +(boolean) compiles without a branch
      latest = v;
      const prevMean = mean - meanAddComp;
      const my = v - meanAddComp;
      const mt = my - mean;
      meanAddComp = mt + mean - my;
      mean = mean + mt / nobs;
      ssq = ssq + (v - prevMean) * (v - mean);
    }

    let middle = NaN;
    let sd = NaN;
    if (nobs >= window) {
      if (run >= nobs) {
        middle = latest;
        if (nobs > 1) sd = 0;
      } else {
        middle = sum / nobs;
        const start = i - window + 1;
        if ((middle > 0 && lastPositive < start) || (middle < 0 && lastNegative < start)) middle = 0;
        if (nobs > 1) {
          const variance = ssq / (nobs - 1);
          sd = variance < 0 ? 0 : Math.sqrt(variance);
        }
      }
    }
    const width = sd * k;
    upperOut[i] = middle + width;
    middleOut[i] = middle;
    lowerOut[i] = middle - width;
  }
}
