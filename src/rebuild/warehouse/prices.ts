/**
 * `daily_prices` from the raw snapshots alone, as the daily runs wrote it: every run upserts ALL the bars of the
 * snapshot it fetched, so a date holds the bars of the newest snapshot that has it. Mostly that is the newest
 * snapshot of the ticker; the oldest dates (those its two-year window no longer reaches) come from older ones.
 *
 * So every snapshot is read, newest first, and each date is taken from the first snapshot that has it; each
 * snapshot's share is written with the daily run's own statement (`pricesUpsertStep`), all of a ticker's shares
 * as one statement (atomic per ticker, each row written once).
 */
import { UserError } from '../../errors.js';
import { barsOf } from '../../lake/formats/raw-bars.js';
import { readRawSnapshot } from '../../reprocess/raw-reader.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { CatalogObject } from '../../warehouse/lake-objects.js';
import type { Warehouse } from '../../warehouse/database.js';
import { pricesUpsertStep } from '../../warehouse/prices.js';
import { executeAsOneStatement, type WriteStep } from '../../warehouse/sql-helpers.js';
import { compareByWriteTime } from '../../warehouse/write-order.js';
import type { FailureSink, WarehouseRebuildReport } from './report.js';

/** The bar dates of every snapshot read, by raw key (sorted, as stored): what the results step needs to know. */
export type SnapshotDates = Map<string, readonly string[]>;

export async function restorePrices(
  store: ObjectStore,
  warehouse: Warehouse,
  ticker: string,
  raws: readonly CatalogObject[],
  report: WarehouseRebuildReport,
  fail: FailureSink,
): Promise<SnapshotDates> {
  const dates: SnapshotDates = new Map();
  const claimed = new Set<string>();
  const steps: [string, WriteStep][] = [];
  for (const raw of [...raws].sort(compareByWriteTime).reverse()) {
    let read: Awaited<ReturnType<typeof readRawSnapshot>>;
    try {
      read = await readRawSnapshot(store, { key: raw.key, versionId: raw.versionId, sha256: raw.sha256 });
    } catch (error) {
      // An unreadable, damaged or foreign object is a finding; a bug or a database failure is not.
      if (!(error instanceof UserError)) throw error;
      fail(raw.key, error.message);
      continue;
    }
    report.prices.snapshots_read++;
    dates.set(
      raw.key,
      read.snapshot.bars.map((bar) => bar.date),
    );
    const bars = barsOf(read.snapshot).filter((bar) => !claimed.has(bar.date));
    for (const bar of bars) claimed.add(bar.date);
    const step = pricesUpsertStep(ticker, bars, {
      key: read.reference.key,
      // As the daily run records it: the store's version id, null for a store without versions.
      versionId: read.reference.versionId || null,
      fetchedAt: read.snapshot.fetched_at,
    });
    if (step === undefined) continue;
    steps.push([`prices_${steps.length + 1}`, step]);
    report.prices.rows += bars.length;
  }
  if (steps.length > 0) await executeAsOneStatement(warehouse.db, steps);
  return dates;
}
