/**
 * Bollinger bands with the population standard deviation computed exactly (docs/design.md, version 2.0):
 * middle = mean of the last `period` closes, upper/lower = middle +/- k sd, NaN before bar period - 1.
 *
 * TA_BBANDS takes the variance as mean(x^2) - mean(x)^2 from rolling sums of x and x^2: both terms are about
 * mean^2, so the difference loses about eps mean^2 / variance of its precision, and rolling sums add drift
 * that never resets. At a price of 50,000 moving by 1 that is most of the digits. This kernel keeps
 * two-pass accuracy in one O(n) pass:
 *
 *  - It sums deviations from an ANCHOR a near the window mean: s1 = sum (x - a), s2 = sum (x - a)^2, and
 *    sum (x - mean)^2 = s2 - s1^2 / P. With a near the mean, s1 is small and s2 close to the result, so the
 *    subtraction cancels little (for positive prices within a factor 2 of a, x - a is even exact).
 *  - The window slides by adding the entering and removing the leaving deviation. Each update rounds, and a
 *    rolling sum's error is relative to the largest values it has held, not to its current one (a spike
 *    leaves its rounding behind when it leaves the window). So the kernel carries a worst-case bound of the
 *    error in sum (x - mean)^2 and, as soon as it could exceed 2^-41 of the value, re-anchors at the
 *    window's mean and recomputes s1 and s2 exactly (two-pass, O(P)). Error never accumulates past that.
 *  - Recomputations come every 50 to 200 bars on ordinary prices (a few operations per bar), and
 *    exactly when they matter: a spike leaving the window, prices trending away from the anchor, a window
 *    turning flat (the anchor becomes that price, every deviation is exactly 0, so is the standard
 *    deviation, and it stays so with no further work). Worst case (data built so that every bar
 *    triggers) is O(n P), still exact.
 *
 * The bound. The deviations d = x - a are computed identically whenever a bar enters or leaves (same x,
 * same a), so they can be taken as the data: rounding them moves the standard deviation by at most
 * eps sqrt(Q) (Q = sum d^2 over the window), i.e. sum (x - mean)^2 by at most 2 eps Q. The rest is the
 * arithmetic on them (eps = 2^-53, first order, no under/overflow, any sign or magnitude; Q_0 at the last
 * exact computation, Q_t after rolling step t, Q now, T steps since):
 *   exact sums of P terms:  s1 off by <= P eps sqrt(P Q_0), s2 by <= P eps Q_0;
 *   a rolling step:         t = dIn - dOut, s1 += t: <= eps (|dIn| + |dOut| + |s1|) more on s1;
 *                           s2 += t (dIn + dOut), three roundings of dIn^2 - dOut^2 and one of the sum:
 *                           <= eps (4 Q_t + 3 Q_t-1) more on s2;
 *   the result:             m = s1 / P, squares = s2 - s1 m: <= 4 eps Q of its own, and s1's error counts
 *                           through 2 |m| <= 2 sqrt(Q / P).
 * Adding up, with sqrt(A B) <= (A + B) / 2 to separate the products, |squares - sum (x - mean)^2| is at most
 *   eps [ (2P + 3 + 1/sqrt P) Q_0  +  (8 + 2/sqrt P) sum_t Q_t  +  (P + 6 + (1 + 2/sqrt P) T) Q ].
 * The loop carries the first two terms in `acc` and the factor of the third in `perS2` (s2 standing in for
 * Q, equal to first order) and checks squares >= (acc + perS2 s2) eps / tolerance: a few operations a bar.
 * The tolerance is 2^-41, or for windows so long (P > ~340) that the exact computation alone may need
 * more, twice that computation's own bound: two-pass accuracy either way.
 *
 * Guarantee: the standard deviation is within about 2.5e-13 relative of the exact population value (half
 * of 2^-41, plus the final divide and square root); the tests compare against exact rational arithmetic at
 * 1e-12. A NaN input makes the windows holding it NaN, and once it has left, the kernel recovers (a NaN
 * forces a recomputation), unlike TA-Lib's rolling sums.
 */
import { checkDistinct, checkOutput, checkPeriod } from '../../kernel-guards.js';
import type { BollingerOutput } from '../kernel-set.js';

// `out.stddev`, when given, receives the population standard deviation, exact (the bands lose its last digits).
export type { BollingerOutput };

/** Unit roundoff of a double. */
const EPS = 2 ** -53;
/** Relative error allowed in sum (x - mean)^2 before recomputing (the sd gets half of it). */
const TOLERANCE = 2 ** -41;

export function bollinger(close: Float64Array, period: number, k: number, out: BollingerOutput): BollingerOutput {
  return bollingerBands(close, period, k, 0, out);
}

/**
 * The kernel behind `bollinger`, with the degrees of freedom of the standard deviation as a parameter: the
 * squared deviations are divided by period - ddof (0 here; version 1.0 takes the sample deviation, ddof = 1,
 * and a window of one bar then has none: NaN). Everything else, the bound included, is the same.
 */
export function bollingerBands(
  close: Float64Array,
  period: number,
  k: number,
  ddof: 0 | 1,
  out: BollingerOutput,
): BollingerOutput {
  checkPeriod('bollinger', period);
  const n = close.length;
  const { upper, middle, lower } = out;
  const sdOut = out.stddev;
  checkOutput('bollinger', 'upper', upper, n);
  checkOutput('bollinger', 'middle', middle, n);
  checkOutput('bollinger', 'lower', lower, n);
  if (sdOut !== undefined) checkOutput('bollinger', 'stddev', sdOut, n);
  checkDistinct('bollinger', [close, upper, middle, lower, sdOut], ['close', 'upper', 'middle', 'lower', 'stddev']);
  const lookback = period - 1;
  const warm = Math.min(lookback, n);
  upper.fill(NaN, 0, warm);
  middle.fill(NaN, 0, warm);
  lower.fill(NaN, 0, warm);
  if (sdOut !== undefined) sdOut.fill(NaN, 0, warm);
  if (n <= lookback) return out;

  // The bound's coefficients (module comment); the loop scales them by eps / tolerance.
  const invRoot = 1 / Math.sqrt(period);
  const exactCoefficient = 2 * period + 3 + invRoot;
  const stepCoefficient = 8 + 2 * invRoot;
  const currentCoefficient = period + 6;
  const drift = 1 + 2 * invRoot;
  const scale = EPS / Math.max(TOLERANCE, 2 * (exactCoefficient + currentCoefficient) * EPS);
  const invPeriod = 1 / period;
  const invDivisor = 1 / (period - ddof); // Infinity for a sample deviation of one bar: sqrt(0 x Infinity) is NaN

  // Two loops: the outer one computes a window exactly (the first one, then whenever the bound says so);
  // the inner one slides the window until the bound fails. The inner loop is innermost, calls nothing, and
  // all its state, even the scaled constants, is created inside the outer loop: otherwise V8 keeps some of
  // it as boxed numbers and allocates on every bar, several times slower.
  let i = lookback;
  for (;;) {
    const accPerStep = stepCoefficient * scale;
    const perS2PerStep = drift * scale;

    // Re-anchor at this window's mean, computed as close[i] + mean(x - close[i]): for a window of one
    // repeated price every term is 0 and the anchor is that price exactly, so its deviations, sums and
    // standard deviation are exactly 0 (and stay so, with no recomputation, while the price holds).
    const first = i - lookback;
    let anchor = close[i];
    // Two accumulators per sum (even and odd bars) halve the dependency chains of these short loops.
    let sumEven = 0;
    let sumOdd = 0;
    let j = first;
    for (; j < i; j += 2) {
      sumEven += close[j] - anchor;
      sumOdd += close[j + 1] - anchor;
    }
    if (j === i) sumEven += close[i] - anchor;
    anchor += (sumEven + sumOdd) / period;
    let s1 = 0;
    let s2 = 0;
    let s1Odd = 0;
    let s2Odd = 0;
    for (j = first; j < i; j += 2) {
      const d = close[j] - anchor;
      const e = close[j + 1] - anchor;
      s1 += d;
      s2 += d * d;
      s1Odd += e;
      s2Odd += e * e;
    }
    if (j === i) {
      const d = close[i] - anchor;
      s1 += d;
      s2 += d * d;
    }
    s1 += s1Odd;
    s2 += s2Odd;
    let acc = exactCoefficient * scale * s2;
    let perS2 = currentCoefficient * scale;
    const offset = s1 * invPeriod;
    // |squares|: squares >= 0 except within its error bound of 0 (a window almost, not exactly, constant),
    // where |squares| is just as good; NaN stays NaN. No branch.
    const sd = Math.sqrt(Math.abs(s2 - s1 * offset) * invDivisor);
    middle[i] = anchor + offset;
    upper[i] = anchor + offset + k * sd;
    lower[i] = anchor + offset - k * sd;
    if (sdOut !== undefined) sdOut[i] = sd;

    // Two bars per iteration, one branch for both: a pair that fails the bound, or a last odd bar, goes
    // back to the outer loop, which computes that bar exactly.
    for (i++; i + 1 < n; i += 2) {
      const inA = close[i] - anchor;
      const outA = close[i - period] - anchor;
      const inB = close[i + 1] - anchor;
      const outB = close[i + 1 - period] - anchor;
      const tA = inA - outA;
      const tB = inB - outB;
      const s1A = s1 + tA;
      const s2A = s2 + tA * (inA + outA);
      const s1B = s1A + tB;
      const s2B = s2A + tB * (inB + outB);
      const accA = acc + accPerStep * s2A;
      const accB = accA + accPerStep * s2B;
      const perA = perS2 + perS2PerStep;
      const perB = perA + perS2PerStep;
      const offsetA = s1A * invPeriod;
      const offsetB = s1B * invPeriod;
      const squaresA = s2A - s1A * offsetA;
      const squaresB = s2B - s1B * offsetB;
      // Written as !(>=) so that NaN also recomputes: a window that has shed a NaN comes back.
      if (!(squaresA >= accA + perA * s2A && squaresB >= accB + perB * s2B)) break;
      s1 = s1B;
      s2 = s2B;
      acc = accB;
      perS2 = perB;
      const sdA = Math.sqrt(Math.abs(squaresA) * invDivisor);
      const sdB = Math.sqrt(Math.abs(squaresB) * invDivisor);
      const meanA = anchor + offsetA;
      const meanB = anchor + offsetB;
      const widthA = k * sdA;
      const widthB = k * sdB;
      middle[i] = meanA;
      middle[i + 1] = meanB;
      upper[i] = meanA + widthA;
      upper[i + 1] = meanB + widthB;
      lower[i] = meanA - widthA;
      lower[i + 1] = meanB - widthB;
      if (sdOut !== undefined) {
        sdOut[i] = sdA;
        sdOut[i + 1] = sdB;
      }
    }
    if (i >= n) return out;
  }
}
