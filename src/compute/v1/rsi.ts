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
 * stored, so no scratch memory is needed. The two rolling means follow rollingMean step for step, and the RSI
 * is bit-identical to composing `rollingMean` calls as above (the tests check this on adversarial inputs).
 * What differs is exact by construction: gains never have the sign bit set, so of pandas' two sign clamps only
 * "a negative mean is 0" can apply to them; losses are positive or zero, and a window of zero losses only is
 * caught by the identical-run rule before any clamp; and the loop computes gains and losses without branches,
 * which can change the sign of a zero loss but never an RSI (see rsiLoop).
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

/**
 * Kept apart from the checks, and written, for V8's sake: see rollingMeanLoop in rolling-mean.ts. On a random
 * walk the sign of each change is a coin toss, and V8 compiles every `?:` to a branch: a misprediction costs
 * ~5 ns, and the pandas definition asks for several per bar. So the ordinary case is branch-free:
 * - gain = (d + |d|) / 2 and loss = (|d| - d) / 2, both exact (doubling, halving and d - d = 0 are exact). The
 *   loss of a rise is +0.0 where pandas has -0.0; the sign of a zero loss changes no RSI (x / ±0 = ±Infinity
 *   gives 100 either way, 0 / ±0 is NaN either way), and pandas' clamp that reads those signs is replayed below
 *   from the changes themselves;
 * - the identical-run counters multiply by +(a === b), which V8 compiles without a branch.
 * The bound 8e307 on |change| keeps d + |d| from overflowing and sends NaN and ±Infinity (every comparison with
 * NaN is false) to pandas' literal rules. It is written as a literal: V8 would unbox a module constant per bar.
 */
function rsiLoop(close: Float64Array, period: number, out: Float64Array, n: number): void {
  // Rolling mean state of the gains (see rollingMean for the meaning of each variable).
  let gSum = 0;
  let gAddComp = 0;
  let gRemoveComp = 0;
  let gObs = 0;
  let gRun = 0;
  let gLatest = 0; // never read before the first observation (the run starts at 0)
  // ... and of the losses.
  let lSum = 0;
  let lAddComp = 0;
  let lRemoveComp = 0;
  let lObs = 0;
  let lRun = 0;
  let lLatest = 0;
  // For pandas' clamp of a negative mean of losses (see below): bars up to `zeroScanned` have been examined,
  // and `lastZeroLoss` is the latest of them whose loss is a zero (pandas' -0.0).
  let zeroScanned = -1;
  let lastZeroLoss = -1;

  // The first change is NaN in pandas; `where` makes its gain 0 and its loss -(0.0), exactly what a change of 0
  // gives, so the loop uses 0 (and needs no NaN).
  let prevClose = 0; // close[i - 1] from the second bar on
  let prevOldClose = 0; // close[j - 1] for the bar j leaving the window, from j = 1 on
  for (let i = 0; i < n; i++) {
    // The change leaving the window (bar j = i - period), recomputed exactly as it was when it entered.
    if (i >= period) {
      const j = i - period;
      const oldClose = close[j];
      const dOld = j > 0 ? oldClose - prevOldClose : 0;
      prevOldClose = oldClose;
      const aOld = Math.abs(dOld);
      let gOld: number;
      let lOld: number;
      if (aOld <= 8e307) {
        gOld = (dOld + aOld) * 0.5;
        lOld = (aOld - dOld) * 0.5;
      } else {
        gOld = dOld > 0 ? dOld : 0;
        lOld = -(dOld < 0 ? dOld : 0);
      }
      if (gOld - gOld === 0) {
        gObs--;
        const y = -gOld - gRemoveComp;
        const t = gSum + y;
        gRemoveComp = t - gSum - y;
        gSum = t;
      }
      if (lOld - lOld === 0) {
        lObs--;
        const y = -lOld - lRemoveComp;
        const t = lSum + y;
        lRemoveComp = t - lSum - y;
        lSum = t;
      }
    }

    const c = close[i];
    const d = i > 0 ? c - prevClose : 0;
    prevClose = c;
    const a = Math.abs(d);
    let g: number;
    let l: number;
    if (a <= 8e307) {
      g = (d + a) * 0.5;
      l = (a - d) * 0.5;
    } else {
      // pandas literally: gain = delta.where(delta > 0, 0), loss = -delta.where(delta < 0, 0). A NaN change
      // (a NaN close) gives 0 and -0.0; an infinite one gives an infinite gain or loss, which pandas' rolling
      // mean treats as missing.
      g = d > 0 ? d : 0;
      l = -(d < 0 ? d : 0);
    }
    if (g - g === 0) {
      gObs++;
      const y = g - gAddComp;
      const t = gSum + y;
      gAddComp = t - gSum - y;
      gSum = t;
      gRun = gRun * +(g === gLatest) + 1;
      gLatest = g;
    }
    if (l - l === 0) {
      lObs++;
      const y = l - lAddComp;
      const t = lSum + y;
      lAddComp = t - lSum - y;
      lSum = t;
      lRun = lRun * +(l === lLatest) + 1;
      lLatest = l;
    }

    let value = NaN;
    if (gObs >= period && lObs >= period) {
      let avgGain = gLatest;
      if (gRun < gObs) {
        avgGain = gSum / gObs;
        // pandas: a negative mean of values none of which has the sign bit set is 0; gains never have it.
        if (avgGain < 0) avgGain = 0;
      }
      let avgLoss = lLatest;
      if (lRun < lObs) {
        avgLoss = lSum / lObs;
        if (avgLoss < 0) {
          // pandas: a negative mean is 0 if no loss in the window has the sign bit set, i.e. if every bar of
          // the window fell (a bar that did not fall has the loss -0.0). Only rounding residue in the sum can
          // make the mean negative, so this is rare; the scan resumes where the last one stopped and visits
          // each bar at most once, keeping the loop O(n).
          const start = i - period + 1;
          for (let k = i; k > zeroScanned && k >= start; k--) {
            const dk = k > 0 ? close[k] - close[k - 1] : 0;
            if (!(dk < 0)) {
              lastZeroLoss = k;
              break;
            }
          }
          zeroScanned = i;
          if (lastZeroLoss < start) avgLoss = 0;
        }
      }
      // pandas' other clamp, a positive mean of values that all have the sign bit set, cannot apply here: that
      // would be a window of zero losses only, and the identical-run rule answers it first.
      const rs = avgGain / avgLoss;
      value = 100 - 100 / (1 + rs);
    }
    out[i] = value;
  }
}
