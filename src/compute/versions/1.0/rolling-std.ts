import { bollinger } from './bollinger.js';
import { checkOutput, checkPeriod } from '../../kernel-guards.js';

/**
 * Rolling standard deviation, computation version 1.0: pandas 1.5 `Series.rolling(window).std()` (ddof = 1,
 * min_periods = window), computed as the 1.0 Bollinger kernel computes it (see bollinger.ts): within about
 * 1e-12 relative of the exact sample deviation, exactly 0 for a flat window, NaN for a window holding NaN or
 * ±Infinity and for a window of one bar.
 *
 * The kernel also produces the bands; pass `scratch` (three arrays of length >= n) to reuse their memory,
 * otherwise they are allocated per call. Writes out[0..n) and returns `out`; `out` must not alias `input`.
 */
export function rollingStd(
  input: Float64Array,
  window: number,
  out: Float64Array,
  scratch?: { upper: Float64Array; middle: Float64Array; lower: Float64Array },
): Float64Array {
  checkPeriod('rollingStd', window, 1, 'window');
  const n = input.length;
  checkOutput('rollingStd', 'out', out, n);
  const bands = scratch ?? { upper: new Float64Array(n), middle: new Float64Array(n), lower: new Float64Array(n) };
  bollinger(input, window, 0, { ...bands, stddev: out });
  return out;
}
