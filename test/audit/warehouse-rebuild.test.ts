/**
 * `marketlake warehouse rebuild`: a multi-day history (daily runs on several days, a rerun of a day, a restated
 * bar, reprocessing under 2.0 of the newest snapshot and of an older date), then the database is lost (a new,
 * empty one) and rebuilt from the lake alone; every table the reports read must come back row for row.
 */
import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { rebuildWarehouse } from '../../src/rebuild/warehouse/rebuild-warehouse.js';
import type { WarehouseRebuildReport } from '../../src/rebuild/warehouse/report.js';
import { TABLE_NAMES, type Database } from '../../src/warehouse/schema.js';
import { drainOutbox } from '../../src/pipeline/outbox-drain.js';
import { writePendingQualityObjects } from '../../src/pipeline/quality-run.js';
import { createTestWarehouse, describeOnDatabases, truncateAll, type TestWarehouse } from '../support/databases.js';
import { createTestLake, type TestLake } from '../support/lake.js';
import { runDay } from '../support/staleness.js';
import { createSource } from '../../src/sources/index.js';
import type { MarketDataSource, SnapshotRequest } from '../../src/sources/source.js';
import {
  buildHistory,
  DAY_5,
  dumpReportTables,
  hoursAfter,
  TICKERS,
  type ReportTables,
} from '../support/warehouse-history.js';
import { replaceBody, scribble } from '../support/fs-tamper.js';
import { countPendingOutbox } from '../../src/warehouse/outbox.js';

/** The operational tables, which the rebuild leaves alone (see src/rebuild/warehouse/rebuild-warehouse.ts). */
/**
 * Operational tables, not read by reports. `lake_identity` is not rebuilt from objects either: the first writing
 * command that opens the lake records it (the CLI's `warehouse rebuild` does; this test calls the function).
 */
// lake_table_files: the catalog and outbox of the table files runs wrote (operational, like the outbox);
// `tables rebuild` makes the tables themselves from the lake.
// alert_state, alert_outbox: what people were told about quality problems (operational, not in the lake).
const NOT_REBUILT = [
  'lake_outbox',
  'computation_runs',
  'lake_identity',
  'lake_table_files',
  'alert_state',
  'alert_outbox',
];

async function count(db: Kysely<Database>, table: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db);
  return rows[0].n;
}

describeOnDatabases('marketlake warehouse rebuild', (ctx) => {
  let t: TestLake;
  let fresh: TestWarehouse | undefined;
  let original: ReportTables;
  let restatedDate: string;
  let day1AsOf: string;

  beforeEach(async () => {
    t = await createTestLake(ctx.warehouse());
    ({ restatedDate, day1AsOf } = await buildHistory(t.lake, t.warehouse));
    original = await dumpReportTables(t.warehouse.db);
  });
  afterEach(async () => {
    await fresh?.dispose();
    fresh = undefined;
    await t.dispose();
  });

  it('the history exercises every table and case the rebuild must get right', () => {
    expect(Object.keys(original).sort()).toEqual(TABLE_NAMES.filter((table) => !NOT_REBUILT.includes(table)).sort());
    expect(original.restatements.map((r) => r.ticker)).toEqual(['NVDA', 'NVDA']);
    expect(original.restatement_bars.map((b) => b.bar_date)).toContain(restatedDate);
    expect(new Set(original.daily_indicators.map((row) => row.computation_version))).toEqual(new Set(['1.0', '2.0']));
    // Day 1's date holds two percentile rows: the daily run's and the reprocess's (fewer bars before it).
    expect(
      original.indicator_percentiles.filter((row) => row.symbol === 'NVDA' && row.percentile_date === day1AsOf),
    ).toHaveLength(2);
    // Prices from more than one snapshot: the oldest dates only day 1's snapshot reaches.
    expect(
      new Set(original.daily_prices.filter((row) => row.symbol === 'NVDA').map((row) => row.raw_key)).size,
    ).toBeGreaterThan(1);
  });

  it(
    'rebuilds every table the reports read, row for row, into a new empty database; again is a no-op',
    { timeout: 240_000 },
    async () => {
      fresh = await createTestWarehouse(ctx.backend);
      const report = await rebuildWarehouse({ store: t.store, warehouse: fresh.warehouse });
      const rebuilt = await dumpReportTables(fresh.warehouse.db);
      for (const table of Object.keys(original) as (keyof typeof original)[]) {
        expect(rebuilt[table], table).toEqual(original[table]);
      }
      expect(report.failed).toEqual([]);
      expect(report.catalog).toMatchObject({ inserted: original.lake_objects.length, conflicting: [], failed: [] });
      expect(report.restatements).toEqual({ listed: 2, inserted: 2, already_present: 0 });
      expect(report.prices.rows).toBe(original.daily_prices.length);
      const resultRows =
        original.daily_indicators.length + original.indicator_percentiles.length + original.comparative_features.length;
      expect(report.results).toMatchObject({ read: resultRows, rows: resultRows });
      // Operational tables: nothing pending, no run recorded (the rebuild is not a run).
      for (const table of NOT_REBUILT) expect(await count(fresh.warehouse.db, table), table).toBe(0);

      const again = await rebuildWarehouse({ store: t.store, warehouse: fresh.warehouse });
      expect(again.catalog).toMatchObject({ inserted: 0, already_present: original.lake_objects.length });
      expect(again.restatements).toEqual({ listed: 2, inserted: 0, already_present: 2 });
      expect(again.failed).toEqual([]);
      expect(await dumpReportTables(fresh.warehouse.db)).toEqual(original);
    },
  );

  it('on the database it came from (nothing lost) changes nothing', async () => {
    const report = await rebuildWarehouse({ store: t.store, warehouse: t.warehouse });
    expect(report).toMatchObject({ failed: [], catalog: { inserted: 0, conflicting: [], failed: [] } });
    expect(await dumpReportTables(t.warehouse.db)).toEqual(original);
  });

  it('also after lake writes that waited in the outbox (the raw snapshot and its results written late)', async () => {
    t.store.failPuts = 'all';
    const late = await runDay(t.lake, t.warehouse, hoursAfter(DAY_5, 3), { tickers: ['NVDA'] });
    expect(late.outbox_pending).toBeGreaterThan(0);
    t.store.failPuts = 'none';
    await drainOutbox(t.lake, t.warehouse);
    await writePendingQualityObjects(t.store, t.warehouse);
    expect(await countPendingOutbox(t.warehouse.db)).toBe(0);
    const before = await dumpReportTables(t.warehouse.db);
    expect(before.lake_objects.length).toBeGreaterThan(original.lake_objects.length);

    await truncateAll(t.warehouse.db);
    const report = await rebuildWarehouse({ store: t.store, warehouse: t.warehouse });
    expect(report.failed).toEqual([]);
    expect(await dumpReportTables(t.warehouse.db)).toEqual(before);
  });

  it('skips and reports an object it cannot use, and rebuilds everything else', async () => {
    const latest = (table: 'daily_indicators' | 'comparative_features', symbol: string) =>
      original[table].filter((row) => row.symbol === symbol).at(-1)!;
    const unreadable = latest('daily_indicators', 'NVDA');
    const tampered = latest('comparative_features', 'D05.SI');
    const [restatementKey] = await t.keys('restatements/');
    await scribble(t.root, unreadable.lake_key);
    await replaceBody(t.root, tampered.lake_key, (body) => body.replace('"bars":', '"bars": '));
    await scribble(t.root, restatementKey);

    // The database lost: every table emptied (cheaper than a second PGlite, and the same empty database).
    await truncateAll(t.warehouse.db);
    const report: WarehouseRebuildReport = await rebuildWarehouse({ store: t.store, warehouse: t.warehouse });
    expect(report.failed.map((failure) => failure.key)).toEqual(
      [unreadable.lake_key, tampered.lake_key, restatementKey].sort(),
    );
    for (const failure of report.failed) expect(failure.reason).toMatch(/^[^\n]+$/);
    expect(report.failed.find((f) => f.key === tampered.lake_key)?.reason).toMatch(/sha256/);

    const rebuilt = await dumpReportTables(t.warehouse.db);
    // Exactly the rows of the unusable objects are missing; every other row is there as it was.
    expect(rebuilt.daily_indicators).toEqual(original.daily_indicators.filter((row) => row !== unreadable));
    expect(rebuilt.comparative_features).toEqual(original.comparative_features.filter((row) => row !== tampered));
    expect(rebuilt.restatements).toHaveLength(1);
    expect(rebuilt.daily_prices).toEqual(original.daily_prices);
    expect(rebuilt.indicator_percentiles).toEqual(original.indicator_percentiles);
  });

  it('refuses to start while lake writes are pending, before writing anything', async () => {
    t.store.failPuts = 'all';
    const summary = await runDay(t.lake, t.warehouse, hoursAfter(DAY_5, 3), { tickers: ['NVDA'] });
    expect(summary.outbox_pending).toBeGreaterThan(0);
    t.store.failPuts = 'none';
    const before = await dumpReportTables(t.warehouse.db);
    await expect(rebuildWarehouse({ store: t.store, warehouse: t.warehouse })).rejects.toThrow(
      /^\d+ lake write\(s\) are still pending in the outbox.*`marketlake lake retry` first/,
    );
    expect(await dumpReportTables(t.warehouse.db)).toEqual(before);
  });

  it(
    'leaves out of daily_prices the snapshot a block run blocked, as the run did, knowing it from the lake',
    { timeout: 240_000 },
    async () => {
      // A later day whose D05.SI snapshot has high below low: stored, but blocked (no prices, no results).
      const faulty: MarketDataSource = {
        name: 'sample',
        async fetchSnapshot(ticker: string, request: SnapshotRequest) {
          const snapshot = await createSource('sample').fetchSnapshot(ticker, request);
          if (snapshot.ticker !== 'D05.SI') return snapshot;
          const bar = snapshot.bars[snapshot.bars.length - 10];
          return { ...snapshot, bars: snapshot.bars.map((b) => (b === bar ? { ...b, high: b.low * 0.9 } : b)) };
        },
      };
      const day = new Date('2026-12-02T21:30:00Z');
      const blocked = await runDay(t.lake, t.warehouse, day, { tickers: TICKERS, source: faulty });
      expect(blocked.quality).toMatchObject({ blocked: ['D05.SI'] });
      const blockedKey = 'raw/sample/D05.SI/2026-12-02/20261202_213000.json';
      const before = await dumpReportTables(t.warehouse.db);
      expect(before.lake_objects.map((row) => row.key)).toContain(blockedKey);
      expect(before.daily_prices.filter((row) => row.raw_key === blockedKey)).toEqual([]);

      fresh = await createTestWarehouse(ctx.backend);
      const report = await rebuildWarehouse({ store: t.store, warehouse: fresh.warehouse });
      expect(report.failed).toEqual([]);
      expect(report.prices.snapshots_blocked).toBe(1);
      expect(report.quality).toMatchObject({ blocked_snapshots: 1, runs_restored: before.quality_runs.length });
      // Every table as it was: the prices (and their sources) never came from the blocked snapshot, and the
      // verdicts are back, so the next run's stability checks skip it too.
      expect(await dumpReportTables(fresh.warehouse.db)).toEqual(before);
    },
  );
});
