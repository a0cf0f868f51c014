import { bollingerBands } from '../2.0/bollinger.js';
import { checkOutput, checkPeriod } from '../../kernel-guards.js';
import type { BollingerOutput } from '../kernel-set.js';

// `out.stddev`, when given, receives the sample standard deviation.
export type { BollingerOutput };

/**
 * Bollinger bands, computation version 1.0, as the existing Python system defines them:
 *   middle = close.rolling(period).mean(); sd = close.rolling(period).std()   (sample deviation, ddof = 1)
 *   upper = middle + sd * k; lower = middle - sd * k
 *
 * The arithmetic is version 2.0's exact Bollinger kernel (../2.0/bollinger.ts) with the sample deviation: deviations
 * from an anchor near the window mean, rolled bar by bar under a certified error bound and recomputed two-pass
 * when it could fail. So the deviation is within about 1e-12 relative of the exact sample deviation, and the
 * middle within a few ulps of the exact mean. pandas' own rolling variance (Welford updates with Kahan
 * compensation, two dependent divisions per bar: twice the time budget, docs/benchmarks.md "Measurements behind design
 * choices") is that close too where it keeps its digits; where it loses them (values near 1 after a spike of 1e16 has
 * left the window) this kernel gives the exact value. The tests compare with pandas at 1e-9 relative, and with an exact
 * reference where pandas is off.
 *
 * The values decided exactly, as in pandas: a flat window (every close equal) has middle = that close and
 * sd = 0 exactly, so the bands close on it; a window holding NaN or ±Infinity (missing in pandas) is NaN; a
 * window of one bar has no sample deviation (NaN).
 *
 * O(n), one pass plus rare recomputations, no allocation. Writes [0..n) of each output and returns `out`; the
 * outputs must be distinct arrays, none of them `close`.
 */
export function bollinger(close: Float64Array, period: number, k: number, out: BollingerOutput): BollingerOutput {
  checkPeriod('bollinger', period);
  const n = close.length;
  checkOutput('bollinger', 'upper', out.upper, n);
  checkOutput('bollinger', 'middle', out.middle, n);
  checkOutput('bollinger', 'lower', out.lower, n);
  if (out.stddev !== undefined) checkOutput('bollinger', 'stddev', out.stddev, n);
  return bollingerBands(close, period, k, 1, out);
}
