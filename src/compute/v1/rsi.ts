import { assertCapacity, assertWindow } from './args.js';

/**
 * RSI, computation version 1.0 ("legacy"), exactly as the existing Python system computes it:
 *   delta = close.diff(); gain = delta.where(delta > 0, 0); loss = -delta.where(delta < 0, 0)
 *   rs = gain.rolling(period).mean() / loss.rolling(period).mean(); rsi = 100 - 100 / (1 + rs)
 * Simple rolling means, not Wilder's smoothing (that is version 2.0). The first bar's change is NaN and
 * `where` turns it into 0, so it counts as a zero change and RSI is defined from bar `period - 1` on.
 *
 * The outcomes at the edges come from pandas' rolling mean (see rolling-mean.ts) and IEEE division:
 * - no losses in the window: avg_loss is exactly 0 (really -0.0, since loss = -(0.0)) by the identical-run
 *   rule, rs = ±Infinity and RSI = 100;
 * - no change at all: 0 / 0, rs = NaN, RSI = NaN;
 * - a NaN close gives a zero change (NaN.where(...) is 0); an infinite close gives an infinite change, which
 *   pandas turns into a missing value, so every window holding it is NaN.
 *
 * Fused into one pass: gain and loss are recomputed from `close` when they leave the window instead of being
 * stored, so no scratch memory is needed. Each of the two rolling means is bit-identical to
 * `rollingMean(gain, period)` / `rollingMean(loss, period)` (the tests check this on adversarial inputs). Two
 * simplifications follow from the signs and are exact: gains never have the sign bit set, so pandas' clamp
 * "mean < 0 with no negative value → 0" always applies to them and its other clamp never does; losses are
 * positive or -0.0, and a window of only -0.0 is caught by the identical-run rule first.
 *
 * `scratch` is accepted for signature compatibility with the other kernels and is not used.
 * O(n), one pass, no allocation. Writes out[0..n) and returns `out`; `out` must not alias `close`.
 */
export function rsi(close: Float64Array, period: number, out: Float64Array, scratch?: Float64Array): Float64Array {
  void scratch;
  assertWindow('period', period);
  assertCapacity('out', out, close.length);
  rsiLoop(close, period, out, close.length);
  return out;
}

/** Kept apart from the checks for V8's sake; see rollingMeanLoop in rolling-mean.ts. */
function rsiLoop(close: Float64Array, period: number, out: Float64Array, n: number): void {
  // Rolling mean state of the gains (see rollingMean for the meaning of each variable).
  let gSum = 0;
  let gAddComp = 0;
  let gRemoveComp = 0;
  let gObs = 0;
  let gRun = 0;
  let gLatest = NaN;
  // ... and of the losses; lastZeroLoss is the latest -0.0 (sign bit set), lastLoss the latest positive loss.
  let lSum = 0;
  let lAddComp = 0;
  let lRemoveComp = 0;
  let lObs = 0;
  let lRun = 0;
  let lLatest = NaN;
  let lastZeroLoss = -1;

  let prevClose = NaN; // close[i - 1]; NaN before the first bar, so the first change is NaN
  for (let i = 0; i < n; i++) {
    // The change leaving the window (bar j = i - period), recomputed exactly as it was when it entered.
    if (i >= period) {
      const j = i - period;
      const dOld = j > 0 ? close[j] - close[j - 1] : NaN;
      const gOld = dOld > 0 ? dOld : 0;
      if (gOld - gOld === 0) {
        gObs--;
        const y = -gOld - gRemoveComp;
        const t = gSum + y;
        gRemoveComp = t - gSum - y;
        gSum = t;
      }
      const lOld = -(dOld < 0 ? dOld : 0);
      if (lOld - lOld === 0) {
        lObs--;
        const y = -lOld - lRemoveComp;
        const t = lSum + y;
        lRemoveComp = t - lSum - y;
        lSum = t;
      }
    }

    const c = close[i];
    const d = c - prevClose;
    prevClose = c;
    const g = d > 0 ? d : 0;
    if (g - g === 0) {
      gObs++;
      const y = g - gAddComp;
      const t = gSum + y;
      gAddComp = t - gSum - y;
      gSum = t;
      gRun = g === gLatest ? gRun + 1 : 1;
      gLatest = g;
    }
    const l = -(d < 0 ? d : 0);
    if (l - l === 0) {
      lObs++;
      const y = l - lAddComp;
      const t = lSum + y;
      lAddComp = t - lSum - y;
      lSum = t;
      if (!(l > 0)) lastZeroLoss = i; // l is +x or -0.0 here
      lRun = l === lLatest ? lRun + 1 : 1;
      lLatest = l;
    }

    let value = NaN;
    if (gObs >= period && lObs >= period) {
      let avgGain = gLatest;
      if (gRun < gObs) {
        avgGain = gSum / gObs;
        if (avgGain < 0) avgGain = 0;
      }
      let avgLoss = lLatest;
      if (lRun < lObs) {
        avgLoss = lSum / lObs;
        if (avgLoss < 0 && lastZeroLoss <= i - period) avgLoss = 0;
      }
      const rs = avgGain / avgLoss;
      value = 100 - 100 / (1 + rs);
    }
    out[i] = value;
  }
}
