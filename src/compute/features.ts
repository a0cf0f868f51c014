/**
 * Comparative features of one series, as of its last bar (docs/design.md, "Computation versions": Features).
 *
 * Closes only; the window is the whole series given. Daily returns are simple returns, r[i] = close[i] /
 * close[i - 1] - 1 (pandas `pct_change()`), so a series of n bars has n - 1 returns. Each formula is written next
 * to the code that computes it. Anything that cannot be computed is null, never NaN or Infinity.
 * Cost: O(n), one pass for the returns and running maximum, one more for the Sharpe ratio's deviations.
 */
import type { BarSeries } from '../market/bars.js';

/** Trailing return horizons, in bars. */
export const RETURN_HORIZONS = [1, 5, 20, 60, 252] as const;
/** Volatility windows, in daily returns. */
export const VOLATILITY_WINDOWS = [30, 90] as const;
/** Trading days a year, to annualise daily statistics. */
export const TRADING_DAYS_PER_YEAR = 252;

export interface FeatureValues {
  /** close[last] / close[last - 1] - 1 (a fraction); null with fewer than 2 bars. */
  return_1d: number | null;
  /** close[last] / close[last - 5] - 1; null with fewer than 6 bars. */
  return_5d: number | null;
  /** close[last] / close[last - 20] - 1; null with fewer than 21 bars. */
  return_20d: number | null;
  /** close[last] / close[last - 60] - 1; null with fewer than 61 bars. */
  return_60d: number | null;
  /** close[last] / close[last - 252] - 1; null with fewer than 253 bars. */
  return_252d: number | null;
  /** Sample std (ddof 1) of the last 30 daily returns x sqrt(252); null with fewer than 30 returns. */
  volatility_30d: number | null;
  /** Sample std (ddof 1) of the last 90 daily returns x sqrt(252); null with fewer than 90 returns. */
  volatility_90d: number | null;
  /** mean / sample std of all daily returns x sqrt(252), risk-free rate 0; null with < 2 returns or zero std. */
  sharpe_ratio: number | null;
  /** min over the window of close / running max(close) - 1 (a fraction in [-1, 0]); null with no bars. */
  max_drawdown: number | null;
  /** Number of bars used (the series length). */
  bars: number;
}

/** The keys of FeatureValues in JSON order. */
export const FEATURE_FIELDS = [
  'return_1d',
  'return_5d',
  'return_20d',
  'return_60d',
  'return_252d',
  'volatility_30d',
  'volatility_90d',
  'sharpe_ratio',
  'max_drawdown',
  'bars',
] as const satisfies ReadonlyArray<keyof FeatureValues>;

/** null for NaN and +-Infinity, -0 as 0 (JSON has neither NaN nor Infinity and writes -0 as 0). */
function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x + 0 : null;
}

/**
 * Mean and sample standard deviation (ddof 1) of values[from, to), two-pass so that nothing cancels.
 * With all values equal the std is exactly 0 (the computed mean may be an ulp off, which would leave noise).
 */
function meanAndStd(values: Float64Array, from: number, to: number): { mean: number; std: number } {
  const m = to - from;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = from; i < to; i++) {
    const v = values[i];
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // A non-finite return (a close of 0) poisons the sum; min/max skip NaN, so stop before they mislead.
  if (!Number.isFinite(sum)) return { mean: NaN, std: NaN };
  const mean = sum / m;
  if (m < 2) return { mean, std: NaN };
  if (min === max) return { mean: min, std: 0 };
  let squares = 0;
  for (let i = from; i < to; i++) {
    const d = values[i] - mean;
    squares += d * d;
  }
  return { mean, std: Math.sqrt(squares / (m - 1)) };
}

/** Features of `series` as of its last bar. Pure. */
export function computeFeatures(series: BarSeries): FeatureValues {
  const close = series.close;
  const n = close.length;
  const last = n - 1;

  // return_k = close[last] / close[last - k] - 1: the simple return over the last k bars, needs k + 1 bars.
  const trailing = (k: number): number | null => (n >= k + 1 ? finiteOrNull(close[last] / close[last - k] - 1) : null);

  // Daily simple returns r[i - 1] = close[i] / close[i - 1] - 1 (pandas pct_change without its leading NaN), and
  // the maximum drawdown in the same pass: drawdown[i] = close[i] / max(close[0..i]) - 1, max_drawdown = min of it.
  const returns = new Float64Array(Math.max(n - 1, 0));
  let runningMax = n > 0 ? close[0] : NaN;
  let maxDrawdown = n > 0 ? close[0] / runningMax - 1 : NaN;
  for (let i = 1; i < n; i++) {
    returns[i - 1] = close[i] / close[i - 1] - 1;
    if (close[i] > runningMax) runningMax = close[i];
    const drawdown = close[i] / runningMax - 1;
    if (drawdown < maxDrawdown) maxDrawdown = drawdown;
  }
  const r = returns.length;
  const annualise = Math.sqrt(TRADING_DAYS_PER_YEAR);

  // volatility_k = std(r[last k returns], ddof 1) x sqrt(252); needs k returns (k + 1 bars).
  const volatility = (k: number): number | null =>
    r >= k ? finiteOrNull(meanAndStd(returns, r - k, r).std * annualise) : null;

  // sharpe = mean(r) / std(r, ddof 1) x sqrt(252) over every return of the window, risk-free rate 0;
  // undefined (null) with fewer than 2 returns or a zero std.
  let sharpe: number | null = null;
  if (r >= 2) {
    const { mean, std } = meanAndStd(returns, 0, r);
    if (std > 0) sharpe = finiteOrNull((mean / std) * annualise);
  }

  return {
    return_1d: trailing(1),
    return_5d: trailing(5),
    return_20d: trailing(20),
    return_60d: trailing(60),
    return_252d: trailing(252),
    volatility_30d: volatility(30),
    volatility_90d: volatility(90),
    sharpe_ratio: sharpe,
    max_drawdown: finiteOrNull(maxDrawdown),
    bars: n,
  };
}
