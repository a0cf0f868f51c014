/**
 * The rows of the lake's tables (schema.ts) made from the lake's own documents: a raw snapshot (with the previous
 * one of its ticker), a processed object, a restatement object, a catalog entry, a run, a run's quality object. The
 * daily run and `tables rebuild` both build their rows here, so a table says the same whichever wrote it.
 *
 * A row holds every column of its table, the partition column included (the writer takes it out of the file and
 * into the path). Dates are `YYYY-MM-DD`, timestamps ISO 8601 UTC instants.
 */
import { INDICATOR_FIELDS } from '../compute/fields.js';
import { FEATURE_FIELDS, type FeatureValues } from '../compute/features.js';
import { PERCENTILE_METRICS, type PercentileValues } from '../compute/percentiles.js';
import type { ProcessedDocument, RawReference } from '../lake/formats/processed.js';
import { parseQualityKey, type QualityDocument } from '../lake/formats/quality.js';
import type { RawBar, RawSnapshot } from '../lake/formats/raw.js';
import { RESTATED_BAR_FIELDS, type RestatementDocument } from '../lake/formats/restatement.js';
import { parseKey, type ProcessedKind } from '../lake/keys.js';
import { PERCENTILE_FREQUENCY_COLUMNS } from './schema.js';

export type CellValue = string | number | boolean | null;
export type TableRow = Record<string, CellValue>;

/**
 * Rows as columns: `length` rows, each column an array of them or one value for all (a first snapshot's prices:
 * 500 tickers of 521 bars, made without a row object each).
 */
export interface TableColumns {
  length: number;
  columns: Record<string, readonly CellValue[] | CellValue>;
}

/** What a batch of rows is made as. */
export type RowBatchContent = readonly TableRow[] | TableColumns;

export function isColumns(content: RowBatchContent): content is TableColumns {
  return !Array.isArray(content);
}

/** The lake object a computed row mirrors, and the run that wrote it (null when the lake does not say). */
export interface ComputedRowSource {
  objectKey: string;
  /** Null while the object waits in the outbox. */
  objectVersionId: string | null;
  runId: string | null;
  /** The object's quality mark (its `quality_failed` metadata); absent or undefined: not marked. */
  qualityFailed?: string | undefined;
}

/** A processed document as the rows read it (its raw version id may still be unknown, pending in the outbox). */
export type ComputedDocument<Values = object> = Omit<ProcessedDocument<Values>, 'source_raw_data_version_id'> & {
  source_raw_data_version_id: string | null;
};

function computedLineage(document: ComputedDocument, source: ComputedRowSource): TableRow {
  return {
    computation_version: document.computation_version,
    computed_at: document.computed_at,
    object_key: source.objectKey,
    object_version_id: source.objectVersionId,
    raw_key: document.source_raw_data_key,
    raw_version_id: document.source_raw_data_version_id,
    raw_sha256: document.source_raw_data_sha256,
    run_id: source.runId,
    quality_failed: source.qualityFailed ?? null,
    as_of: document.as_of,
  };
}

/** JSON has no NaN: a stored document already says null where a value is undefined; this keeps it so. */
function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function indicatorRows(document: ComputedDocument, source: ComputedRowSource): TableRow[] {
  const values = document.values as Record<string, unknown>;
  const row: TableRow = { ticker: document.ticker };
  for (const field of INDICATOR_FIELDS) row[field] = numberOrNull(values[field]);
  return [{ ...row, ...computedLineage(document, source) }];
}

export function featureRows(document: ComputedDocument, source: ComputedRowSource): TableRow[] {
  const values = document.values as Partial<FeatureValues>;
  const row: TableRow = { ticker: document.ticker };
  for (const field of FEATURE_FIELDS) row[field] = numberOrNull(values[field]);
  return [{ ...row, ...computedLineage(document, source) }];
}

/** One row per metric, its statistics as columns; a frequency column the metric does not have is null. */
export function percentileRows(document: ComputedDocument, source: ComputedRowSource): TableRow[] {
  const values = document.values as Partial<PercentileValues>;
  const lineage = computedLineage(document, source);
  const pricePercentile = numberOrNull(values.current_price_percentile);
  return PERCENTILE_METRICS.map((metric) => {
    const statistics = (values[metric] ?? {}) as Record<string, unknown>;
    const row: TableRow = {
      ticker: document.ticker,
      metric,
      current_value: numberOrNull(statistics.current_value),
      percentile: numberOrNull(statistics.percentile),
      mean: numberOrNull(statistics.mean),
      std: numberOrNull(statistics.std),
      min: numberOrNull(statistics.min),
      max: numberOrNull(statistics.max),
      count: numberOrNull(statistics.count),
    };
    for (const column of PERCENTILE_FREQUENCY_COLUMNS) row[column] = numberOrNull(statistics[column]);
    return { ...row, current_price_percentile: pricePercentile, ...lineage };
  });
}

/** The rows of a processed object of any kind. */
export function processedRows(kind: ProcessedKind, document: ComputedDocument, source: ComputedRowSource): TableRow[] {
  if (kind === 'indicators') return indicatorRows(document, source);
  if (kind === 'percentiles') return percentileRows(document, source);
  return featureRows(document, source);
}

/** The previous snapshot of the ticker, which a fetch's bars are compared with. */
export interface PreviousSnapshot {
  key: string;
  snapshot: Pick<RawSnapshot, 'bars'>;
}

/**
 * The bars a fetch brought: every bar the previous snapshot did not hold with the same values (all of them when
 * there is none), and a `removed` row for each bar of the previous snapshot missing from this one inside its date
 * range (a bar that slid out of the range's start is not removed: the vendor was not asked for it). Compared with
 * `!==` on the six values, as the restatement detection compares them.
 */
export function priceRows(
  snapshot: RawSnapshot,
  raw: RawReference,
  previous: PreviousSnapshot | undefined,
  runId: string | null,
): TableRow[] {
  const before = new Map((previous?.snapshot.bars ?? []).map((bar) => [bar.date, bar]));
  const row = priceRowMaker(snapshot, raw, previous?.key ?? null, runId);
  const rows: TableRow[] = [];
  for (const bar of snapshot.bars) {
    const old = before.get(bar.date);
    if (old !== undefined && sameValues(old, bar)) continue;
    rows.push(row(bar.date, bar, old === undefined ? 'new' : 'changed'));
  }
  if (snapshot.bars.length > 0) {
    const first = snapshot.bars[0].date;
    const last = snapshot.bars[snapshot.bars.length - 1].date;
    const now = new Set(snapshot.bars.map((bar) => bar.date));
    for (const old of before.values()) {
      if (old.date < first || old.date > last || now.has(old.date)) continue;
      rows.push(row(old.date, undefined, 'removed'));
    }
  }
  return rows;
}

/** The prices of a snapshot without a previous one (every bar, `new`), as columns. */
export function firstPriceColumns(snapshot: RawSnapshot, raw: RawReference, runId: string | null): TableColumns {
  const bars = snapshot.bars;
  return {
    length: bars.length,
    columns: {
      ticker: snapshot.ticker,
      date: bars.map((bar) => bar.date),
      open: bars.map((bar) => bar.open),
      high: bars.map((bar) => bar.high),
      low: bars.map((bar) => bar.low),
      close: bars.map((bar) => bar.close),
      adj_close: bars.map((bar) => bar.adj_close),
      volume: bars.map((bar) => bar.volume),
      change: 'new',
      fetched_at: snapshot.fetched_at,
      source: snapshot.source,
      raw_key: raw.key,
      raw_version_id: raw.versionId === '' ? null : raw.versionId,
      raw_sha256: raw.sha256,
      previous_raw_key: null,
      run_id: runId,
      fetch_date: parseKey(raw.key).date,
    },
  };
}

/** One prices row; a literal, not spreads: a first run makes one for every bar of every ticker. */
function priceRowMaker(snapshot: RawSnapshot, raw: RawReference, previousKey: string | null, runId: string | null) {
  const rawVersionId = raw.versionId === '' ? null : raw.versionId;
  const fetchDate = parseKey(raw.key).date;
  return (date: string, bar: RawBar | undefined, change: 'new' | 'changed' | 'removed'): TableRow => ({
    ticker: snapshot.ticker,
    date,
    open: bar?.open ?? null,
    high: bar?.high ?? null,
    low: bar?.low ?? null,
    close: bar?.close ?? null,
    adj_close: bar?.adj_close ?? null,
    volume: bar?.volume ?? null,
    change,
    fetched_at: snapshot.fetched_at,
    source: snapshot.source,
    raw_key: raw.key,
    raw_version_id: rawVersionId,
    raw_sha256: raw.sha256,
    previous_raw_key: previousKey,
    run_id: runId,
    fetch_date: fetchDate,
  });
}

function sameValues(a: RawBar, b: RawBar): boolean {
  return RESTATED_BAR_FIELDS.every((field) => a[field] === b[field]);
}

/** One row per restated bar and field; the partition is the newer snapshot's fetch date (that of the key). */
export function restatementRows(document: RestatementDocument, key: string): TableRow[] {
  const fetchDate = parseKey(document.raw_key).date;
  const rows: TableRow[] = [];
  for (const bar of document.bars) {
    for (const field of RESTATED_BAR_FIELDS) {
      const change = bar.fields[field];
      if (change === undefined) continue;
      rows.push({
        ticker: document.ticker,
        date: bar.date,
        change: bar.change,
        field,
        old_value: change.old,
        new_value: change.new,
        detected_at: document.detected_at,
        restatement_key: key,
        raw_key: document.raw_key,
        raw_version_id: document.raw_version_id,
        previous_raw_key: document.previous_raw_key,
        previous_raw_version_id: document.previous_raw_version_id,
        fetch_date: fetchDate,
      });
    }
  }
  return rows;
}

/** A JSON object of the lake as the lineage catalog lists it. */
export interface LakeObjectEntry {
  key: string;
  versionId: string | null;
  kind: 'raw' | ProcessedKind;
  ticker: string;
  /** The raw source (yfinance, ...) or the computation (indicators_computation, ...). */
  source: string;
  sha256: string;
  size: number;
  /** fetched_at of a raw object, computed_at of a processed one. */
  createdAt: string;
  computationVersion: string | null;
  sourceRawKey: string | null;
  sourceRawVersionId: string | null;
  runId: string | null;
}

export function lakeObjectRow(entry: LakeObjectEntry): TableRow {
  return {
    key: entry.key,
    version_id: entry.versionId,
    kind: entry.kind,
    ticker: entry.ticker,
    source: entry.source,
    sha256: entry.sha256,
    size: entry.size,
    created_at: entry.createdAt,
    computation_version: entry.computationVersion,
    source_raw_key: entry.sourceRawKey,
    source_raw_version_id: entry.sourceRawVersionId,
    run_id: entry.runId,
    object_date: parseKey(entry.key).date,
  };
}

export interface RunEntry {
  runId: string;
  job: string;
  status: string;
  startedAt: string;
  endedAt: string | null;
  computationVersion: string | null;
  objectsWritten: number | null;
  outboxPending: number | null;
  failedTickers: number | null;
}

export function runRow(entry: RunEntry): TableRow {
  return {
    run_id: entry.runId,
    job: entry.job,
    status: entry.status,
    started_at: entry.startedAt,
    ended_at: entry.endedAt,
    computation_version: entry.computationVersion,
    objects_written: entry.objectsWritten,
    outbox_pending: entry.outboxPending,
    failed_tickers: entry.failedTickers,
    run_date: entry.startedAt.slice(0, 10),
  };
}

/** The rows of a run's quality object: one per verdict. */
export function qualityRows(document: QualityDocument, key: string): TableRow[] {
  const runDate = parseQualityKey(key)?.runDate ?? document.checked_at.slice(0, 10);
  return document.results.map((result) => ({
    ticker: result.ticker,
    market: result.market,
    check_id: result.check,
    severity: result.severity,
    passed: result.passed,
    observed: JSON.stringify(result.observed),
    expected: JSON.stringify(result.expected),
    details: result.details,
    as_of: result.as_of,
    raw_key: result.raw_key,
    raw_version_id: result.raw_version_id,
    raw_sha256: result.raw_sha256,
    policy: document.policy,
    checked_at: document.checked_at,
    computation_version: document.computation_version,
    quality_key: key,
    run_id: document.run_id,
    run_date: runDate,
  }));
}
