import { describe, expect, it } from 'vitest';
import { INDICATOR_FIELDS, type ComputationVersion, type IndicatorField } from '../compute/fields.js';
import { computeIndicators } from '../compute/indicators.js';
import type { BarSeries } from '../market/bars.js';
import { mulberry32 } from '../sources/sample/random.js';
import {
  affectedUntil,
  affectedUntilAnyVersion,
  INDICATOR_INPUTS,
  isResultAffected,
  lookbackTable,
} from './lookback.js';

describe('affectedUntil', () => {
  it('gives the rolling windows their length - 1, RSI and ATR 1.0 one more bar for the previous close', () => {
    for (const version of ['1.0', '2.0'] as const) {
      expect(affectedUntil('sma_20', version)).toBe(19);
      expect(affectedUntil('sma_50', version)).toBe(49);
      expect(affectedUntil('sma_200', version)).toBe(199);
      for (const field of ['bb_upper', 'bb_middle', 'bb_lower', 'volume_sma_20', 'volume_ratio'] as const)
        expect(affectedUntil(field, version)).toBe(19);
      for (const field of ['vwap', 'price_vwap_pct', 'uncertainty_score'] as const)
        expect(affectedUntil(field, version)).toBe(Infinity);
    }
    expect(affectedUntil('rsi_14', '1.0')).toBe(14);
    expect(affectedUntil('atr_14', '1.0')).toBe(14);
    expect(affectedUntil('atr_percent', '1.0')).toBe(14);
  });

  it('ends exponential smoothing where the weight of a bar falls below 1e-9 (ln 1e-9 / ln(1 - alpha), plus the chaining)', () => {
    // MACD's slow EMA (alpha 2/27) alone: (25/27)^k >= 1e-9 up to k = 269; the signal and histogram chain on it.
    expect(Math.floor(Math.log(1e-9) / Math.log(25 / 27))).toBe(269);
    expect(lookbackTable('1.0')).toMatchObject({ macd: 269, macd_signal: 274, macd_histogram: 281 });
    expect(lookbackTable('2.0')).toMatchObject({ macd: 269, macd_signal: 274, macd_histogram: 281 });
    // Wilder (alpha 1/14): (13/14)^k >= 1e-9 up to k = 279, and the close of D enters through the change of D + 1.
    expect(Math.floor(Math.log(1e-9) / Math.log(13 / 14))).toBe(279);
    expect(affectedUntil('rsi_14', '2.0')).toBe(280);
    expect(affectedUntil('atr_14', '2.0')).toBe(280);
  });

  it('takes the longest lookback of the known versions for an unknown one', () => {
    expect(affectedUntilAnyVersion('rsi_14', '0.9-legacy')).toBe(280);
    expect(affectedUntilAnyVersion('rsi_14', '1.0')).toBe(14);
  });
});

describe('isResultAffected', () => {
  const dates = Array.from({ length: 60 }, (_, i) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10));
  const asOf = dates[59];

  it('counts the bars of the window after the changed date up to as_of', () => {
    // dates[40] is 19 bars before as_of: SMA-20 at as_of still averages it, at 20 bars it has left the window.
    expect(isResultAffected(asOf, dates, [dates[40]], 19)).toBe(true);
    expect(isResultAffected(asOf, dates, [dates[39]], 19)).toBe(false);
    expect(isResultAffected(asOf, dates, [dates[39], dates[50]], 19)).toBe(true);
    expect(isResultAffected(asOf, dates, [asOf], 0)).toBe(true);
  });

  it('ignores changes after as_of and before the window, and whole-window values see everything inside it', () => {
    expect(isResultAffected(dates[30], dates, [dates[31]], Infinity)).toBe(false);
    expect(isResultAffected(asOf, dates.slice(10), [dates[9]], Infinity)).toBe(false);
    expect(isResultAffected(asOf, dates.slice(10), [dates[10]], Infinity)).toBe(true);
    expect(isResultAffected(asOf, [], [asOf], Infinity)).toBe(false);
  });

  it('places a date missing from the window (a bar the newer snapshot added) where it sorts', () => {
    const gappy = dates.filter((_, i) => i !== 45);
    // The added bar would be the 15th bar before as_of in the newer series.
    expect(isResultAffected(asOf, gappy, [dates[45]], 14)).toBe(true);
    expect(isResultAffected(asOf, gappy, [dates[45]], 13)).toBe(false);
  });
});

/**
 * The lookbacks against the real kernels: a close (or volume) changed k bars before the last bar moves the last
 * value at k = affectedUntil, and at k = affectedUntil + 1 no longer does, beyond rounding (rolling windows: a few
 * ulps of running-sum residue) or beyond the 1e-9 weight (exponential smoothing).
 */
describe('the lookbacks agree with the kernels', () => {
  const n = 1200;
  const series = randomSeries(n, 7);
  const CHANGE = 1.05;

  function lastValue(s: BarSeries, version: ComputationVersion, field: IndicatorField): number {
    return computeIndicators(s, version)[field][n - 1];
  }

  function changedAt(index: number, input: 'close' | 'volume'): BarSeries {
    const changed = { ...series, [input]: series[input].slice() };
    changed[input][index] *= CHANGE;
    return changed;
  }

  const EXPONENTIAL = new Set<string>(['macd', 'macd_signal', 'macd_histogram']);
  for (const version of ['1.0', '2.0'] as const) {
    for (const field of INDICATOR_FIELDS) {
      it(`${field} ${version}`, () => {
        const input = INDICATOR_INPUTS[field].includes('close') ? 'close' : 'volume';
        const base = lastValue(series, version, field);
        const lookback = affectedUntil(field, version);
        if (lookback === Infinity) {
          // Cumulative: even the first bar of the window still counts.
          expect(lastValue(changedAt(0, input), version, field)).not.toBe(base);
          return;
        }
        const at = n - 1 - lookback;
        const delta = series[input][at] * (CHANGE - 1);
        const inside = Math.abs(lastValue(changedAt(at, input), version, field) - base);
        const outside = Math.abs(lastValue(changedAt(at - 1, input), version, field) - base);
        expect(inside).toBeGreaterThan(0);
        const exponential =
          EXPONENTIAL.has(field) || (version === '2.0' && ['rsi_14', 'atr_14', 'atr_percent'].includes(field));
        if (!exponential) {
          // Far above rounding: the changed bar is in the window.
          expect(inside).toBeGreaterThan(1e-9 * Math.max(1, Math.abs(base)));
          expect(outside).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(base)));
          return;
        }
        // Below 1e-9 per unit of change; RSI and atr_percent divide the smoothed state (by the average move, by
        // the close), which scales that bound as the module comment says.
        const closeLast = series.close[n - 1];
        const scale =
          field === 'rsi_14' ? 100 / meanAbsoluteChange(series.close) : field === 'atr_percent' ? 100 / closeLast : 1;
        expect(outside).toBeLessThan(1e-9 * Math.abs(delta) * scale);
      });
    }
  }
});

function randomSeries(n: number, seed: number): BarSeries {
  const random = mulberry32(seed);
  const s: BarSeries = {
    dates: Array.from({ length: n }, (_, i) => new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10)),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  let price = 100;
  for (let i = 0; i < n; i++) {
    price *= 1 + (random() - 0.5) * 0.04;
    s.open[i] = price;
    s.close[i] = price;
    s.high[i] = price * (1 + random() * 0.02);
    s.low[i] = price * (1 - random() * 0.02);
    s.volume[i] = 1e6 * (0.5 + random());
  }
  return s;
}

function meanAbsoluteChange(close: Float64Array): number {
  let sum = 0;
  for (let i = 1; i < close.length; i++) sum += Math.abs(close[i] - close[i - 1]);
  return sum / (close.length - 1);
}
