/**
 * Percentile statistics of the indicators, as of the last row (docs/design.md, "Computation versions": Percentiles).
 *
 * The same definitions serve both computation versions; only the indicator columns fed in differ. They are fixed
 * here so that the database rows and the JSON objects agree:
 *   - the window is the set of rows where every one of the 17 indicator fields is defined;
 *   - `current_value` is the metric at the LAST input row, whether or not that row is in the window;
 *   - `percentile` = share of window values <= current x 100; `std` uses ddof 1;
 *   - frequency fields = share of window rows satisfying a STRICT comparison x 100;
 *   - `current_price_percentile` = (last close - min) / (max - min) x 100 over the closes of the window rows plus
 *     the last row, 50 when max = min.
 * Any number that cannot be computed is null, never NaN or Infinity, so the result serialises to JSON as is.
 *
 * Cost: one pass to find the window, then two passes over it per metric (sums, then squared deviations).
 */
import type { BarSeries } from '../market/bars.js';
import { INDICATOR_FIELDS, type IndicatorColumns } from './fields.js';

/** The metric keys of the percentile `values`, in JSON order (docs/design.md). */
export const PERCENTILE_METRICS = [
  'rsi_14',
  'macd',
  'uncertainty_score',
  'atr_percent',
  'price_vwap_pct',
  'volume_ratio',
  'sma_20_deviation',
  'sma_50_deviation',
  'sma_200_deviation',
] as const;

export type PercentileMetric = (typeof PERCENTILE_METRICS)[number];

/** The frequency fields each metric carries (those of the existing system). */
export interface FrequencyFieldsByMetric {
  rsi_14: 'pct_above_70' | 'pct_below_30';
  macd: 'pct_positive';
  uncertainty_score: 'pct_below_25' | 'pct_above_75';
  atr_percent: 'pct_below_1' | 'pct_above_4';
  price_vwap_pct: 'pct_above_3' | 'pct_below_minus_3';
  volume_ratio: 'pct_above_2' | 'pct_below_0_7';
  sma_20_deviation: 'pct_close_above_sma';
  sma_50_deviation: 'pct_close_above_sma';
  sma_200_deviation: 'pct_close_above_sma';
}

export interface BaseStatistics {
  /** The metric at the last input row; null when undefined there. */
  current_value: number | null;
  /** Share of window values <= current_value, x 100; null when current_value is null or the window is empty. */
  percentile: number | null;
  mean: number | null;
  /** Sample standard deviation (ddof 1); null with fewer than 2 values. */
  std: number | null;
  min: number | null;
  max: number | null;
  /** Number of rows in the window. */
  count: number;
}

/**
 * The statistics of one metric; `MetricStatistics<'macd'>` has exactly macd's frequency fields, and the default
 * (all metrics) is the union of the nine shapes.
 */
export type MetricStatistics<M extends PercentileMetric = PercentileMetric> = M extends PercentileMetric
  ? BaseStatistics & { [F in FrequencyFieldsByMetric[M]]: number | null }
  : never;

export type PercentileValues = { [M in PercentileMetric]: MetricStatistics<M> } & {
  /** (last close - min) / (max - min) x 100 over the window's closes and the last close; 50 when max = min. */
  current_price_percentile: number | null;
};

interface MetricSpec {
  /** The metric's value at row i (may be NaN or infinite; the caller decides what that means). */
  value(i: number): number;
  /** Frequency field -> strict predicate on (value, row). */
  frequencies: ReadonlyArray<readonly [string, (v: number, i: number) => boolean]>;
}

function metricSpecs(series: BarSeries, ind: IndicatorColumns): Record<PercentileMetric, MetricSpec> {
  const close = series.close;
  const column = (a: Float64Array) => (i: number) => a[i];
  // (close - sma) / sma x 100; the operation order is fixed so that pandas' vectorised form gives the same bits.
  const deviation = (sma: Float64Array): MetricSpec => ({
    value: (i) => ((close[i] - sma[i]) / sma[i]) * 100,
    // Compared on the prices themselves rather than the sign of the deviation, as the existing system does.
    frequencies: [['pct_close_above_sma', (_v, i) => close[i] > sma[i]]],
  });
  return {
    rsi_14: {
      value: column(ind.rsi_14),
      frequencies: [
        ['pct_above_70', (v) => v > 70],
        ['pct_below_30', (v) => v < 30],
      ],
    },
    macd: { value: column(ind.macd), frequencies: [['pct_positive', (v) => v > 0]] },
    uncertainty_score: {
      value: column(ind.uncertainty_score),
      frequencies: [
        ['pct_below_25', (v) => v < 25],
        ['pct_above_75', (v) => v > 75],
      ],
    },
    atr_percent: {
      value: column(ind.atr_percent),
      frequencies: [
        ['pct_below_1', (v) => v < 1],
        ['pct_above_4', (v) => v > 4],
      ],
    },
    price_vwap_pct: {
      value: column(ind.price_vwap_pct),
      frequencies: [
        ['pct_above_3', (v) => v > 3],
        ['pct_below_minus_3', (v) => v < -3],
      ],
    },
    volume_ratio: {
      value: column(ind.volume_ratio),
      frequencies: [
        ['pct_above_2', (v) => v > 2],
        ['pct_below_0_7', (v) => v < 0.7],
      ],
    },
    sma_20_deviation: deviation(ind.sma_20),
    sma_50_deviation: deviation(ind.sma_50),
    sma_200_deviation: deviation(ind.sma_200),
  };
}

/**
 * null for NaN and +-Infinity, and -0 as 0: the result must survive a JSON round trip unchanged
 * (JSON has no NaN, no Infinity and writes -0 as 0).
 */
function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x + 0 : null;
}

/** A share of `total` as a percentage, (k / total) x 100: the same operations as pandas' `.mean() * 100`. */
function share(k: number, total: number): number {
  return (k / total) * 100;
}

/**
 * The rows where every indicator field (and every derived metric) is finite, in order.
 *
 * "Defined" is taken as finite: the kernels mark undefined values with NaN, and an infinite value is no more usable
 * in a mean. A derived deviation can only be non-finite when an SMA is 0, which positive prices never give.
 */
function windowRows(series: BarSeries, ind: IndicatorColumns, specs: Record<PercentileMetric, MetricSpec>): Int32Array {
  const n = series.close.length;
  const columns = INDICATOR_FIELDS.map((f) => ind[f]);
  const rows = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    let ok = Number.isFinite(series.close[i]);
    for (let c = 0; ok && c < columns.length; c++) ok = Number.isFinite(columns[c][i]);
    for (let k = 0; ok && k < PERCENTILE_METRICS.length; k++) {
      ok = Number.isFinite(specs[PERCENTILE_METRICS[k]].value(i));
    }
    if (ok) rows[m++] = i;
  }
  return rows.subarray(0, m);
}

function metricStatistics(spec: MetricSpec, rows: Int32Array, last: number): Record<string, number | null> {
  const m = rows.length;
  const current = last >= 0 ? finiteOrNull(spec.value(last)) : null;
  const stats: Record<string, number | null> = {
    current_value: current,
    percentile: null,
    mean: null,
    std: null,
    min: null,
    max: null,
    count: m,
  };
  for (const [field] of spec.frequencies) stats[field] = null;
  if (m === 0) return stats;

  const values = new Float64Array(m);
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let atOrBelow = 0;
  const hits = new Array<number>(spec.frequencies.length).fill(0);
  for (let k = 0; k < m; k++) {
    const i = rows[k];
    const v = spec.value(i);
    values[k] = v;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
    if (current !== null && v <= current) atOrBelow++;
    for (let f = 0; f < hits.length; f++) if (spec.frequencies[f][1](v, i)) hits[f]++;
  }
  // The exact mean lies in [min, max]; rounding in the sum can push the computed one an ulp outside (e.g. m equal
  // values), so it is clamped. With all values equal the standard deviation is exactly 0, not rounding noise.
  const mean = Math.min(max, Math.max(min, sum / m));
  let std: number | null = null;
  if (m >= 2) {
    if (min === max) {
      std = 0;
    } else {
      // Two passes (squared deviations from the mean) rather than sum of squares: no cancellation for prices
      // far from zero.
      let squares = 0;
      for (let k = 0; k < m; k++) {
        const d = values[k] - mean;
        squares += d * d;
      }
      std = Math.sqrt(squares / (m - 1));
    }
  }
  stats.percentile = current === null ? null : share(atOrBelow, m);
  stats.mean = finiteOrNull(mean);
  stats.std = std === null ? null : finiteOrNull(std);
  stats.min = finiteOrNull(min);
  stats.max = finiteOrNull(max);
  for (let f = 0; f < hits.length; f++) stats[spec.frequencies[f][0]] = share(hits[f], m);
  return stats;
}

/**
 * Percentile statistics of `indicators` (aligned with `series`) as of the last row. Pure.
 * @throws RangeError when an indicator column's length differs from the series'.
 */
export function computePercentiles(series: BarSeries, indicators: IndicatorColumns): PercentileValues {
  const n = series.close.length;
  for (const field of INDICATOR_FIELDS) {
    if (indicators[field].length !== n) {
      throw new RangeError(`indicator column ${field} has ${indicators[field].length} rows, the series has ${n}`);
    }
  }
  const specs = metricSpecs(series, indicators);
  const rows = windowRows(series, indicators, specs);
  const last = n - 1;

  const result: Record<string, unknown> = {};
  for (const metric of PERCENTILE_METRICS) result[metric] = metricStatistics(specs[metric], rows, last);

  // Closes of the window rows plus the last row (which may be outside the window); the last row counted twice
  // when it is inside changes neither min nor max.
  let pricePercentile: number | null = null;
  const lastClose = last >= 0 ? series.close[last] : NaN;
  if (rows.length > 0 && Number.isFinite(lastClose)) {
    let lo = lastClose;
    let hi = lastClose;
    for (let k = 0; k < rows.length; k++) {
      const c = series.close[rows[k]];
      if (c < lo) lo = c;
      if (c > hi) hi = c;
    }
    pricePercentile = hi === lo ? 50 : finiteOrNull(((lastClose - lo) / (hi - lo)) * 100);
  }
  result.current_price_percentile = pricePercentile;
  return result as PercentileValues;
}
