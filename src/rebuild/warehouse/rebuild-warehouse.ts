/**
 * `marketlake warehouse rebuild`: every table the reports read, from the lake alone, after the database was lost.
 *
 *   lake_objects                     the catalog rebuild (rebuild-catalog.ts), first: the rest works from it
 *   quality_runs, quality_results    the `quality/` objects (quality.ts), before the prices: they say which raw
 *                                    snapshots a `block` run blocked
 *   daily_prices                     the raw snapshots a run did not block (prices.ts)
 *   daily_indicators, indicator_percentiles, comparative_features
 *                                    the processed objects, the newest of each row's identity (results.ts)
 *   restatements, restatement_bars   the `restatements/` objects (restatements.ts)
 *
 * Not rebuilt: `computation_runs` (the history of runs: who ran what, when, with which outcome; operational,
 * read by no report, and not in the lake) and `lake_outbox` (writes waiting for the lake: after a rebuild
 * from the lake there is nothing to wait for, so it stays as it is, empty on a new database), and
 * `lake_table_files` (the catalog and outbox of the table files runs wrote: `tables rebuild` makes the tables
 * themselves from the lake, and `verify` checks every table file by its content), and `alert_state` and
 * `alert_outbox` (what people were told about quality problems: not in the lake; after a loss the next run
 * announces the problems still there as new).
 *
 * Every row is written by the write path's own statements (prices, result upserts, restatement insert), so a
 * rebuilt row is the row a run would have written. Idempotent: running it again writes the same values. An
 * object that cannot be read or does not match its catalog row is skipped and reported with its key; the rest
 * is rebuilt. It refuses to start while lake writes are pending (outbox entries, quality objects): the lake is then
 * behind the database, and the rows it gives would move back to older objects.
 */
import { UserError } from '../../errors.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { type CatalogObject, listCatalogObjects } from '../../warehouse/lake-objects.js';
import type { Warehouse } from '../../warehouse/database.js';
import { rebuildCatalog } from '../rebuild-catalog.js';
import { mapAll } from '../../concurrency.js';
import { noProgress, type ProgressSink } from '../../lake-scan/progress.js';
import { restorePrices } from './prices.js';
import { emptyReport, type WarehouseRebuildReport } from './report.js';
import { restoreQuality } from './quality.js';
import { restoreRestatements } from './restatements.js';
import { restoreResults } from './results.js';
import { countPendingOutbox } from '../../warehouse/outbox.js';
import { countPendingQualityRuns } from '../../warehouse/quality.js';

export interface WarehouseRebuildOptions {
  store: ObjectStore;
  warehouse: Warehouse;
  /** Tickers (and HEADs of the catalog step) in flight; default 4 (16 for the HEADs). */
  concurrency?: number;
  progress?: ProgressSink;
}

export async function rebuildWarehouse(options: WarehouseRebuildOptions): Promise<WarehouseRebuildReport> {
  const { store, warehouse } = options;
  const progress = options.progress ?? noProgress;
  // A pending quality object too: without it, the rebuild would not know the snapshots its run blocked.
  const pending = (await countPendingOutbox(warehouse.db)) + (await countPendingQualityRuns(warehouse.db));
  if (pending > 0) {
    throw new UserError(
      `${pending} lake write(s) are still pending in the outbox, so the lake is behind the database: ` +
        'run `marketlake lake retry` first, then rebuild from the lake',
    );
  }

  const catalog = await rebuildCatalog({
    store,
    db: warehouse.db,
    progress,
    ...(options.concurrency ? { concurrency: options.concurrency * 4 } : {}),
  });
  const report = emptyReport(catalog);
  const fail = (key: string, reason: string) => report.failed.push({ key, reason });

  // Which raw snapshots never became prices: the runs' verdicts say.
  const blocked = await restoreQuality(store, warehouse, report, fail);
  const byTicker = groupByTicker(await listCatalogObjects(warehouse.db));
  progress.start(byTicker.size, 'warehouse rebuild');
  try {
    await mapAll([...byTicker], options.concurrency ?? 4, async ([ticker, rows]) => {
      const raws = rows.filter((row) => row.kind === 'raw');
      const snapshotDates = await restorePrices(store, warehouse, ticker, raws, blocked, report, fail);
      await restoreResults(
        store,
        warehouse,
        rows.filter((row) => row.kind !== 'raw'),
        snapshotDates,
        report,
        fail,
      );
      progress.tick(ticker);
    });
  } finally {
    progress.stop();
  }
  await restoreRestatements(store, warehouse, report, fail);
  report.failed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return report;
}

function groupByTicker(rows: readonly CatalogObject[]): Map<string, CatalogObject[]> {
  const byTicker = new Map<string, CatalogObject[]>();
  for (const row of rows) {
    let list = byTicker.get(row.ticker);
    if (list === undefined) byTicker.set(row.ticker, (list = []));
    list.push(row);
  }
  return byTicker;
}
