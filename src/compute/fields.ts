import { COMPUTATION_VERSIONS, type ComputationVersion } from './versions/names.js';

/** The names fixed by docs/design.md ("Computation versions"); order is the order of JSON output. */
export const INDICATOR_FIELDS = [
  'sma_20',
  'sma_50',
  'sma_200',
  'rsi_14',
  'macd',
  'macd_signal',
  'macd_histogram',
  'bb_upper',
  'bb_middle',
  'bb_lower',
  'atr_14',
  'atr_percent',
  'vwap',
  'price_vwap_pct',
  'volume_sma_20',
  'volume_ratio',
  'uncertainty_score',
] as const;

export type IndicatorField = (typeof INDICATOR_FIELDS)[number];

/** One Float64Array per field, aligned with the input bars; NaN where a value is undefined (warm-up, 0/0). */
export type IndicatorColumns = Record<IndicatorField, Float64Array>;

// The versions are named in versions/names.ts and mapped to their kernels in versions/registry.ts.
export { COMPUTATION_VERSIONS, type ComputationVersion };
export const DEFAULT_COMPUTATION_VERSION: ComputationVersion = '1.0';

export function isComputationVersion(value: string): value is ComputationVersion {
  return (COMPUTATION_VERSIONS as readonly string[]).includes(value);
}

export function allocateIndicatorColumns(length: number): IndicatorColumns {
  const columns = {} as IndicatorColumns;
  for (const field of INDICATOR_FIELDS) columns[field] = new Float64Array(length);
  return columns;
}
