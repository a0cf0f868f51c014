import type { ProcessedKind } from '../keys.js';

/**
 * The `schema` value of each document kind (docs/design.md "Object bodies"), apart from the formats' modules so
 * that a format and its zod schema (raw.ts and raw-schema.ts, processed.ts and processed-schema.ts) can both use
 * them without importing each other.
 */
export const RAW_SCHEMA = 'marketlake.raw/1';

export const PROCESSED_SCHEMAS = {
  indicators: 'marketlake.indicators/1',
  percentiles: 'marketlake.percentiles/1',
  features: 'marketlake.features/1',
} as const satisfies Record<ProcessedKind, string>;
