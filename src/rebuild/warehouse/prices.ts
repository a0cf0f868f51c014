/**
 * `daily_prices` from the raw snapshots alone, as the daily runs wrote it. Each run upserts the bars of the snapshot
 * it fetched, but a bar whose values the table already holds is left alone (src/warehouse/prices.ts). So a date
 * holds the values of the newest snapshot that has it, and names the OLDEST snapshot of the unbroken line of
 * snapshots, up to that newest one, that reported those same values: the snapshot the values came from.
 *
 * A snapshot a run blocked (quality.ts) never reached the table: it is read (the results step needs its dates)
 * but not replayed, and the prices stay up to date with the newest snapshot not blocked, as the run left them.
 *
 * So every snapshot is read, oldest first, and replayed as the runs applied them; the outcome is written with the
 * daily run's own statement (`pricesUpsertStep`), one step per snapshot that still names rows, all of a
 * ticker's steps as one statement (atomic per ticker, each row written once).
 */
import { UserError } from '../../errors.js';
import { barsOf } from '../../lake/formats/raw-bars.js';
import { readRawSnapshot } from '../../reprocess/raw-reader.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { CatalogObject } from '../../warehouse/lake-objects.js';
import type { Warehouse } from '../../warehouse/database.js';
import type { Bar } from '../../market/bars.js';
import { priceSourceStep, pricesUpsertStep, sameBarValues, type RawSnapshotRef } from '../../warehouse/prices.js';
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
  blocked: ReadonlySet<string>,
  report: WarehouseRebuildReport,
  fail: FailureSink,
): Promise<SnapshotDates> {
  const dates: SnapshotDates = new Map();
  // By date: the bar the table ends with, and the snapshot that row names.
  const current = new Map<string, { bar: Bar; source: RawSnapshotRef }>();
  let newest: string | undefined;
  for (const raw of [...raws].sort(compareByWriteTime)) {
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
    if (blocked.has(raw.key)) {
      report.prices.snapshots_blocked++;
      continue;
    }
    const source: RawSnapshotRef = {
      key: read.reference.key,
      // As the daily run records it: the store's version id, null for a store without versions.
      versionId: read.reference.versionId || null,
      fetchedAt: read.snapshot.fetched_at,
    };
    newest = source.key;
    for (const bar of barsOf(read.snapshot)) {
      const held = current.get(bar.date);
      if (held === undefined || !sameBarValues(held.bar, bar)) current.set(bar.date, { bar, source });
    }
  }
  const bySource = new Map<string, { source: RawSnapshotRef; bars: Bar[] }>();
  for (const { bar, source } of current.values()) {
    const group = bySource.get(source.key) ?? { source, bars: [] };
    group.bars.push(bar);
    bySource.set(source.key, group);
  }
  const steps: [string, WriteStep][] = [];
  for (const { source, bars } of bySource.values()) {
    const step = pricesUpsertStep(ticker, bars, source);
    if (step === undefined) continue;
    steps.push([`prices_${steps.length + 1}`, step]);
    report.prices.rows += bars.length;
  }
  // As a daily run leaves it: the prices are up to date with the newest snapshot.
  if (newest !== undefined) steps.push(['price_source', priceSourceStep(ticker, newest)]);
  if (steps.length > 0) await executeAsOneStatement(warehouse.db, steps);
  return dates;
}
