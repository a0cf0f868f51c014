/**
 * The result tables (`daily_indicators`, `indicator_percentiles`, `comparative_features`) from the processed
 * objects alone, as the write path left them.
 *
 * A row is identified by its table's primary key, which does not include the computation version: (symbol,
 * date) for indicators and features, (symbol, date, lookback_days) for percentiles. Every write of that identity
 * (a daily run, a reprocess under another version, a rerun of the day) overwrote the row, so the row mirrors the
 * identity's newest object (see compareByWriteTime). `lookback_days` is the number of bars the percentiles were
 * computed over, which their document does not carry: it is the number of bars of the source raw snapshot up to
 * the object's as_of date (the whole snapshot for a daily run, a prefix for a backfill), known from the prices
 * step, which read every snapshot.
 *
 * Only those newest objects are read; each must match its catalog row (sha256, ticker, date, version, source).
 * Rows are made by the write path's own `resultRowsOf` and written by its own upsert (`commitComputedResults`).
 */
import { PROCESSED_KINDS, type ProcessedKind } from '../../lake/keys.js';
import { readQualityMark } from '../../lake/formats/quality-mark.js';
import { resultRowsOf } from '../../pipeline/result-write.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { CatalogObject } from '../../warehouse/lake-objects.js';
import type { Warehouse } from '../../warehouse/database.js';
import { commitComputedResults, type ComputedResultsInput } from '../../warehouse/results.js';
import { fetchObject } from '../../lake-scan/fetch.js';
import { compareByWriteTime } from '../../warehouse/write-order.js';
import type { SnapshotDates } from './prices.js';
import { processedDocumentOf } from './processed-document.js';
import type { FailureSink, WarehouseRebuildReport } from './report.js';

/** Objects per statement: a backfill gives hundreds of dates per ticker, and one statement has a parameter limit. */
const OBJECTS_PER_STATEMENT = 150;

interface Newest {
  row: CatalogObject;
  kind: ProcessedKind;
  bars: number | undefined;
}

export async function restoreResults(
  store: ObjectStore,
  warehouse: Warehouse,
  processed: readonly CatalogObject[],
  snapshotDates: SnapshotDates,
  report: WarehouseRebuildReport,
  fail: FailureSink,
): Promise<void> {
  const newest = new Map<string, Newest>();
  for (const row of processed) {
    const kind = row.kind as ProcessedKind;
    if (!PROCESSED_KINDS.includes(kind)) continue;
    report.results.objects++;
    let identity = `${kind}|${row.objectDate}`;
    let bars: number | undefined;
    if (kind === 'percentiles') {
      const dates = row.sourceRawKey === null ? undefined : snapshotDates.get(row.sourceRawKey);
      if (dates === undefined) {
        fail(
          row.key,
          `its raw snapshot ${row.sourceRawKey} could not be read, so the bars it was computed over (lookback_days) are unknown`,
        );
        continue;
      }
      bars = countUpTo(dates, row.objectDate);
      identity += `|${bars}`;
    }
    const current = newest.get(identity);
    if (current === undefined || compareByWriteTime(row, current.row) > 0) newest.set(identity, { row, kind, bars });
  }

  const rows: ComputedResultsInput[] = [];
  for (const { row, kind, bars } of newest.values()) {
    const fetched = await fetchObject(store, row.key, row.versionId ?? undefined);
    report.results.read++;
    if (fetched.status === 'missing') {
      fail(row.key, `catalogued (version ${row.versionId ?? '-'}) but not in the lake`);
      continue;
    }
    if (fetched.status === 'unreadable') {
      fail(row.key, fetched.error);
      continue;
    }
    if (fetched.sha256 !== row.sha256) {
      fail(row.key, `its body has sha256 ${fetched.sha256}, the catalog recorded ${row.sha256}`);
      continue;
    }
    const document = processedDocumentOf(kind, row, fetched.body);
    if ('reason' in document) {
      fail(row.key, document.reason);
      continue;
    }
    // The rows carry the object's quality mark, which is in its metadata (src/lake/formats/quality-mark.ts).
    const marked = readQualityMark(fetched.head.metadata);
    if (!marked.ok) {
      fail(row.key, marked.reason);
      continue;
    }
    // The rows name this object and its own computed_at, as the write path's rows do.
    rows.push(resultRowsOf(kind, document, { key: row.key, computedAt: document.computed_at }, bars ?? 0, marked.mark));
  }
  for (let start = 0; start < rows.length; start += OBJECTS_PER_STATEMENT) {
    const batch = rows.slice(start, start + OBJECTS_PER_STATEMENT);
    await commitComputedResults(warehouse.db, { results: batch });
    report.results.rows += batch.length;
  }
}

/** How many of the sorted dates are on or before `date`. */
function countUpTo(dates: readonly string[], date: string): number {
  let low = 0;
  let high = dates.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (dates[middle] <= date) low = middle + 1;
    else high = middle;
  }
  return low;
}
