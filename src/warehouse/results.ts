/**
 * The computed-result tables (`daily_indicators`, `indicator_percentiles`, `comparative_features`) and the one
 * statement that writes them together with their outbox entries (docs/design.md, "The write path").
 */
import type { Kysely, QueryCreator } from 'kysely';
import { INDICATOR_FIELDS, type IndicatorField } from '../compute/fields.js';
import type { Bar } from '../market/bars.js';
import { catalogConflictOf, catalogInsertStep, catalogRelation, type CatalogObjectInput } from './lake-objects.js';
import { outboxIdsInOrder, outboxInsertStep, type OutboxEntryInput } from './outbox.js';
import { priceSourceStep, pricesUpsertStep, type RawSnapshotRef } from './prices.js';
import { FEATURE_FIELDS, type Database, type FeatureField } from './schema.js';
import {
  assertUniqueKeys,
  executeAsOneStatement,
  isUniqueViolation,
  jsonText,
  nullableDouble,
  setFromExcluded,
  type WriteStep,
} from './sql-helpers.js';

/** What every result row of one computation shares. */
export interface ComputationLineage {
  symbol: string;
  computationVersion: string;
  computedAt: Date | string;
  sourceRawKey: string;
  /** Null when the object store does not version objects. */
  sourceRawVersionId: string | null;
  /**
   * The quality checks the results' snapshot failed (the `quality_failed` of the lake object the rows mirror,
   * src/lake/formats/quality-mark.ts); null or absent for clean results. Every upsert writes it: a clean
   * recompute of a marked row clears the mark.
   */
  qualityFailed?: string | null;
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
  'quality_failed',
] as const;

/**
 * Upserts the given result rows and enqueues their outbox entries in ONE statement (see `commitComputedResults`):
 * either all of it is written or none. Returns the outbox ids in the order of `input.outbox`.
 */
export async function writeComputedResults(db: Kysely<Database>, input: ComputedResultsInput): Promise<number[]> {
  return commitComputedResults(db, { results: [input] });
}

/** Everything one all-or-nothing unit of the write path records in the database. */
export interface ResultsCommit {
  /**
   * An object already in the lake to catalogue with the rest (the daily run's raw snapshot). The same object
   * catalogued already is fine; another object under its key fails the whole commit with `CatalogConflictError`.
   */
  catalogObject?: CatalogObjectInput;
  /**
   * Bars to upsert with the rest (the daily run's prices, see `upsertPrices`): those of the snapshot `raw` that
   * may differ from what the table holds (see `barsToWrite`). The statement also records `raw` as the snapshot
   * the symbol's prices are up to date with (`price_sources`), even when no bar is left to send.
   */
  prices?: { symbol: string; bars: readonly Bar[]; raw: RawSnapshotRef };
  /** Result rows; their keys must be distinct across all of them (one statement cannot upsert a row twice). */
  results: readonly ComputedResultsInput[];
  /** Entries enqueued before those of `results` (the daily run: a raw snapshot the lake refused). */
  outbox?: readonly OutboxEntryInput[];
}

/**
 * Writes a `ResultsCommit` as ONE statement of data-modifying CTEs, so that it is atomic without a transaction
 * and costs one round trip:
 *
 *   with catalogued as (insert into lake_objects ...),        -- if catalogObject
 *        prices as (insert into daily_prices ... on conflict ...),   -- if prices
 *        daily_indicators as (insert ... on conflict ...), indicator_percentiles as (...), comparative_features as
 *        (...)
 *   insert into lake_outbox values (...), (...) returning id, key
 *
 * Each table is written by one step, each of its rows once: the result rows of all the inputs go into one
 * multi-row upsert per table, and a key repeated across inputs is refused before anything is sent. Returns the
 * outbox ids in the order of `outbox` then each input's `outbox`. Inside a caller's transaction it is one
 * statement of that transaction.
 */
export async function commitComputedResults(db: Kysely<Database>, commit: ResultsCommit): Promise<number[]> {
  const entries = [...(commit.outbox ?? []), ...commit.results.flatMap((input) => input.outbox)];
  const catalogObjects = commit.catalogObject === undefined ? [] : [commit.catalogObject];
  const steps: [string, WriteStep][] = [];
  if (commit.catalogObject !== undefined)
    steps.push(['catalogued', catalogInsertStep(catalogRelation(catalogObjects))]);
  const prices = commit.prices && pricesUpsertStep(commit.prices.symbol, commit.prices.bars, commit.prices.raw);
  if (prices !== undefined) steps.push(['prices', prices]);
  if (commit.prices !== undefined)
    steps.push(['price_source', priceSourceStep(commit.prices.symbol, commit.prices.raw.key)]);
  steps.push(...resultUpsertSteps(commit.results));
  // The outbox insert is the main statement: its RETURNING gives the ids.
  if (entries.length > 0) steps.push(['outbox', outboxInsertStep(entries)]);
  if (steps.length === 0) return [];
  let returned: { id: number; key: string }[];
  try {
    returned = await executeAsOneStatement<{ id: number; key: string }>(db, steps);
  } catch (error) {
    // Only the catalog step can violate a unique constraint (the upserts resolve theirs): say which key and how.
    if (isUniqueViolation(error)) throw (await catalogConflictOf(db, catalogObjects)) ?? error;
    throw error;
  }
  return entries.length === 0 ? [] : outboxIdsInOrder(entries, returned);
}

/** One multi-row upsert step per result table that has rows among `inputs`. */
function resultUpsertSteps(inputs: readonly ComputedResultsInput[]): [string, WriteStep][] {
  const indicators = inputs.flatMap((input) =>
    input.indicators === undefined ? [] : indicatorRows(input, input.indicators),
  );
  const percentiles = inputs.flatMap((input) =>
    input.percentiles === undefined ? [] : [percentileRow(input, input.percentiles)],
  );
  const features = inputs.flatMap((input) => (input.features === undefined ? [] : [featureRow(input, input.features)]));
  // ON CONFLICT DO UPDATE cannot touch one row twice in a statement: refuse a repeated key with its name.
  assertUniqueKeys(indicators, (row) => `${row.symbol} ${row.indicator_date}`, 'indicator rows: symbol and date');
  assertUniqueKeys(
    percentiles,
    (row) => `${row.symbol} ${row.percentile_date} ${row.lookback_days}`,
    'percentile rows: symbol, date and lookback',
  );
  assertUniqueKeys(features, (row) => `${row.symbol} ${row.feature_date}`, 'feature rows: symbol and date');
  const steps: [string, WriteStep][] = [];
  if (indicators.length > 0) {
    steps.push([
      'daily_indicators',
      (creator: QueryCreator<Database>) =>
        creator
          .insertInto('daily_indicators')
          .values(indicators)
          .onConflict((conflict) =>
            conflict
              .columns(['symbol', 'indicator_date'])
              .doUpdateSet(setFromExcluded('daily_indicators', [...INDICATOR_FIELDS, ...LINEAGE_COLUMNS])),
          ),
    ]);
  }
  if (percentiles.length > 0) {
    steps.push([
      'indicator_percentiles',
      (creator: QueryCreator<Database>) =>
        creator
          .insertInto('indicator_percentiles')
          .values(percentiles)
          .onConflict((conflict) =>
            conflict
              .columns(['symbol', 'percentile_date', 'lookback_days'])
              .doUpdateSet(
                setFromExcluded('indicator_percentiles', [
                  'current_price_percentile',
                  'statistics',
                  ...LINEAGE_COLUMNS,
                ]),
              ),
          ),
    ]);
  }
  if (features.length > 0) {
    steps.push([
      'comparative_features',
      (creator: QueryCreator<Database>) =>
        creator
          .insertInto('comparative_features')
          .values(features)
          .onConflict((conflict) =>
            conflict
              .columns(['symbol', 'feature_date'])
              .doUpdateSet(setFromExcluded('comparative_features', [...FEATURE_FIELDS, 'bars', ...LINEAGE_COLUMNS])),
          ),
    ]);
  }
  return steps;
}

function lineageColumns(lineage: ComputationLineage, lakeKey: string) {
  return {
    computation_version: lineage.computationVersion,
    lake_key: lakeKey,
    source_raw_key: lineage.sourceRawKey,
    source_raw_version_id: lineage.sourceRawVersionId,
    computed_at: lineage.computedAt,
    quality_failed: lineage.qualityFailed ?? null,
  };
}

function indicatorRows(lineage: ComputationLineage, indicators: IndicatorResultsInput) {
  assertUniqueKeys(indicators.rows, (row) => row.date, `indicators of ${lineage.symbol}: date`);
  return indicators.rows.map((row) => {
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
}

function percentileRow(lineage: ComputationLineage, percentiles: PercentileResultInput) {
  const what = `percentiles of ${lineage.symbol} ${percentiles.date}`;
  return {
    symbol: lineage.symbol,
    percentile_date: percentiles.date,
    lookback_days: percentiles.lookbackDays,
    current_price_percentile: nullableDouble(percentiles.currentPricePercentile, `${what} current_price_percentile`),
    statistics: jsonText(percentiles.statistics, `${what} statistics`),
    ...lineageColumns(lineage, percentiles.lakeKey),
  };
}

function featureRow(lineage: ComputationLineage, features: FeatureResultInput) {
  const values = {} as Record<FeatureField, number | null>;
  for (const field of FEATURE_FIELDS) {
    values[field] = nullableDouble(features.values[field], `${lineage.symbol} ${features.date} ${field}`);
  }
  return {
    symbol: lineage.symbol,
    feature_date: features.date,
    ...values,
    bars: features.bars,
    ...lineageColumns(lineage, features.lakeKey),
  };
}
