import { computeFeatures, type FeatureValues } from './features.js';
import type { ComputationVersion } from './fields.js';
import { computeIndicators, indicatorValuesAt } from './indicators.js';
import { computePercentiles, type PercentileValues } from './percentiles.js';
import type { RawSnapshot } from '../lake/formats/raw.js';
import { barsOf } from '../lake/formats/raw-bars.js';
import { toSeries } from '../market/bars.js';

/** What one computation version makes of one raw snapshot, as of its last bar. */
export interface TickerResults {
  asOf: string;
  bars: number;
  indicators: Record<string, number | null>;
  percentiles: PercentileValues;
  features: FeatureValues;
}

/** Pure: the same snapshot and version always give the same results (the basis of `verify`). */
export function computeResults(snapshot: RawSnapshot, version: ComputationVersion): TickerResults {
  const series = toSeries(barsOf(snapshot));
  const last = series.dates.length - 1;
  const columns = computeIndicators(series, version);
  return {
    asOf: series.dates[last],
    bars: series.dates.length,
    indicators: indicatorValuesAt(columns, last),
    percentiles: computePercentiles(series, columns),
    features: computeFeatures(series),
  };
}
