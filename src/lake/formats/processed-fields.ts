import { FEATURE_FIELDS } from '../../compute/features.js';
import { INDICATOR_FIELDS } from '../../compute/fields.js';
import type { FrequencyFieldsByMetric, PercentileMetric } from '../../compute/percentiles.js';

/**
 * The fields of the processed documents' `values`, apart from the zod schemas (processed-schema.ts) so that the
 * lake's reads can check a document without loading zod (processed-read.ts): both checks are made from these lists.
 */

/** The frequency fields of each percentile metric (compute/percentiles.ts computes them; the types keep them equal). */
export const FREQUENCY_FIELDS: { [M in PercentileMetric]: readonly FrequencyFieldsByMetric[M][] } = {
  rsi_14: ['pct_above_70', 'pct_below_30'],
  macd: ['pct_positive'],
  uncertainty_score: ['pct_below_25', 'pct_above_75'],
  atr_percent: ['pct_below_1', 'pct_above_4'],
  price_vwap_pct: ['pct_above_3', 'pct_below_minus_3'],
  volume_ratio: ['pct_above_2', 'pct_below_0_7'],
  sma_20_deviation: ['pct_close_above_sma'],
  sma_50_deviation: ['pct_close_above_sma'],
  sma_200_deviation: ['pct_close_above_sma'],
};

/** The statistics every percentile metric has, before its frequency fields; `count` is a whole number. */
export const STATISTICS_FIELDS = ['current_value', 'percentile', 'mean', 'std', 'min', 'max', 'count'] as const;

/** The feature fields that are numbers or null (`bars` is a count). */
export const FEATURE_NUMBER_FIELDS = FEATURE_FIELDS.filter(
  (field): field is Exclude<(typeof FEATURE_FIELDS)[number], 'bars'> => field !== 'bars',
);

export { INDICATOR_FIELDS };
