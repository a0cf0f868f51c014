/**
 * Runs every version 2.0 kernel over one series under the names of the TA-Lib fixtures, and states how
 * closely each must agree with TA-Lib. Shared by the fixture tests and the live TA-Lib test.
 */
import { atr, bollinger, ema, macd, rsi, sma } from '../index.js';
import { TALIB_FIELDS, type TalibField } from './talib.js';

export interface KernelOutputs extends Record<TalibField, Float64Array> {
  bb_stddev: Float64Array;
}

export function runKernels(bars: { high: Float64Array; low: Float64Array; close: Float64Array }): KernelOutputs {
  const { high, low, close } = bars;
  const n = close.length;
  const column = () => new Float64Array(n);
  const lines = macd(close, { macd: column(), signal: column(), histogram: column() });
  const bands = bollinger(close, 20, 2, { upper: column(), middle: column(), lower: column(), stddev: column() });
  return {
    sma_20: sma(close, 20, column()),
    sma_50: sma(close, 50, column()),
    sma_200: sma(close, 200, column()),
    ema_12: ema(close, 12, column()),
    ema_26: ema(close, 26, column()),
    rsi_14: rsi(close, 14, column()),
    macd: lines.macd,
    macd_signal: lines.signal,
    macd_histogram: lines.histogram,
    atr_14: atr(high, low, close, 14, column()),
    bb_upper: bands.upper,
    bb_middle: bands.middle,
    bb_lower: bands.lower,
    bb_stddev: bands.stddev as Float64Array,
  };
}

/** Agreement with TA-Lib required of the kernels that follow its definitions. */
export const TALIB_RELATIVE = 1e-9;

/**
 * Where "relative" stops making sense, given the price scale (mean |close|): |ours - TA-Lib| must be
 * <= 1e-9 x max(|TA-Lib's value|, floor).
 *  - SMA, EMA: prices, never near zero: purely relative (floor 0). (SMA is in fact bit for bit.)
 *  - RSI: a ratio in [0, 100] whose rounding error is absolute (~1e-14): floor 1, i.e. 1e-9 RSI points.
 *  - MACD, signal, histogram: differences of price-level EMAs, so their rounding error is eps x price,
 *    whatever their own size (they cross zero): floor = the price scale, i.e. 1e-9 of the price.
 *  - ATR: relative to itself; the floor (1e-6 of the price) only matters in long flat runs where it decays
 *    towards 0, and still asks for 1e-15 of the price.
 * The Bollinger bands, middle included, are not here: ours are exact and TA-Lib's are off by its own
 * rounding (its running sums drift), so they are compared within TA-Lib's error bound (talib-bands.ts).
 */
export function talibFloor(field: TalibField, scale: number): number {
  switch (field) {
    case 'rsi_14':
      return 1;
    case 'macd':
    case 'macd_signal':
    case 'macd_histogram':
      return scale;
    case 'atr_14':
      return 1e-6 * scale;
    default:
      return 0;
  }
}

/** The kernels checked against TA-Lib at TALIB_RELATIVE: all but Bollinger, whose deviation is exact, not TA-Lib's. */
export const TALIB_MATCHED: readonly TalibField[] = TALIB_FIELDS.filter((field) => !field.startsWith('bb_'));
