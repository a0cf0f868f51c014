/**
 * The library behind the `marketlake` command: the pure compute engine, the lake, the stores and the daily run,
 * for programs that embed them (the CLI is one such program).
 */
export { computeIndicators, indicatorRows, indicatorValuesAt } from './compute/indicators.js';
export { computePercentiles, PERCENTILE_METRICS, type PercentileValues } from './compute/percentiles.js';
export { computeFeatures, FEATURE_FIELDS, type FeatureValues } from './compute/features.js';
export {
  allocateIndicatorColumns,
  COMPUTATION_VERSIONS,
  DEFAULT_COMPUTATION_VERSION,
  INDICATOR_FIELDS,
  type ComputationVersion,
  type IndicatorColumns,
} from './compute/fields.js';
export { toSeries, type Bar, type BarSeries } from './market/bars.js';
export { parseBarsCsv, readBarsCsv } from './market/csv.js';
export { normalizeTicker } from './market/ticker.js';
export type { RawSnapshot } from './lake/formats/raw.js';
export { DataLake, type LakeObject, type Lineage, type VersionInfo } from './lake/data-lake.js';
export type { ObjectStore } from './storage/object-store.js';
export { FsObjectStore } from './storage/fs/fs-object-store.js';
export { openWarehouse, type Warehouse } from './warehouse/database.js';
export { runDaily, type RunSummary } from './pipeline/daily-run.js';
export { computeResults } from './compute/results.js';
export { resolveConfig } from './config.js';
export { openRuntime } from './runtime.js';
