/**
 * The Kysely view of the warehouse tables (docs/design.md, "The database").
 *
 * Conventions shared by both backends (the type parsers in `type-parsers.js` make them true):
 * - `date` columns read and write as `YYYY-MM-DD` strings, never as JS Dates, so a market date cannot shift
 *   with the time zone of the process;
 * - `timestamptz` columns read as Dates and accept Dates or ISO strings;
 * - `bigint` columns read as JS numbers (the parser refuses values beyond 2^53);
 * - `jsonb` columns read as parsed JSON and are written as JSON text: node-postgres would turn a JS array into a
 *   PostgreSQL array literal, so the warehouse functions always serialise explicitly.
 *
 * The migration (`migrations/0001_initial.ts`) is the source of truth for the DDL; a test checks that the
 * migrated indicator columns equal `INDICATOR_FIELDS`.
 */
import type { ColumnType, Generated } from 'kysely';
import type { IndicatorField } from '../compute/fields.js';
import { FEATURE_FIELDS as FEATURE_VALUE_FIELDS } from '../compute/features.js';
import type { BarChangeKind, RestatedBarField } from '../lake/formats/restatement.js';

/** A `date` column: always a `YYYY-MM-DD` string. */
export type DateColumn = string;
/** A `timestamptz` column. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A `timestamptz` column the database fills in when the insert leaves it out. */
export type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** A `jsonb` column: parsed on read, JSON text on write. */
export type Json<T> = ColumnType<T, string, string>;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Kinds of lake object, as they appear in `lake_objects.kind` and `lake_outbox.kind`. */
export const LAKE_OBJECT_KINDS = ['raw', 'indicators', 'percentiles', 'features'] as const;
export type LakeObjectKind = (typeof LAKE_OBJECT_KINDS)[number];

export const RUN_KINDS = ['run', 'reprocess'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

/** `interrupted`: stopped by SIGINT/SIGTERM, in-flight tickers finished; `aborted`: found dead by a later run. */
export const RUN_STATUSES = ['running', 'ok', 'partial', 'failed', 'interrupted', 'aborted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * The comparative feature columns (docs/design.md, "Computation versions": Features), all nullable doubles: the
 * features the compute engine defines, less `bars`, which is an integer column of its own.
 */
export type FeatureField = Exclude<(typeof FEATURE_VALUE_FIELDS)[number], 'bars'>;
export const FEATURE_FIELDS: readonly FeatureField[] = FEATURE_VALUE_FIELDS.filter(
  (field): field is FeatureField => field !== 'bars',
);

/** Columns every computed-result table carries to name where its values came from and went to. */
interface ComputedLineageColumns {
  computation_version: string;
  lake_key: string;
  source_raw_key: string;
  /** Null when the lake's store does not version objects. */
  source_raw_version_id: string | null;
  computed_at: Timestamp;
  /**
   * The quality checks the results' snapshot (or the results) failed, `check:severity,...` as in the lake object's
   * `quality_failed` metadata; null when clean (migration 0011).
   */
  quality_failed: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface DailyPricesTable {
  symbol: string;
  price_date: DateColumn;
  open: number;
  high: number;
  low: number;
  close: number;
  adj_close: number | null;
  volume: number;
  raw_key: string;
  raw_version_id: string | null;
  fetched_at: Timestamp;
}

/** Per symbol, the raw snapshot `daily_prices` was last brought up to date with (see prices.ts). */
export interface PriceSourcesTable {
  symbol: string;
  raw_key: string;
}

export type DailyIndicatorsTable = {
  symbol: string;
  indicator_date: DateColumn;
} & { [K in IndicatorField]: number | null } & ComputedLineageColumns;

export interface IndicatorPercentilesTable extends ComputedLineageColumns {
  symbol: string;
  percentile_date: DateColumn;
  lookback_days: number;
  current_price_percentile: number | null;
  /** The whole `values` block of the percentiles object. */
  statistics: Json<JsonObject>;
}

export type ComparativeFeaturesTable = {
  symbol: string;
  feature_date: DateColumn;
  bars: number;
} & { [K in FeatureField]: number | null } & ComputedLineageColumns;

export interface LakeObjectsTable {
  key: string;
  kind: LakeObjectKind;
  ticker: string;
  /** Fetch date for raw objects, `as_of` for processed ones. */
  object_date: DateColumn;
  version_id: string | null;
  sha256: string;
  size: number;
  /** Null for raw objects, required for processed ones (a CHECK constraint enforces both). */
  computation_version: string | null;
  source_raw_key: string | null;
  source_raw_version_id: string | null;
  created_at: DefaultTimestamp;
}

export interface LakeOutboxTable {
  id: Generated<number>;
  key: string;
  kind: LakeObjectKind;
  ticker: string;
  /**
   * The exact serialised object; the drain writes these bytes, never a re-serialisation. Emptied once done: the
   * lake holds the bytes then, `lake_objects` their sha256 and size.
   */
  body: string;
  content_type: string;
  tags: Json<Record<string, string>>;
  metadata: Json<Record<string, string>>;
  /** What to insert into `lake_objects` once the write succeeded (see `OutboxCatalogPlan`). */
  catalog: Json<JsonObject>;
  created_at: DefaultTimestamp;
  attempts: Generated<number>;
  last_error: string | null;
  last_attempt_at: Timestamp | null;
  done_at: Timestamp | null;
  run_id: string | null;
  /** Who holds the entry (a run id, or a drain's own id); after release, who held it last. See outbox.ts. */
  claimed_by: string | null;
  /** When the hold ends (null: released); an expired hold is as good as none (its process died). */
  claimed_until: Timestamp | null;
}

export interface ComputationRunsTable {
  run_id: string;
  kind: RunKind;
  started_at: DefaultTimestamp;
  finished_at: Timestamp | null;
  computation_version: string;
  source: string;
  tickers: Json<string[]>;
  status: RunStatus;
  summary: Json<JsonObject> | null;
  /** The process running it, {host, pid, bootId, pidNamespace} (migration 0003; null for older rows). */
  owner: Json<JsonObject> | null;
  /** Renewed while it runs (migration 0003). */
  heartbeat_at: Timestamp | null;
}

// The restatement vocabulary (bar fields, change kinds) is the lake document's: src/lake/formats/restatement.ts.
export {
  BAR_CHANGE_KINDS,
  RESTATED_BAR_FIELDS,
  type BarChangeKind,
  type RestatedBarField,
} from '../lake/formats/restatement.js';

/**
 * One restatement (migration 0002): a raw snapshot whose overlapping bars differ from the previous snapshot of the
 * same ticker. See src/staleness/README.md.
 */
export interface RestatementsTable {
  id: Generated<number>;
  ticker: string;
  /** The newer snapshot (unique: one comparison per snapshot). */
  raw_key: string;
  raw_version_id: string | null;
  previous_raw_key: string;
  previous_raw_version_id: string | null;
  /** `fetched_at` of the newer snapshot. */
  fetched_at: Timestamp;
  overlap_first_date: DateColumn;
  overlap_last_date: DateColumn;
  changed_bars: number;
  first_changed_date: DateColumn;
  last_changed_date: DateColumn;
  /** The `restatements/...` lake object; null while not written (then `lake_error` says why, if it failed). */
  lake_key: string | null;
  lake_version_id: string | null;
  lake_error: string | null;
  detected_at: Timestamp;
}

/** One changed field of one bar of a restatement; for an added or removed bar, one row per field. */
export interface RestatementBarsTable {
  restatement_id: number;
  bar_date: DateColumn;
  field: RestatedBarField;
  change: BarChangeKind;
  /** Null when the bar is missing from the previous snapshot (added) or the value was null (adj_close). */
  old_value: number | null;
  /** Null when the bar is missing from the newer snapshot (removed) or the value is null (adj_close). */
  new_value: number | null;
}

/** A Parquet file of the lake's tables (migration 0007): its catalog row, and its outbox while pending. */
export interface LakeTableFilesTable {
  key: string;
  table_name: string;
  partition_date: DateColumn;
  rows: number;
  sha256: string;
  size: number;
  tags: Json<Record<string, string>>;
  metadata: Json<Record<string, string>>;
  /** The file's bytes until the lake has them; null once written. */
  body: Uint8Array | null;
  version_id: string | null;
  run_id: string | null;
  created_at: DefaultTimestamp;
  written_at: Timestamp | null;
  attempts: Generated<number>;
  last_error: string | null;
}

/** A run that ran the quality checks, and its object in the lake (migration 0008). */
export interface QualityRunsTable {
  run_id: string;
  run_date: DateColumn;
  checked_at: Timestamp;
  policy: 'block' | 'warn';
  computation_version: string;
  lake_key: string;
  version_id: string | null;
  /** Null while the lake has not taken the object (it is rendered again from `quality_results`). */
  written_at: Timestamp | null;
  attempts: Generated<number>;
  last_error: string | null;
}

/** What one check said of one ticker in one run (migration 0008; src/quality/finding.ts `QualityResult`). */
export interface QualityResultsTable {
  run_id: string;
  ticker: string;
  /** The check's id (`check` is a reserved word in SQL). */
  check_id: string;
  market: string;
  severity: 'error' | 'warn';
  passed: boolean;
  observed: Json<JsonValue>;
  expected: Json<JsonValue>;
  details: string;
  as_of: DateColumn | null;
  raw_key: string | null;
  raw_version_id: string | null;
  raw_sha256: string | null;
}

/** The lake this database belongs to (migration 0003): at most one row, see src/lake-binding.ts. */
export interface LakeIdentityTable {
  /** Always true: the primary key that keeps the table at one row. */
  singleton: ColumnType<boolean, true | undefined, never>;
  lake_id: string;
  /** When the lake's marker object was made. */
  lake_created_at: Timestamp;
  /** The lake's location (credentials removed) when a writer last opened it; for messages. */
  location: string;
  recorded_at: DefaultTimestamp;
}

/** A notification's status, and an alert state's (migration 0009). */
export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Where notifications go; outbox rows name the sink, never its URL (URLs carry secrets). */
export const ALERT_SINKS = ['slack', 'alertmanager', 'sns'] as const;
export type AlertSink = (typeof ALERT_SINKS)[number];

/** What people were last told about one problem (a check on a ticker), see src/alerts/plan.ts. */
export interface AlertStateTable {
  fingerprint: string;
  check_id: string;
  ticker: string;
  market: string;
  status: AlertStatus;
  severity: 'error' | 'warn';
  observed: Json<JsonValue>;
  expected: Json<JsonValue>;
  details: string;
  as_of: DateColumn | null;
  first_seen_at: Timestamp;
  last_change_at: Timestamp;
  last_queued_at: Timestamp;
  resolved_at: Timestamp | null;
  updated_at: Timestamp;
}

/** One notification for one sink, pending until `sent_at` (src/alerts/deliver.ts). */
export interface AlertOutboxTable {
  id: Generated<number>;
  sink: AlertSink;
  fingerprint: string;
  status: AlertStatus;
  payload: Json<JsonObject>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  /** Redacted. */
  last_error: string | null;
  claimed_by: string | null;
  claimed_until: Timestamp | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

export interface Database {
  daily_prices: DailyPricesTable;
  price_sources: PriceSourcesTable;
  daily_indicators: DailyIndicatorsTable;
  indicator_percentiles: IndicatorPercentilesTable;
  comparative_features: ComparativeFeaturesTable;
  lake_objects: LakeObjectsTable;
  lake_outbox: LakeOutboxTable;
  computation_runs: ComputationRunsTable;
  restatements: RestatementsTable;
  restatement_bars: RestatementBarsTable;
  lake_identity: LakeIdentityTable;
  lake_table_files: LakeTableFilesTable;
  quality_runs: QualityRunsTable;
  quality_results: QualityResultsTable;
  alert_state: AlertStateTable;
  alert_outbox: AlertOutboxTable;
}

/** Every table the migrations create, in an order that truncation and reporting can rely on. */
export const TABLE_NAMES = [
  'daily_prices',
  'price_sources',
  'daily_indicators',
  'indicator_percentiles',
  'comparative_features',
  'lake_objects',
  'lake_outbox',
  'computation_runs',
  'restatements',
  'restatement_bars',
  'lake_identity',
  'lake_table_files',
  'quality_runs',
  'quality_results',
  'alert_state',
  'alert_outbox',
] as const satisfies readonly (keyof Database)[];
