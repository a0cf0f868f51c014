/**
 * Simple moving average, TA_SMA: out[i] = mean(input[i - period + 1 .. i]); the first `period - 1` values are
 * NaN (TA-Lib's lookback). Inputs are assumed finite: like TA-Lib, a NaN poisons every later value.
 */
import { checkSeriesKernel } from '../../kernel-guards.js';

export function sma(input: Float64Array, period: number, out: Float64Array): Float64Array {
  checkSeriesKernel('sma', input, period, out);
  const n = input.length;
  const lookback = period - 1;
  out.fill(NaN, 0, Math.min(lookback, n));
  if (n <= lookback) return out;

  // TA-Lib's own order of operations, bar for bar: add the newest bar, divide, subtract the oldest. So the
  // output is TA-Lib's bit for bit, including the drift its running sum accumulates (a rolling sum's error
  // grows with the number of bars relative to the largest sums it has held, so after a price has fallen
  // 10,000-fold it can reach 1e-9 of the value; any other order of the same additions would drift
  // differently, and then not match TA-Lib). Unrolled by 4, which costs nothing here: the loop is bound by
  // its stores, not by the two dependent additions.
  // The remainder is peeled off at the START with at least one bar, so that loop body runs on every call:
  // V8 then always has type feedback for it and never deoptimises on a length it had not seen before.
  let sum = 0;
  for (let i = 0; i < lookback; i++) sum += input[i];
  let i = lookback;
  const peelEnd = Math.min(n, lookback + 1 + ((n - lookback - 1) & 3));
  for (; i < peelEnd; i++) {
    sum += input[i];
    out[i] = sum / period;
    sum -= input[i - lookback];
  }
  for (; i < n; i += 4) {
    sum += input[i];
    out[i] = sum / period;
    sum -= input[i - lookback];
    sum += input[i + 1];
    out[i + 1] = sum / period;
    sum -= input[i + 1 - lookback];
    sum += input[i + 2];
    out[i + 2] = sum / period;
    sum -= input[i + 2 - lookback];
    sum += input[i + 3];
    out[i + 3] = sum / period;
    sum -= input[i + 3 - lookback];
  }
  return out;
}
