/**
 * Exponential moving average, TA_EMA with TA-Lib's default (classic) seeding: the first value, at bar
 * period - 1, is the SMA of the first `period` inputs; after it e = e + k (x - e) with k = 2 / (period + 1).
 */
import { checkSeriesKernel } from '../../kernel-guards.js';

export function ema(input: Float64Array, period: number, out: Float64Array): Float64Array {
  checkSeriesKernel('ema', input, period, out);
  const n = input.length;
  const lookback = period - 1;
  out.fill(NaN, 0, Math.min(lookback, n));
  if (n <= lookback) return out;

  // The seed is TA-Lib's bit for bit: the same in-order sum, divided by the period.
  let sum = 0;
  for (let i = 0; i < period; i++) sum += input[i];
  let e = sum / period;
  out[lookback] = e;

  // TA-Lib writes e + k (x - e): subtract, multiply, add, all on the dependency chain from one bar to the
  // next, and that chain's latency is what bounds this loop. q e + k x (q = 1 - k) is the same value up to
  // rounding, with k x off the chain; four bars per iteration, with the fourth computed straight from the
  // value before the first, e4 = q^4 e + (q^3 k x1 + q^2 k x2 + q k x3 + k x4), cut it to one multiply and
  // one add per four bars (bars 1-3 branch off it). The recurrence contracts (q < 1), so all of this stays
  // within a few units in the last place of the price of TA-Lib's values.
  // The remainder is peeled off at the START, at least one bar, so that loop body runs on every call: V8
  // then has type feedback for it and never deoptimises on a length it has not seen.
  const k = 2 / (period + 1);
  const q = 1 - k;
  const q2 = q * q;
  const q3 = q2 * q;
  const q4 = q2 * q2;
  let i = period;
  const peelEnd = Math.min(n, period + 1 + ((n - period - 1) & 3));
  for (; i < peelEnd; i++) {
    e = q * e + k * input[i];
    out[i] = e;
  }
  for (; i < n; i += 4) {
    const a0 = k * input[i];
    const a1 = k * input[i + 1];
    const a2 = k * input[i + 2];
    const a3 = k * input[i + 3];
    const e0 = q * e + a0;
    const e1 = q * e0 + a1;
    out[i] = e0;
    out[i + 1] = e1;
    out[i + 2] = q * e1 + a2;
    e = q4 * e + (q3 * a0 + q2 * a1 + (q * a2 + a3));
    out[i + 3] = e;
  }
  return out;
}
