/**
 * The query-ready tables of the lake (docs/design.md "Tables"): Parquet files under `tables/{table}/{partition}=
 * {value}/`, in Hive-style partitions that Athena prunes and DuckDB reads. This module is their one schema: the
 * Parquet writer (parquet-file.ts) types its columns from it, `marketlake sql` declares its views with it, and the
 * Terraform module's Glue tables are checked against it (test/terraform/athena-lake.test.ts).
 *
 * Every row carries its lineage: the raw object it came from (key, version id, sha256), and for computed rows the
 * computation version, the time of the computation, the lake object the row mirrors and the run that made it.
 * The partition column is not stored in the files (Athena wants it only in the path); readers take it from there.
 */
import { INDICATOR_FIELDS } from '../compute/fields.js';
import { FEATURE_FIELDS } from '../compute/features.js';

/** Column types in DuckDB's spelling; `glueType` gives Athena's. Timestamps are UTC instants. */
export const COLUMN_TYPES = ['varchar', 'double', 'bigint', 'boolean', 'date', 'timestamp'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface Column {
  name: string;
  type: ColumnType;
  description: string;
  /**
   * Added after the table's first files were written: older files lack it (it reads as null in them, see
   * src/sql/lake-views.ts, and `verify` accepts them). Such columns come last.
   */
  addedLater?: true;
}

export interface TableSchema {
  name: TableName;
  description: string;
  /** The Hive partition key: a date, in the path as `{name}=YYYY-MM-DD`. */
  partition: Column;
  /** The columns stored in each file, in file order. */
  columns: readonly Column[];
  /**
   * The columns that name the lake object a row was made from: rows of one source object are written together,
   * and `tables rebuild` writes the rows of every source object no file of the table names yet.
   */
  source: string;
}

export const TABLE_NAMES = [
  'prices',
  'indicators',
  'percentiles',
  'features',
  'restatements',
  'lake_objects',
  'runs',
  'quality',
] as const;
export type TableName = (typeof TABLE_NAMES)[number];

/** The frequency columns of the percentile rows: the union of every metric's (null where a metric has none). */
export const PERCENTILE_FREQUENCY_COLUMNS = [
  'pct_above_70',
  'pct_below_30',
  'pct_positive',
  'pct_below_25',
  'pct_above_75',
  'pct_below_1',
  'pct_above_4',
  'pct_above_3',
  'pct_below_minus_3',
  'pct_above_2',
  'pct_below_0_7',
  'pct_close_above_sma',
] as const;

const column = (name: string, type: ColumnType, description: string): Column => ({ name, type, description });

/** The lineage of a computed row: which raw snapshot, which computation, which object, which run. */
const COMPUTED_LINEAGE: readonly Column[] = [
  column('computation_version', 'varchar', 'the computation version that produced the row'),
  column('computed_at', 'timestamp', 'when it was computed (UTC)'),
  column('object_key', 'varchar', 'the processed JSON object the row mirrors'),
  column('object_version_id', 'varchar', "that object's version id (null while it waits in the outbox)"),
  column('raw_key', 'varchar', 'the raw snapshot it was computed from'),
  column('raw_version_id', 'varchar', "that snapshot's version id"),
  column('raw_sha256', 'varchar', "that snapshot's body sha256"),
  column('run_id', 'varchar', 'the run that computed it (null when the lake does not say)'),
  {
    ...column(
      'quality_failed',
      'varchar',
      "the checks its raw snapshot failed (`check:severity,...`; the object's quality mark), null when clean",
    ),
    addedLater: true,
  },
];

const asOf = column('as_of', 'date', 'the date of the last bar the results were computed over');
const fetchDate = column('fetch_date', 'date', 'the UTC date of the fetch (that of the raw key)');

const SCHEMAS: Record<TableName, TableSchema> = {
  prices: {
    name: 'prices',
    description:
      'The bars each fetch brought that the previous snapshot of the ticker did not hold with the same values ' +
      '(every bar of the first snapshot), and the bars it no longer holds inside the overlap (change = removed). ' +
      'The latest known values of a bar are those of its row with the latest fetched_at; see the prices_latest ' +
      'and price_history views.',
    partition: fetchDate,
    columns: [
      column('ticker', 'varchar', 'the ticker, as the lake writes it'),
      column('date', 'date', "the bar's trading date"),
      column('open', 'double', 'open (null when removed)'),
      column('high', 'double', 'high (null when removed)'),
      column('low', 'double', 'low (null when removed)'),
      column('close', 'double', 'close (null when removed)'),
      column('adj_close', 'double', 'adjusted close (null when the vendor gave none, or removed)'),
      column('volume', 'double', 'volume (null when removed)'),
      column('change', 'varchar', 'new (not in the previous snapshot), changed (other values), removed'),
      column('fetched_at', 'timestamp', 'when the snapshot was fetched (UTC)'),
      column('source', 'varchar', 'the data source (yfinance, csv, sample)'),
      column('raw_key', 'varchar', 'the raw snapshot the bar is from'),
      column('raw_version_id', 'varchar', "that snapshot's version id"),
      column('raw_sha256', 'varchar', "that snapshot's body sha256"),
      column('previous_raw_key', 'varchar', 'the snapshot it was compared with (null for the first one)'),
      column('run_id', 'varchar', 'the run that fetched it (null when the lake does not say)'),
    ],
    source: 'raw_key',
  },
  indicators: {
    name: 'indicators',
    description: 'The indicators of each processed indicators object: one row per ticker, as_of and object.',
    partition: asOf,
    columns: [
      column('ticker', 'varchar', 'the ticker'),
      ...INDICATOR_FIELDS.map((field) => column(field, 'double', `${field} at as_of (null when undefined)`)),
      ...COMPUTED_LINEAGE,
    ],
    source: 'object_key',
  },
  percentiles: {
    name: 'percentiles',
    description:
      'Where each metric sits in its own history as of as_of: one row per ticker, as_of, metric and object, ' +
      'the statistics as columns.',
    partition: asOf,
    columns: [
      column('ticker', 'varchar', 'the ticker'),
      column('metric', 'varchar', 'the metric (rsi_14, macd, ...)'),
      column('current_value', 'double', 'the metric at as_of'),
      column('percentile', 'double', 'share of the window at or below current_value, x 100'),
      column('mean', 'double', "the window's mean"),
      column('std', 'double', "the window's sample standard deviation"),
      column('min', 'double', "the window's minimum"),
      column('max', 'double', "the window's maximum"),
      column('count', 'bigint', 'rows in the window'),
      ...PERCENTILE_FREQUENCY_COLUMNS.map((name) =>
        column(name, 'double', `share of the window (x 100) where ${name.slice(4)}; null for other metrics`),
      ),
      column('current_price_percentile', 'double', "where the last close sits in the window's closes, x 100"),
      ...COMPUTED_LINEAGE,
    ],
    source: 'object_key',
  },
  features: {
    name: 'features',
    description: 'The comparative features of each processed features object: one row per ticker, as_of and object.',
    partition: asOf,
    columns: [
      column('ticker', 'varchar', 'the ticker'),
      ...FEATURE_FIELDS.map((field) =>
        field === 'bars'
          ? column(field, 'bigint', 'bars the features were computed over')
          : column(field, 'double', `${field} as of as_of (null when undefined)`),
      ),
      ...COMPUTED_LINEAGE,
    ],
    source: 'object_key',
  },
  restatements: {
    name: 'restatements',
    description: 'Bar values a vendor restated: one row per restated bar and field, from the restatement objects.',
    partition: fetchDate,
    columns: [
      column('ticker', 'varchar', 'the ticker'),
      column('date', 'date', 'the restated bar'),
      column('change', 'varchar', 'changed, added or removed'),
      column('field', 'varchar', 'open, high, low, close, adj_close or volume'),
      column('old_value', 'double', 'the value in the previous snapshot'),
      column('new_value', 'double', 'the value in the newer snapshot'),
      column('detected_at', 'timestamp', 'when the restatement was detected (UTC)'),
      column('restatement_key', 'varchar', 'the restatement object the row is from'),
      column('raw_key', 'varchar', 'the newer snapshot'),
      column('raw_version_id', 'varchar', 'its version id (null when it waited in the outbox)'),
      column('previous_raw_key', 'varchar', 'the snapshot it was compared with'),
      column('previous_raw_version_id', 'varchar', "that snapshot's version id"),
    ],
    source: 'restatement_key',
  },
  lake_objects: {
    name: 'lake_objects',
    description:
      'The lineage catalog: every raw and processed JSON object of the lake with its version id, sha256 and the ' +
      'raw object it was computed from.',
    partition: column('object_date', 'date', 'fetch date of a raw object, as_of of a processed one'),
    columns: [
      column('key', 'varchar', 'the object key'),
      column('version_id', 'varchar', 'its version id'),
      column('kind', 'varchar', 'raw, indicators, percentiles or features'),
      column('ticker', 'varchar', 'the ticker'),
      column('source', 'varchar', 'the data source of a raw object, the computation of a processed one'),
      column('sha256', 'varchar', 'sha256 of the (uncompressed) body'),
      column('size', 'bigint', 'bytes of the (uncompressed) body'),
      column('created_at', 'timestamp', 'fetched_at of a raw object, computed_at of a processed one (UTC)'),
      column('computation_version', 'varchar', 'null for raw objects'),
      column('source_raw_key', 'varchar', 'the raw object a processed one was computed from'),
      column('source_raw_version_id', 'varchar', "that raw object's version id"),
      column('run_id', 'varchar', 'the run that wrote it (null when the lake does not say)'),
    ],
    source: 'key',
  },
  runs: {
    name: 'runs',
    description: 'The runs that wrote to the lake, from their OpenLineage events in the lake.',
    partition: column('run_date', 'date', 'the UTC date the run started'),
    columns: [
      column('run_id', 'varchar', 'the run id'),
      column('job', 'varchar', 'the job (daily_run or reprocess)'),
      column('status', 'varchar', 'ok, partial, failed or interrupted'),
      column('started_at', 'timestamp', 'its START event (UTC)'),
      column('ended_at', 'timestamp', 'its COMPLETE or FAIL event (UTC; null while running)'),
      column('computation_version', 'varchar', 'the computation version it ran'),
      column('objects_written', 'bigint', 'lake objects it wrote'),
      column('outbox_pending', 'bigint', 'objects it left in the outbox'),
      column('failed_tickers', 'bigint', 'tickers that failed'),
    ],
    source: 'run_id',
  },
  quality: {
    name: 'quality',
    description:
      "What the data-quality checks said of each ticker in each run (passed or not), from the runs' quality objects.",
    partition: column('run_date', 'date', 'the UTC date of the run'),
    columns: [
      column('ticker', 'varchar', 'the ticker'),
      column('market', 'varchar', 'its market (US, SG, JP, HK, VN, TW)'),
      column('check_id', 'varchar', "the check's id (e.g. consistency.high_low)"),
      column('severity', 'varchar', 'error or warn'),
      column('passed', 'boolean', 'whether the check passed'),
      column('observed', 'varchar', 'what was seen (JSON)'),
      column('expected', 'varchar', 'what the threshold allows (JSON)'),
      column('details', 'varchar', 'what is wrong and on which dates (empty when passed)'),
      column('as_of', 'date', "the last bar's date of the snapshot judged"),
      column('raw_key', 'varchar', 'the raw snapshot judged (null when the vendor answer could not become one)'),
      column('raw_version_id', 'varchar', "that snapshot's version id"),
      column('raw_sha256', 'varchar', "that snapshot's body sha256"),
      column('policy', 'varchar', 'block or warn: what an error finding did to the ticker'),
      column('checked_at', 'timestamp', 'when the run checked (UTC)'),
      column('computation_version', 'varchar', 'the computation version the run ran'),
      column('quality_key', 'varchar', "the run's quality object the row is from"),
      column('run_id', 'varchar', 'the run'),
    ],
    source: 'quality_key',
  },
};

export function tableSchema(name: TableName): TableSchema {
  return SCHEMAS[name];
}

export function isTableName(name: string): name is TableName {
  return (TABLE_NAMES as readonly string[]).includes(name);
}

/** The type Glue and Athena give a column of this type. */
export function glueType(type: ColumnType): string {
  return type === 'varchar' ? 'string' : type;
}
