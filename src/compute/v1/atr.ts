import { assertCapacity, assertSameLength, assertWindow } from './args.js';
import { rollingMeanLoop } from './rolling-mean.js';

/**
 * ATR, computation version 1.0 ("legacy"), as the existing Python system computes it:
 *   tr = concat([high - low, |high - close.shift()|, |low - close.shift()|], axis=1).max(axis=1)
 *   atr = tr.rolling(period).mean()
 * A simple rolling mean of the true range, not Wilder's smoothing (that is version 2.0).
 *
 * The row maximum skips NaN (pandas' default skipna) and is NaN only when all three terms are: so the first
 * bar's true range is high - low (there is no previous close), and a missing previous close or high/low falls
 * back to the terms that exist. The rolling mean is `rollingMean`, so its pandas edge cases carry over: a run of
 * identical true ranges (a flat stretch: 0) gives exactly that value.
 *
 * The true range goes to `scratch` (length >= n), allocated only when not given: pass one to compute many
 * series without allocating. O(n), two passes. Writes out[0..n) and returns `out`; `out` and `scratch` must be
 * distinct and not alias the inputs.
 */
export function atr(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  period: number,
  out: Float64Array,
  scratch?: Float64Array,
): Float64Array {
  assertWindow('period', period);
  const n = close.length;
  assertSameLength('high', high, n);
  assertSameLength('low', low, n);
  assertCapacity('out', out, n);
  const tr = scratch ?? new Float64Array(n);
  assertCapacity('scratch', tr, n);
  trueRangeLoop(high, low, close, tr, n);
  // Over tr[0..n) only: a longer scratch buffer must not leak into the mean.
  rollingMeanLoop(tr, period, out, n);
  return out;
}

/**
 * True range per bar (legacy definition above). Writes out[0..n) and returns `out`, length >= n.
 * Exported for tests and for callers that want the raw true range.
 */
export function trueRange(high: Float64Array, low: Float64Array, close: Float64Array, out: Float64Array): Float64Array {
  const n = close.length;
  assertSameLength('high', high, n);
  assertSameLength('low', low, n);
  assertCapacity('out', out, n);
  trueRangeLoop(high, low, close, out, n);
  return out;
}

/** Kept apart from the checks, and written, for V8's sake: see rollingMeanLoop in rolling-mean.ts. */
function trueRangeLoop(high: Float64Array, low: Float64Array, close: Float64Array, out: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const h = high[i];
    const l = low[i];
    let tr = h - l;
    // The first bar has no previous close: its two other terms are NaN and skipped, so only high - low counts.
    if (i > 0) {
      // NaN-skipping maximum: a NaN candidate never wins, and any number replaces a NaN running maximum.
      const prevClose = close[i - 1];
      const hc = Math.abs(h - prevClose);
      if (hc > tr || tr !== tr) tr = hc;
      const lc = Math.abs(l - prevClose);
      if (lc > tr || tr !== tr) tr = lc;
    }
    out[i] = tr;
  }
}
