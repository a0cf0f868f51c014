import { UsageError } from '../errors.js';
import { compareKeys, parseKey } from '../lake/keys.js';
import { isIsoDate } from '../market/dates.js';
import { parseRawDocument } from '../lake/formats/raw-parse.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Warehouse } from '../warehouse/database.js';
import { listCatalogObjects, type CatalogObject } from '../warehouse/lake-objects.js';
import { listTickersWithRawObjects } from '../warehouse/raw-objects.js';
import type { RawToRead } from './raw-reader.js';
import { decodeBody } from '../lake/compression.js';

/**
 * Which raw snapshots a reprocess reads, per ticker (all of it from the catalog, `lake_objects`):
 * - no range: the newest raw snapshot of the ticker (greatest fetch date and time), or, when the quality checks
 *   block it, the newest one they do not block (all are listed, newest first; the reprocess stops at the first
 *   one it computes);
 * - `--from` / `--to` (inclusive, either may be open): the snapshots whose as_of (date of the last bar) is in the
 *   range, and for an as_of fetched more than once only the newest fetch (the vendor's latest word on that day).
 * Candidates come newest first: a backfill takes each date from the newest snapshot holding it.
 */
export interface SnapshotScope {
  from?: string;
  to?: string;
}

export interface RawCandidate extends RawToRead {
  /** The date of its last bar. */
  asOf?: string;
}

export function checkScope(scope: SnapshotScope): void {
  for (const [name, value] of [
    ['--from', scope.from],
    ['--to', scope.to],
  ] as const) {
    if (value !== undefined && !isIsoDate(value))
      throw new UsageError(`${name} must be a date YYYY-MM-DD (got "${value}")`);
  }
  if (scope.from && scope.to && scope.from > scope.to)
    throw new UsageError(`--from ${scope.from} is after --to ${scope.to}`);
}

/** Tickers with at least one catalogued raw snapshot, sorted: the default scope of a reprocess. */
export async function catalogedTickers(warehouse: Warehouse): Promise<string[]> {
  return listTickersWithRawObjects(warehouse.db);
}

export async function selectSnapshots(
  store: ObjectStore,
  warehouse: Warehouse,
  ticker: string,
  scope: SnapshotScope,
): Promise<RawCandidate[]> {
  const ranged = scope.from !== undefined || scope.to !== undefined;
  // A bar's date is exchange-local and a fetch date UTC; no exchange is more than a day ahead of UTC, so a
  // snapshot fetched before the day preceding `from` cannot end on or after `from`.
  const fetchedFrom = scope.from === undefined ? undefined : previousDay(scope.from);
  const entries = await listCatalogObjects(warehouse.db, {
    kind: 'raw',
    ticker,
    ...(fetchedFrom ? { fromDate: fetchedFrom } : {}),
  });
  const newestFirst = entries.sort((a, b) => compareKeys(parseKey(b.key), parseKey(a.key)));
  // Without a range, every snapshot newest first: the reprocess computes the newest one the quality checks do not
  // block, and reads no further (src/reprocess/ticker.ts).
  if (!ranged) return newestFirst.map(candidate);

  const byAsOf = new Map<string, RawCandidate>();
  for (const entry of newestFirst) {
    const asOf = await lastBarDate(store, entry);
    if ((scope.from && asOf < scope.from) || (scope.to && asOf > scope.to)) continue;
    if (!byAsOf.has(asOf)) byAsOf.set(asOf, { ...candidate(entry), asOf });
  }
  return [...byAsOf.values()];
}

function candidate(entry: CatalogObject): RawCandidate {
  return { key: entry.key, versionId: entry.versionId, sha256: entry.sha256 };
}

/** From the object's metadata (`last_date`), or from its body for objects without it (the older raw format). */
async function lastBarDate(store: ObjectStore, entry: CatalogObject): Promise<string> {
  const options = entry.versionId === null ? undefined : { versionId: entry.versionId };
  const head = await store.head(entry.key, options);
  const recorded = head.metadata.last_date;
  if (recorded && isIsoDate(recorded)) return recorded;
  const object = await store.get(entry.key, options);
  const bars = parseRawDocument(Buffer.from(decodeBody(entry.key, object)).toString('utf8'), entry.key).bars;
  if (bars.length === 0) return '';
  return bars[bars.length - 1].date;
}

function previousDay(date: string): string {
  const day = new Date(`${date}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() - 1);
  return day.toISOString().slice(0, 10);
}
