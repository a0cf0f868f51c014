/**
 * The first schema of the warehouse (docs/design.md, "The database").
 *
 * A migration is frozen once released: the column lists below are written out literally (not generated from
 * `INDICATOR_FIELDS` or `FEATURE_FIELDS`) so that a later change to those constants needs a new migration
 * instead of silently changing what this one creates.
 */
import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';

const INDICATOR_COLUMNS_V1 = [
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
];

const FEATURE_COLUMNS_V1 = [
  'return_1d',
  'return_5d',
  'return_20d',
  'return_60d',
  'return_252d',
  'volatility_30d',
  'volatility_90d',
  'sharpe_ratio',
  'max_drawdown',
];

const KIND_LIST = sql`('raw', 'indicators', 'percentiles', 'features')`;

// Lake keys end in a UTC timestamp and are compared byte-wise to find the latest object. A linguistic collation
// (e.g. en_US, Aurora's usual default) ignores punctuation at first and would sort `{TS}_2.json` before
// `{TS}.json`, so every key column uses the "C" collation.
const KEY_TYPE = sql`text collate "C"`;

// The builder is typed `Kysely<any>` on purpose: a migration must keep working when the `Database` interface
// moves on to describe a later schema.
async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('daily_prices')
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('price_date', 'date', (c) => c.notNull())
    .addColumn('open', 'double precision', (c) => c.notNull())
    .addColumn('high', 'double precision', (c) => c.notNull())
    .addColumn('low', 'double precision', (c) => c.notNull())
    .addColumn('close', 'double precision', (c) => c.notNull())
    .addColumn('adj_close', 'double precision')
    .addColumn('volume', 'double precision', (c) => c.notNull())
    .addColumn('raw_key', KEY_TYPE, (c) => c.notNull())
    .addColumn('raw_version_id', 'text')
    .addColumn('fetched_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('daily_prices_pkey', ['symbol', 'price_date'])
    .execute();

  let indicators = db.schema
    .createTable('daily_indicators')
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('indicator_date', 'date', (c) => c.notNull());
  for (const column of INDICATOR_COLUMNS_V1) indicators = indicators.addColumn(column, 'double precision');
  await withLineageColumns(indicators)
    .addPrimaryKeyConstraint('daily_indicators_pkey', ['symbol', 'indicator_date'])
    .execute();

  await withLineageColumns(
    db.schema
      .createTable('indicator_percentiles')
      .addColumn('symbol', 'text', (c) => c.notNull())
      .addColumn('percentile_date', 'date', (c) => c.notNull())
      .addColumn('lookback_days', 'integer', (c) => c.notNull().check(sql`lookback_days > 0`))
      .addColumn('current_price_percentile', 'double precision')
      .addColumn('statistics', 'jsonb', (c) => c.notNull()),
  )
    .addPrimaryKeyConstraint('indicator_percentiles_pkey', ['symbol', 'percentile_date', 'lookback_days'])
    .execute();

  let features = db.schema
    .createTable('comparative_features')
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('feature_date', 'date', (c) => c.notNull());
  for (const column of FEATURE_COLUMNS_V1) features = features.addColumn(column, 'double precision');
  await withLineageColumns(features.addColumn('bars', 'integer', (c) => c.notNull().check(sql`bars >= 0`)))
    .addPrimaryKeyConstraint('comparative_features_pkey', ['symbol', 'feature_date'])
    .execute();

  await db.schema
    .createTable('lake_objects')
    .addColumn('key', KEY_TYPE, (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ${KIND_LIST}`))
    .addColumn('ticker', 'text', (c) => c.notNull())
    .addColumn('object_date', 'date', (c) => c.notNull())
    .addColumn('version_id', 'text')
    .addColumn('sha256', 'text', (c) => c.notNull().check(sql`sha256 ~ '^[0-9a-f]{64}$'`))
    .addColumn('size', 'bigint', (c) => c.notNull().check(sql`size >= 0`))
    .addColumn('computation_version', 'text')
    .addColumn('source_raw_key', KEY_TYPE)
    .addColumn('source_raw_version_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // Raw objects have no computation and no source; processed objects must name both (their lineage).
    .addCheckConstraint(
      'lake_objects_lineage_check',
      sql`(kind = 'raw' and computation_version is null and source_raw_key is null
           and source_raw_version_id is null)
          or (kind <> 'raw' and computation_version is not null and source_raw_key is not null)`,
    )
    .execute();
  // "The latest object of (kind, ticker[, date])" is one descending scan of this index, `limit 1`.
  await db.schema
    .createIndex('lake_objects_latest_idx')
    .on('lake_objects')
    .columns(['kind', 'ticker', 'object_date desc', 'key desc'])
    .execute();
  // Lineage questions go the other way: "what was computed from this raw object?"
  await db.schema.createIndex('lake_objects_source_raw_idx').on('lake_objects').column('source_raw_key').execute();

  await db.schema
    .createTable('lake_outbox')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('key', KEY_TYPE, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ${KIND_LIST}`))
    .addColumn('ticker', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('tags', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('catalog', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('attempts', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`attempts >= 0`),
    )
    .addColumn('last_error', 'text')
    .addColumn('last_attempt_at', 'timestamptz')
    .addColumn('done_at', 'timestamptz')
    .addColumn('run_id', 'text')
    .execute();
  // Only pending entries are ever scanned; the partial index stays small however long the history grows.
  await db.schema
    .createIndex('lake_outbox_pending_idx')
    .on('lake_outbox')
    .column('id')
    .where(sql.ref('done_at'), 'is', null)
    .execute();

  await db.schema
    .createTable('computation_runs')
    .addColumn('run_id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('run', 'reprocess')`))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('computation_version', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('tickers', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('running')
        .check(sql`status in ('running', 'ok', 'partial', 'failed')`),
    )
    .addColumn('summary', 'jsonb')
    // A finished run has a finish time and a final status; a running one has neither.
    .addCheckConstraint('computation_runs_finish_check', sql`(status = 'running') = (finished_at is null)`)
    .execute();
}

// Column names are plain strings here: the table definitions are data, not typed against `Database`.
type TableBuilder = CreateTableBuilder<string, string>;

function withLineageColumns(table: TableBuilder): TableBuilder {
  return table
    .addColumn('computation_version', 'text', (c) => c.notNull())
    .addColumn('lake_key', KEY_TYPE, (c) => c.notNull())
    .addColumn('source_raw_key', KEY_TYPE, (c) => c.notNull())
    .addColumn('source_raw_version_id', 'text')
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull());
}

async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'computation_runs',
    'lake_outbox',
    'lake_objects',
    'comparative_features',
    'indicator_percentiles',
    'daily_indicators',
    'daily_prices',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}

export const migration0001Initial: Migration = { up, down };
