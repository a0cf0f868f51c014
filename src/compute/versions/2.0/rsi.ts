/**
 * Relative strength index, TA_RSI with Wilder smoothing and TA-Lib's defaults (no unstable period, classic
 * compatibility). The first value is at bar `period`: average gain G and loss L are the plain means of the
 * first `period` changes, and after that G = (G (period - 1) + gain) / period, the same for L.
 * RSI = 100 G / (G + L); where G + L is within TA-Lib's epsilon of zero (1e-14: no move at all over the
 * smoothing horizon) TA-Lib writes 0, and so do we, to match it.
 */
import { checkSeriesKernel } from '../../kernel-guards.js';

/** TA-Lib's TA_EPSILON: its test for "zero" in TA_IS_ZERO. */
const TA_EPSILON = 1e-14;

export function rsi(close: Float64Array, period: number, out: Float64Array): Float64Array {
  checkSeriesKernel('rsi', close, period, out, 'close');
  const n = close.length;
  out.fill(NaN, 0, Math.min(period, n));
  if (n <= period) return out;

  // Seed: TA-Lib's loop, same order and same branch, so the first value is TA-Lib's bit for bit.
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= period; i++) {
    const change = close[i] - close[i - 1];
    if (change < 0) loss -= change;
    else gain += change;
  }
  gain /= period;
  loss /= period;
  let total = gain + loss;
  out[period] = total > -TA_EPSILON && total < TA_EPSILON ? 0 : 100 * (gain / total);

  // Wilder's step written as a G + b gain: (period - 1) / period and 1 / period are constants, so only a
  // multiply and an add sit on the bar-to-bar chain instead of TA-Lib's multiply, add and divide. Same
  // value up to rounding; the recurrence contracts, so differences stay near 1e-15 relative.
  // The gain and the loss come without a branch (a price series' signs are unpredictable):
  // |c| + c = 2 max(c, 0) and |c| - c = 2 max(-c, 0), both exact, and the 1/2 is folded into b.
  // Four bars per iteration, the same arithmetic bar by bar, with the loads and the stores grouped: V8
  // checks an array once for consecutive accesses, and those checks bound this loop (a quarter faster).
  // The remainder is peeled off at the START, at least one bar, so that loop body runs on every call.
  const a = (period - 1) / period;
  const b = 0.5 / period;
  let i = period + 1;
  const peelEnd = Math.min(n, period + 2 + ((n - period - 2) & 3));
  for (; i < peelEnd; i++) {
    const change = close[i] - close[i - 1];
    const size = Math.abs(change);
    gain = a * gain + b * (size + change);
    loss = a * loss + b * (size - change);
    total = gain + loss;
    out[i] = total > -TA_EPSILON && total < TA_EPSILON ? 0 : 100 * (gain / total);
  }
  for (; i < n; i += 4) {
    const x = close[i - 1];
    const x0 = close[i];
    const x1 = close[i + 1];
    const x2 = close[i + 2];
    const x3 = close[i + 3];
    const c0 = x0 - x;
    const c1 = x1 - x0;
    const c2 = x2 - x1;
    const c3 = x3 - x2;
    const z0 = Math.abs(c0);
    const z1 = Math.abs(c1);
    const z2 = Math.abs(c2);
    const z3 = Math.abs(c3);
    const gain0 = a * gain + b * (z0 + c0);
    const loss0 = a * loss + b * (z0 - c0);
    const gain1 = a * gain0 + b * (z1 + c1);
    const loss1 = a * loss0 + b * (z1 - c1);
    const gain2 = a * gain1 + b * (z2 + c2);
    const loss2 = a * loss1 + b * (z2 - c2);
    gain = a * gain2 + b * (z3 + c3);
    loss = a * loss2 + b * (z3 - c3);
    const total0 = gain0 + loss0;
    const total1 = gain1 + loss1;
    const total2 = gain2 + loss2;
    total = gain + loss;
    out[i] = total0 > -TA_EPSILON && total0 < TA_EPSILON ? 0 : 100 * (gain0 / total0);
    out[i + 1] = total1 > -TA_EPSILON && total1 < TA_EPSILON ? 0 : 100 * (gain1 / total1);
    out[i + 2] = total2 > -TA_EPSILON && total2 < TA_EPSILON ? 0 : 100 * (gain2 / total2);
    out[i + 3] = total > -TA_EPSILON && total < TA_EPSILON ? 0 : 100 * (gain / total);
  }
  return out;
}
