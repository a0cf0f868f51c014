import { checkOutput, checkPeriod, checkSameLength } from '../../kernel-guards.js';
import { rollingMeanLoop } from './rolling-mean.js';

/**
 * ATR, computation version 1.0, as the existing Python system computes it:
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
  checkPeriod('atr', period);
  const n = close.length;
  checkSameLength('atr', high, close, 'high/close');
  checkSameLength('atr', low, close, 'low/close');
  checkOutput('atr', 'out', out, n);
  const tr = scratch ?? new Float64Array(n);
  checkOutput('atr', 'scratch', tr, n);
  if (n > 0) tr[0] = high[0] - low[0]; // the other two terms are NaN and skipped
  trueRangeLoop(high, low, close, tr, n);
  // Over tr[0..n) only: a longer scratch buffer must not leak into the mean.
  rollingMeanLoop(tr, period, out, n);
  return out;
}

/**
 * True range per bar (the definition above). Writes out[0..n) and returns `out`, length >= n.
 * Exported for tests and for callers that want the raw true range.
 */
export function trueRange(high: Float64Array, low: Float64Array, close: Float64Array, out: Float64Array): Float64Array {
  const n = close.length;
  checkSameLength('trueRange', high, close, 'high/close');
  checkSameLength('trueRange', low, close, 'low/close');
  checkOutput('trueRange', 'out', out, n);
  if (n > 0) out[0] = high[0] - low[0];
  trueRangeLoop(high, low, close, out, n);
  return out;
}

/**
 * Kept apart from the checks, and written, for V8's sake: the loop is the function (see slideWindow in
 * rolling-mean.ts), and the callers write the first bar, which has no previous close: high - low.
 *
 * On real bars whether the previous close lies outside the bar's range is close to a coin toss, and both a
 * hand-written maximum and V8's Math.max branch on it (docs/benchmarks.md, "Measurements behind design choices"). So,
 * as in version
 * 2.0's ATR: TR = (high - low) + max(previous close - high, 0) + max(low - previous close, 0), with
 * max(y, 0) = (y + |y|) / 2 exact and at most one of the two non-zero when low <= high. That is the largest of
 * the three terms, up to the rounding of one addition (none when prices are within a factor of 2 of each
 * other; otherwise within 2 ulps). A NaN anywhere, an overflow, or a bar with high < low takes pandas'
 * NaN-skipping maximum literally.
 */
function trueRangeLoop(high: Float64Array, low: Float64Array, close: Float64Array, out: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const h = high[i];
    const l = low[i];
    const previousClose = close[i - 1];
    const range = h - l;
    const gapDown = previousClose - h;
    const gapUp = l - previousClose;
    const tr = range + 0.5 * (gapDown + Math.abs(gapDown)) + 0.5 * (gapUp + Math.abs(gapUp));
    // tr - tr === 0: not NaN, and no overflow in gap + |gap|.
    out[i] =
      tr - tr === 0 && range >= 0
        ? tr
        : maxSkippingNaN(range, Math.abs(h - previousClose), Math.abs(l - previousClose));
  }
}

/** pandas' row maximum with skipna: NaN only if every term is NaN. */
function maxSkippingNaN(a: number, b: number, c: number): number {
  let max = Number.NaN;
  for (const x of [a, b, c]) if (x > max || max !== max) max = x;
  return max;
}
