/**
 * Bollinger bands with the population standard deviation computed exactly (DESIGN.md, version 2.0):
 * middle = mean of the last `period` closes, upper/lower = middle +/- k sd, NaN before bar period - 1.
 *
 * TA_BBANDS computes the variance as mean(x^2) - mean(x)^2 from rolling sums of x and x^2. Both terms are
 * about mean^2, so their difference loses about eps x mean^2 / variance of its relative precision, and the
 * rolling sums add their own drift: at a price of 50,000 moving by 1 that is most of the digits. We keep
 * two-pass accuracy in one O(n) pass instead:
 *
 *  - Sums are taken of deviations d = x - a from an ANCHOR a near the window mean: s1 = sum d,
 *    s2 = sum d^2, and sum (x - mean)^2 = s2 - s1^2 / period. With a near the mean, s1 is small and
 *    s2 is close to the result, so the subtraction cancels little. For positive prices within a factor of
 *    2 of the anchor, x - a is even exact (Sterbenz).
 *  - The window slides by adding the entering and removing the leaving deviation. Every such update rounds,
 *    and the error of a rolling sum is relative to the largest value it has held, not to its current one.
 *    So the kernel carries a running worst-case bound of the error in sum (x - mean)^2, in units of
 *    eps x peak (peak = the largest s2 since the last exact computation), and as soon as that bound could
 *    exceed 2^-42 of the current value it re-anchors at the current window's mean and recomputes s1, s2
 *    exactly (two-pass, O(period)). Error therefore never accumulates beyond that bound.
 *  - Cost: on ordinary prices the bound allows 50 to 200 rolling steps between recomputations, so they add
 *    well under one operation per bar; they also happen exactly when they matter: when a spike leaves the
 *    window (the variance collapses while the rolling sums still carry its rounding), when prices trend
 *    away from the anchor, and when a window becomes flat (its anchor becomes that price, every deviation is
 *    exactly 0 and the standard deviation is exactly 0 from then on, with no recomputation).
 *  Worst case (data built so that every bar triggers) is O(n x period), still exact.
 *
 * Guarantee: the standard deviation is within about 1.2e-13 relative of the exact population value (2^-43
 * from the bound plus the final divide and square root); the tests compare against exact rational
 * arithmetic at 1e-12. A NaN input makes the windows containing it NaN; once it leaves, the kernel
 * recovers (the NaN forces a recomputation), unlike TA-Lib's rolling sums.
 */
import { checkDistinct, checkOutput, checkPeriod } from './guards.js';

export interface BollingerOutput {
  upper: Float64Array;
  middle: Float64Array;
  lower: Float64Array;
  /** Optional: the population standard deviation itself, written when given (the bands lose its last digits). */
  stddev?: Float64Array;
}

/** Unit roundoff of a double. */
const U = 2 ** -53;
/** Relative error allowed in sum (x - mean)^2 before recomputing (the sd gets half of it). */
const TOLERANCE = 2 ** -42;

export function bollinger(close: Float64Array, period: number, k: number, out: BollingerOutput): BollingerOutput {
  checkPeriod('bollinger', period);
  const n = close.length;
  const { upper, middle, lower } = out;
  const sdOut = out.stddev;
  checkOutput('bollinger', 'upper', upper, n);
  checkOutput('bollinger', 'middle', middle, n);
  checkOutput('bollinger', 'lower', lower, n);
  if (sdOut !== undefined) checkOutput('bollinger', 'stddev', sdOut, n);
  checkDistinct('bollinger', { close, upper, middle, lower, stddev: sdOut });
  const lookback = period - 1;
  const warm = Math.min(lookback, n);
  upper.fill(NaN, 0, warm);
  middle.fill(NaN, 0, warm);
  lower.fill(NaN, 0, warm);
  if (sdOut !== undefined) sdOut.fill(NaN, 0, warm);
  if (n <= lookback) return out;

  // Worst-case bound on the rounding error in sum (x - mean)^2, in units of eps (derivation in
  // bollinger.md beside this file):  c0 s2_0 + c1 acc + (4 + c2 steps) s2
  //   s2_0  = s2 at the last exact computation (its own rounding: differences, squares, two sums of
  //           `period` terms, s1's error weighted by 2 |mean - anchor| <= 2 sqrt(s2 / period));
  //   acc   = sum of s2 over the rolling steps since (each step rounds s1 twice and s2 four times, errors
  //           of at most a few eps times the s2 before and after the step);
  //   steps = rolling steps since, s2 = now (s1's accumulated error counts through the CURRENT offset of
  //           the mean from the anchor; 4 covers this bar's own final arithmetic).
  // Everything is pre-scaled by eps / tolerance, so "the bound exceeds the tolerance" is one compare.
  // The tolerance is 2^-42 of the value, or, for very long windows where an exact computation alone may
  // need more (about 3 period eps), twice that: the accuracy of a two-pass computation of the same window.
  const rootPeriod = Math.sqrt(period);
  const c0 = 3 * period + 9 + 2 / rootPeriod;
  const c1 = 10 + 4 / rootPeriod;
  const c2 = 1 + 4 / rootPeriod;
  const scale = U / Math.max(TOLERANCE, 2 * c0 * U);
  const c0s = c0 * scale;
  const c1s = c1 * scale;
  const c2s = c2 * scale;
  const finalS = 4 * scale;

  const invPeriod = 1 / period;
  // Two loops: the outer one computes a window exactly (the first one, then whenever the bound says so);
  // the inner one slides the window until the bound fails. The inner loop is innermost and calls nothing,
  // and its state is scoped to one outer iteration: otherwise V8 keeps the running sums as boxed numbers
  // and allocates on every bar, several times slower.
  let i = lookback;
  for (;;) {
    // Re-anchor at this window's mean, computed as close[i] + mean(x - close[i]): for a window of one
    // repeated price every term is 0 and the anchor is that price exactly, so its deviations, sums and
    // standard deviation are exactly 0 (and stay so, with no recomputation, while the price holds).
    const first = i - lookback;
    let anchor = close[i];
    let sum = 0;
    for (let j = first; j <= i; j++) sum += close[j] - anchor;
    anchor += sum / period;
    let s1 = 0;
    let s2 = 0;
    for (let j = first; j <= i; j++) {
      const d = close[j] - anchor;
      s1 += d;
      s2 += d * d;
    }
    const base = c0s * s2;
    let acc = 0;
    let perS2 = finalS;
    let offset = s1 * invPeriod;
    let squares = s2 - s1 * offset;
    let sd = Math.sqrt(Math.abs(squares) * invPeriod);
    middle[i] = anchor + offset;
    upper[i] = anchor + offset + k * sd;
    lower[i] = anchor + offset - k * sd;
    if (sdOut !== undefined) sdOut[i] = sd;

    for (i++; i < n; i++) {
      const dIn = close[i] - anchor;
      const dOut = close[i - period] - anchor;
      s1 += dIn - dOut;
      s2 += dIn * dIn - dOut * dOut;
      acc += c1s * s2;
      perS2 += c2s;
      offset = s1 * invPeriod;
      squares = s2 - s1 * offset;
      // Written as !(>=) so that NaN also recomputes: a window that has shed a NaN comes back.
      if (!(squares >= base + acc + perS2 * s2)) break;
      // squares >= 0 except within its error bound of 0 right after a recomputation (a window that is
      // almost, not exactly, constant), where |squares| is just as good; NaN stays NaN. No branch.
      sd = Math.sqrt(Math.abs(squares) * invPeriod);
      const mean = anchor + offset;
      const width = k * sd;
      middle[i] = mean;
      upper[i] = mean + width;
      lower[i] = mean - width;
      if (sdOut !== undefined) sdOut[i] = sd;
    }
    if (i >= n) return out;
  }
}
