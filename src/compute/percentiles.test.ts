/**
 * computePercentiles against pandas (test/fixtures/pandas-stats, from scripts/fixtures/pandas_stats.py), plus the
 * edge cases the definitions fix: empty window, current value undefined at the last row, max = min, strict
 * frequency comparisons, and properties over random inputs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BarSeries } from '../market/bars.js';
import { INDICATOR_FIELDS, type IndicatorColumns, type IndicatorField } from './fields.js';
import { PERCENTILE_METRICS, computePercentiles, type MetricStatistics, type PercentileValues } from './percentiles.js';
import { FIXTURES_DIR, expectRelClose, pandasStatsFixtures } from './testing/pandas-stats.js';

type Stats = Record<string, number | null>;
interface StatsFixture {
  name: string;
  series: string;
  expected: { percentiles: Record<string, Stats | number | null> };
  indicators: Record<IndicatorField, (number | null)[]>;
}

function readSeries(name: string): BarSeries {
  const lines = readFileSync(join(FIXTURES_DIR, 'series', `${name}.csv`), 'utf8')
    .trim()
    .split('\n')
    .slice(1);
  const n = lines.length;
  const series: BarSeries = {
    dates: [],
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  lines.forEach((line, i) => {
    const [date, open, high, low, close, volume] = line.split(',');
    series.dates.push(date);
    series.open[i] = Number(open);
    series.high[i] = Number(high);
    series.low[i] = Number(low);
    series.close[i] = Number(close);
    series.volume[i] = Number(volume);
  });
  return series;
}

const fixtures = pandasStatsFixtures<StatsFixture>();

function fixture(name: string): StatsFixture {
  const found = fixtures.find((f) => f.name === name);
  if (!found) throw new Error(`missing fixture ${name}: run /usr/bin/python3 scripts/fixtures/pandas_stats.py`);
  return found;
}

function columnsOf(f: StatsFixture): IndicatorColumns {
  const columns = {} as IndicatorColumns;
  for (const field of INDICATOR_FIELDS) columns[field] = Float64Array.from(f.indicators[field], (v) => v ?? NaN);
  return columns;
}

/** Fields computed with the very same operations as pandas: they must be bit-identical. */
const EXACT = new Set(['current_value', 'percentile', 'min', 'max', 'count']);

function statsOf(values: PercentileValues, metric: string): Stats {
  return (values as unknown as Record<string, Stats>)[metric];
}

// ---- small hand-built inputs ------------------------------------------------------------------------------------

function seriesOf(closes: number[]): BarSeries {
  const close = Float64Array.from(closes);
  return {
    dates: closes.map((_, i) => `2024-01-${String(i + 1).padStart(2, '0')}`),
    open: close.slice(),
    high: close.slice(),
    low: close.slice(),
    close,
    volume: new Float64Array(closes.length).fill(1000),
  };
}

/** Every field defined with a neutral value (sma = close), then the overrides. */
function indicatorsOf(closes: number[], overrides: Partial<Record<IndicatorField, number[]>> = {}): IndicatorColumns {
  const neutral: Record<IndicatorField, number> = {
    sma_20: 0,
    sma_50: 0,
    sma_200: 0,
    rsi_14: 50,
    macd: 0.5,
    macd_signal: 0.4,
    macd_histogram: 0.1,
    bb_upper: 0,
    bb_middle: 0,
    bb_lower: 0,
    atr_14: 1,
    atr_percent: 2,
    vwap: 0,
    price_vwap_pct: 0.5,
    volume_sma_20: 1000,
    volume_ratio: 1,
    uncertainty_score: 50,
  };
  const columns = {} as IndicatorColumns;
  for (const field of INDICATOR_FIELDS) {
    const given = overrides[field];
    columns[field] = given
      ? Float64Array.from(given)
      : Float64Array.from(closes, (c) => (neutral[field] === 0 ? c : neutral[field]));
  }
  return columns;
}

function expectNoNonFinite(values: PercentileValues) {
  // JSON.stringify turns NaN and Infinity into null: a round trip that changes nothing proves there are none.
  expect(JSON.parse(JSON.stringify(values))).toEqual(values);
  for (const metric of PERCENTILE_METRICS) {
    for (const v of Object.values(statsOf(values, metric))) if (v !== null) expect(Number.isFinite(v)).toBe(true);
  }
}

describe('computePercentiles against pandas', () => {
  it('has every fixture the tests rely on', () => {
    const names = ['flat-stretch', 'short-150', 'walk-50', 'walk-50-last-undefined', 'walk-50000', 'zero-volume'];
    for (const name of names) expect(() => fixture(name)).not.toThrow();
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s matches pandas', (_name, f) => {
    const got = computePercentiles(readSeries(f.series), columnsOf(f));
    const expected = f.expected.percentiles;
    // Same keys in the same order (the JSON objects are compared as text elsewhere).
    expect(Object.keys(got)).toEqual(Object.keys(expected));
    for (const metric of PERCENTILE_METRICS) {
      const e = expected[metric] as Stats;
      const a = statsOf(got, metric);
      expect(Object.keys(a), metric).toEqual(Object.keys(e));
      for (const key of Object.keys(e)) {
        const label = `${f.name} ${metric}.${key}`;
        // Frequencies are (k / n) x 100 with integer k, as in pandas: exact as well.
        if (EXACT.has(key) || key.startsWith('pct_')) expect(a[key], label).toBe(e[key]);
        else expectRelClose(a[key], e[key], label);
      }
    }
    expect(got.current_price_percentile).toBe(expected.current_price_percentile);
    expectNoNonFinite(got);
  });

  it('the fixtures exercise the hazards (mid-window NaN rows, exact thresholds, ties with the current value)', () => {
    const f = fixture('walk-50');
    const rows = f.indicators.rsi_14.length;
    const defined = (i: number) => INDICATOR_FIELDS.every((field) => f.indicators[field][i] !== null);
    const firstDefined = [...Array(rows).keys()].find(defined) as number;
    expect(firstDefined).toBe(199); // sma_200's warm-up
    const holes = [...Array(rows).keys()].filter((i) => i > firstDefined && !defined(i));
    expect(holes.length).toBeGreaterThan(0);
    const inWindow = (field: IndicatorField, value: number) =>
      f.indicators[field].some((v, i) => v === value && defined(i) && i < rows - 1);
    expect(inWindow('rsi_14', 70)).toBe(true);
    expect(inWindow('volume_ratio', 0.7)).toBe(true);
    expect(inWindow('macd', 0)).toBe(true);
    expect(inWindow('rsi_14', f.indicators.rsi_14[rows - 1] as number)).toBe(true);
  });

  it('short-150: sma_200 is never defined, so the window is empty and everything is null', () => {
    const f = fixture('short-150');
    const got = computePercentiles(readSeries(f.series), columnsOf(f));
    for (const metric of PERCENTILE_METRICS) {
      const s = statsOf(got, metric);
      expect(s.count).toBe(0);
      for (const [key, value] of Object.entries(s)) {
        // The current value exists (the last row has rsi etc.) except for sma_200's deviation.
        if (key === 'current_value') expect(value === null).toBe(metric === 'sma_200_deviation');
        else if (key !== 'count') expect(value, `${metric}.${key}`).toBeNull();
      }
    }
    expect(got.current_price_percentile).toBeNull();
  });

  it('walk-50-last-undefined: macd has no current value and the last row leaves every window', () => {
    const full = computePercentiles(readSeries('walk-50'), columnsOf(fixture('walk-50')));
    const got = computePercentiles(readSeries('walk-50'), columnsOf(fixture('walk-50-last-undefined')));
    expect(got.macd.current_value).toBeNull();
    expect(got.macd.percentile).toBeNull();
    expect(got.macd.mean).not.toBeNull();
    expect(got.rsi_14.current_value).toBe(full.rsi_14.current_value);
    expect(got.rsi_14.count).toBe(full.rsi_14.count - 1);
  });
});

describe('computePercentiles edge cases', () => {
  it('returns all nulls and zero counts for an empty series', () => {
    const got = computePercentiles(seriesOf([]), indicatorsOf([]));
    for (const metric of PERCENTILE_METRICS) {
      const { count, ...rest } = statsOf(got, metric);
      expect(count).toBe(0);
      for (const value of Object.values(rest)) expect(value).toBeNull();
    }
    expect(got.current_price_percentile).toBeNull();
  });

  it('returns an empty window when one field is undefined on every row', () => {
    const closes = [10, 11, 12, 13];
    const got = computePercentiles(seriesOf(closes), indicatorsOf(closes, { bb_lower: [NaN, NaN, NaN, NaN] }));
    expect(got.rsi_14).toEqual({
      current_value: 50,
      percentile: null,
      mean: null,
      std: null,
      min: null,
      max: null,
      count: 0,
      pct_above_70: null,
      pct_below_30: null,
    } satisfies MetricStatistics<'rsi_14'>);
    expect(got.current_price_percentile).toBeNull();
    expectNoNonFinite(got);
  });

  it('computes by hand on a small window (ties count in the percentile, ddof 1)', () => {
    const closes = [10, 20, 30, 40, 50];
    // Row 1 is out of the window (atr_14 undefined); the window is rows 0, 2, 3, 4.
    const got = computePercentiles(
      seriesOf(closes),
      indicatorsOf(closes, { rsi_14: [20, 99, 60, 40, 40], atr_14: [1, NaN, 1, 1, 1] }),
    );
    expect(got.rsi_14).toEqual({
      current_value: 40,
      percentile: 75, // 20, 40, 40 of (20, 60, 40, 40) are <= 40
      mean: 40,
      std: Math.sqrt((400 + 400 + 0 + 0) / 3),
      min: 20,
      max: 60,
      count: 4,
      pct_above_70: 0,
      pct_below_30: 25,
    });
    // closes of the window (10, 30, 40, 50) plus the last (50): (50 - 10) / (50 - 10) x 100.
    expect(got.current_price_percentile).toBe(100);
    // close = sma on every row: the deviation is 0 and close is never strictly above.
    expect(got.sma_20_deviation).toMatchObject({ current_value: 0, mean: 0, std: 0, pct_close_above_sma: 0 });
  });

  it('has a percentile that counts values equal to the current one (<=, not <)', () => {
    const closes = [1, 2, 3, 4];
    const got = computePercentiles(seriesOf(closes), indicatorsOf(closes, { macd: [5, 5, 5, 5] }));
    expect(got.macd.percentile).toBe(100);
    expect(got.macd.std).toBe(0);
  });

  it('uses strict comparisons for every frequency field: values on the threshold are not counted', () => {
    const closes = [100, 100, 100, 100];
    const got = computePercentiles(
      seriesOf(closes),
      indicatorsOf(closes, {
        rsi_14: [70, 30, 70, 30],
        macd: [0, 0, 0, 0],
        uncertainty_score: [25, 75, 25, 75],
        atr_percent: [1, 4, 1, 4],
        price_vwap_pct: [3, -3, 3, -3],
        volume_ratio: [2, 0.7, 2, 0.7],
        sma_20: [100, 100, 100, 100],
        sma_50: [100, 100, 100, 100],
        sma_200: [100, 100, 100, 100],
      }),
    );
    const frequencies: Array<[string, string]> = [
      ['rsi_14', 'pct_above_70'],
      ['rsi_14', 'pct_below_30'],
      ['macd', 'pct_positive'],
      ['uncertainty_score', 'pct_below_25'],
      ['uncertainty_score', 'pct_above_75'],
      ['atr_percent', 'pct_below_1'],
      ['atr_percent', 'pct_above_4'],
      ['price_vwap_pct', 'pct_above_3'],
      ['price_vwap_pct', 'pct_below_minus_3'],
      ['volume_ratio', 'pct_above_2'],
      ['volume_ratio', 'pct_below_0_7'],
      ['sma_20_deviation', 'pct_close_above_sma'],
      ['sma_50_deviation', 'pct_close_above_sma'],
      ['sma_200_deviation', 'pct_close_above_sma'],
    ];
    for (const [metric, field] of frequencies) expect(statsOf(got, metric)[field], `${metric}.${field}`).toBe(0);

    // Just past each threshold, every row counts.
    const past = computePercentiles(
      seriesOf(closes),
      indicatorsOf(closes, {
        rsi_14: [70.5, 70.5, 70.5, 70.5],
        volume_ratio: [0.69, 0.69, 0.69, 0.69],
        sma_20: [99, 99, 99, 99],
      }),
    );
    expect(past.rsi_14.pct_above_70).toBe(100);
    expect(past.volume_ratio.pct_below_0_7).toBe(100);
    expect(past.sma_20_deviation.pct_close_above_sma).toBe(100);
  });

  it('keeps the mean within [min, max] when rounding would push it out (0.1 + 0.1 + 0.1 = 0.30000000000000004)', () => {
    const closes = [1, 2, 3];
    const got = computePercentiles(seriesOf(closes), indicatorsOf(closes, { macd: [0.1, 0.1, 0.1] }));
    expect(got.macd).toMatchObject({ mean: 0.1, std: 0, min: 0.1, max: 0.1, percentile: 100 });
  });

  it('gives 50 for current_price_percentile when every close is the same', () => {
    const closes = [42, 42, 42, 42, 42];
    expect(computePercentiles(seriesOf(closes), indicatorsOf(closes)).current_price_percentile).toBe(50);
  });

  it('includes the last close in the price range even when the last row is outside the window', () => {
    const closes = [10, 20, 30];
    const got = computePercentiles(seriesOf(closes), indicatorsOf(closes, { vwap: [1, 1, NaN] }));
    expect(got.rsi_14.count).toBe(2);
    expect(got.current_price_percentile).toBe(100); // range 10..30 thanks to the last close
    const below = computePercentiles(seriesOf([10, 20, 5]), indicatorsOf([10, 20, 5], { vwap: [1, 1, NaN] }));
    expect(below.current_price_percentile).toBe(0);
  });

  it('treats an infinite indicator value as undefined', () => {
    const closes = [10, 20, 30];
    const got = computePercentiles(seriesOf(closes), indicatorsOf(closes, { volume_ratio: [Infinity, 1, -Infinity] }));
    expect(got.volume_ratio.count).toBe(1);
    expect(got.volume_ratio.current_value).toBeNull();
    expectNoNonFinite(got);
  });

  it('rejects columns whose length differs from the series', () => {
    const closes = [1, 2, 3];
    expect(() => computePercentiles(seriesOf(closes), indicatorsOf(closes, { macd: [1, 2] }))).toThrow(RangeError);
  });

  it('exports the nine metrics in the order of docs/design.md', () => {
    expect(PERCENTILE_METRICS).toEqual([
      'rsi_14',
      'macd',
      'uncertainty_score',
      'atr_percent',
      'price_vwap_pct',
      'volume_ratio',
      'sma_20_deviation',
      'sma_50_deviation',
      'sma_200_deviation',
    ]);
  });
});

describe('computePercentiles properties', () => {
  // Values drawn from a small set make ties and equal values (max = min) common; some cells are undefined.
  const cell = fc.oneof(
    { weight: 1, arbitrary: fc.constant(NaN) },
    { weight: 6, arbitrary: fc.constantFrom(-3, 0, 0.7, 1, 2, 30, 70, 0.1) },
    { weight: 6, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  );
  const input = fc.integer({ min: 1, max: 40 }).chain((n) =>
    fc.record({
      closes: fc.array(fc.double({ min: 0.01, max: 1e5, noNaN: true }), { minLength: n, maxLength: n }),
      cells: fc.array(fc.array(cell, { minLength: n, maxLength: n }), {
        minLength: INDICATOR_FIELDS.length,
        maxLength: INDICATOR_FIELDS.length,
      }),
    }),
  );

  it('0 <= percentile <= 100, min <= mean <= max, std >= 0, counts agree, nothing NaN or infinite', () => {
    fc.assert(
      fc.property(input, ({ closes, cells }) => {
        const columns = {} as IndicatorColumns;
        INDICATOR_FIELDS.forEach((field, k) => {
          // SMAs near the close keep the deviations finite, as real data does.
          columns[field] = field.startsWith('sma_')
            ? Float64Array.from(closes, (c, i) => (Number.isNaN(cells[k][i]) ? NaN : c * 1.01))
            : Float64Array.from(cells[k]);
        });
        const got = computePercentiles(seriesOf(closes), columns);
        expectNoNonFinite(got);
        const window = closes.map((_, i) => INDICATOR_FIELDS.every((f) => !Number.isNaN(columns[f][i])));
        const size = window.filter(Boolean).length;
        for (const metric of PERCENTILE_METRICS) {
          const s = statsOf(got, metric);
          expect(s.count).toBe(size);
          if (s.percentile !== null) {
            expect(s.percentile).toBeGreaterThanOrEqual(0);
            expect(s.percentile).toBeLessThanOrEqual(100);
          }
          if (size > 0) {
            expect(s.min as number).toBeLessThanOrEqual(s.mean as number);
            expect(s.mean as number).toBeLessThanOrEqual(s.max as number);
          }
          if (s.std !== null) expect(s.std).toBeGreaterThanOrEqual(0);
          for (const [key, value] of Object.entries(s)) {
            if (key.startsWith('pct_') && value !== null) {
              expect(value).toBeGreaterThanOrEqual(0);
              expect(value).toBeLessThanOrEqual(100);
            }
          }
        }
        // The percentile of a plain metric is the share of window values <= the current one.
        const current = columns.rsi_14[closes.length - 1];
        if (size > 0 && !Number.isNaN(current)) {
          const atOrBelow = closes.filter((_, i) => window[i] && columns.rsi_14[i] <= current).length;
          expect(got.rsi_14.percentile).toBe((atOrBelow / size) * 100);
        }
        if (got.current_price_percentile !== null) {
          expect(got.current_price_percentile).toBeGreaterThanOrEqual(0);
          expect(got.current_price_percentile).toBeLessThanOrEqual(100);
        }
      }),
      { numRuns: 300 },
    );
  });
});
