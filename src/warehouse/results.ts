/**
 * The computed-result tables (`daily_indicators`, `indicator_percentiles`, `comparative_features`) and the one
 * transaction that writes them together with their outbox entries (DESIGN.md, "The write path").
 */
import type { Kysely } from 'kysely';
import { INDICATOR_FIELDS, type IndicatorField } from '../compute/fields.js';
import { enqueueOutbox, type OutboxEntryInput } from './outbox.js';
import { FEATURE_FIELDS, type Database, type FeatureField } from './schema.js';
import {
  assertUniqueKeys,
  chunkRows,
  inTransaction,
  jsonText,
  nullableDouble,
  setFromExcluded,
} from './sql-helpers.js';

/** What every result row of one computation shares. */
export interface ComputationLineage {
  symbol: string;
  computationVersion: string;
  computedAt: Date | string;
  sourceRawKey: string;
  /** Null when the object store does not version objects. */
  sourceRawVersionId: string | null;
}

/** One day of indicators; NaN or null for a value that cannot be computed (stored as null). */
export interface IndicatorRowInput {
  date: string;
  values: Record<IndicatorField, number | null>;
}

export interface IndicatorResultsInput {
  /** The lake key of the indicators object these rows mirror. */
  lakeKey: string;
  rows: readonly IndicatorRowInput[];
}

export interface PercentileResultInput {
  lakeKey: string;
  /** The `as_of` date. */
  date: string;
  lookbackDays: number;
  currentPricePercentile: number | null;
  /** The whole `values` block of the percentiles object, stored as jsonb. */
  statistics: object;
}

export interface FeatureResultInput {
  lakeKey: string;
  date: string;
  values: Record<FeatureField, number | null>;
  /** Number of bars the features were computed over. */
  bars: number;
}

export interface ComputedResultsInput extends ComputationLineage {
  indicators?: IndicatorResultsInput;
  percentiles?: PercentileResultInput;
  features?: FeatureResultInput;
  /** The lake objects to write for these results. */
  outbox: readonly OutboxEntryInput[];
}

const LINEAGE_COLUMNS = [
  'computation_version',
  'lake_key',
  'source_raw_key',
  'source_raw_version_id',
  'computed_at',
] as const;

/**
 * Upserts the given result rows and enqueues their outbox entries in ONE transaction (or inside the caller's):
 * either all of it is committed or none. Returns the outbox ids in the order of `input.outbox`.
 */
export async function writeComputedResults(db: Kysely<Database>, input: ComputedResultsInput): Promise<number[]> {
  return inTransaction(db, async (trx) => {
    if (input.indicators !== undefined) await upsertIndicators(trx, input, input.indicators);
    if (input.percentiles !== undefined) await upsertPercentiles(trx, input, input.percentiles);
    if (input.features !== undefined) await upsertFeatures(trx, input, input.features);
    return enqueueOutbox(trx, input.outbox);
  });
}

function lineageColumns(lineage: ComputationLineage, lakeKey: string) {
  return {
    computation_version: lineage.computationVersion,
    lake_key: lakeKey,
    source_raw_key: lineage.sourceRawKey,
    source_raw_version_id: lineage.sourceRawVersionId,
    computed_at: lineage.computedAt,
  };
}

async function upsertIndicators(
  db: Kysely<Database>,
  lineage: ComputationLineage,
  indicators: IndicatorResultsInput,
): Promise<void> {
  assertUniqueKeys(indicators.rows, (row) => row.date, `indicators of ${lineage.symbol}: date`);
  const rows = indicators.rows.map((row) => {
    const values = {} as Record<IndicatorField, number | null>;
    for (const field of INDICATOR_FIELDS) {
      values[field] = nullableDouble(row.values[field], `${lineage.symbol} ${row.date} ${field}`);
    }
    return {
      symbol: lineage.symbol,
      indicator_date: row.date,
      ...values,
      ...lineageColumns(lineage, indicators.lakeKey),
    };
  });
  const updated = [...INDICATOR_FIELDS, ...LINEAGE_COLUMNS];
  for (const chunk of chunkRows(rows, updated.length + 2)) {
    await db
      .insertInto('daily_indicators')
      .values(chunk)
      .onConflict((conflict) =>
        conflict.columns(['symbol', 'indicator_date']).doUpdateSet(setFromExcluded('daily_indicators', updated)),
      )
      .execute();
  }
}

async function upsertPercentiles(
  db: Kysely<Database>,
  lineage: ComputationLineage,
  percentiles: PercentileResultInput,
): Promise<void> {
  const what = `percentiles of ${lineage.symbol} ${percentiles.date}`;
  await db
    .insertInto('indicator_percentiles')
    .values({
      symbol: lineage.symbol,
      percentile_date: percentiles.date,
      lookback_days: percentiles.lookbackDays,
      current_price_percentile: nullableDouble(percentiles.currentPricePercentile, `${what} current_price_percentile`),
      statistics: jsonText(percentiles.statistics, `${what} statistics`),
      ...lineageColumns(lineage, percentiles.lakeKey),
    })
    .onConflict((conflict) =>
      conflict
        .columns(['symbol', 'percentile_date', 'lookback_days'])
        .doUpdateSet(
          setFromExcluded('indicator_percentiles', ['current_price_percentile', 'statistics', ...LINEAGE_COLUMNS]),
        ),
    )
    .execute();
}

async function upsertFeatures(
  db: Kysely<Database>,
  lineage: ComputationLineage,
  features: FeatureResultInput,
): Promise<void> {
  const values = {} as Record<FeatureField, number | null>;
  for (const field of FEATURE_FIELDS) {
    values[field] = nullableDouble(features.values[field], `${lineage.symbol} ${features.date} ${field}`);
  }
  await db
    .insertInto('comparative_features')
    .values({
      symbol: lineage.symbol,
      feature_date: features.date,
      ...values,
      bars: features.bars,
      ...lineageColumns(lineage, features.lakeKey),
    })
    .onConflict((conflict) =>
      conflict
        .columns(['symbol', 'feature_date'])
        .doUpdateSet(setFromExcluded('comparative_features', [...FEATURE_FIELDS, 'bars', ...LINEAGE_COLUMNS])),
    )
    .execute();
}
