/**
 * Simple moving average, TA_SMA: out[i] = mean(input[i - period + 1 .. i]); the first `period - 1` values are
 * NaN (TA-Lib's lookback). Inputs are assumed finite: like TA-Lib, a NaN poisons every later value.
 */
import { checkDistinct, checkOutput, checkPeriod } from './guards.js';

export function sma(input: Float64Array, period: number, out: Float64Array): Float64Array {
  checkPeriod('sma', period);
  const n = input.length;
  checkOutput('sma', 'out', out, n);
  checkDistinct('sma', { input, out });
  const lookback = period - 1;
  out.fill(NaN, 0, Math.min(lookback, n));
  if (n <= lookback) return out;

  // The first window is summed in order, exactly as TA-Lib does, so the first value is TA-Lib's bit for bit.
  let sum = 0;
  for (let i = 0; i < period; i++) sum += input[i];
  out[lookback] = sum / period;

  // Then the window slides by the difference (newest - leaving): one addition on the running sum per bar,
  // where TA-Lib adds and subtracts (two), so the loop is not bound by the latency of that chain. The
  // difference is the same quantity rounded once, so results agree with TA-Lib to a few units in the last
  // place of the price (a rolling sum's error grows like sqrt(bars) x eps x window sum, in both).
  //
  // The main loop takes 4 bars at a time with the running sum updated once per block. The remainder is
  // peeled off at the START with at least one bar, so that loop body runs on every call: V8 then always has
  // type feedback for it and never deoptimises on a length it had not seen before.
  let i = period;
  const peelEnd = Math.min(n, period + 1 + ((n - period - 1) & 3));
  for (; i < peelEnd; i++) {
    sum += input[i] - input[i - period];
    out[i] = sum / period;
  }
  for (; i < n; i += 4) {
    const d0 = input[i] - input[i - period];
    const d1 = input[i + 1] - input[i + 1 - period];
    const d2 = input[i + 2] - input[i + 2 - period];
    const d3 = input[i + 3] - input[i + 3 - period];
    const d01 = d0 + d1;
    out[i] = (sum + d0) / period;
    out[i + 1] = (sum + d01) / period;
    out[i + 2] = (sum + (d01 + d2)) / period;
    sum += d01 + (d2 + d3);
    out[i + 3] = sum / period;
  }
  return out;
}
