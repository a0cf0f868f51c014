/**
 * `marketlake warehouse rebuild`: a multi-day history (daily runs on several days, a rerun of a day, a restated
 * bar, reprocessing under 2.0 of the newest snapshot and of an older date), then the database is lost (a new,
 * empty one) and rebuilt from the lake alone; every table the reports read must come back row for row.
 */
import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { rebuildWarehouse } from '../../src/audit/warehouse-rebuild/warehouse-rebuild.js';
import type { WarehouseRebuildReport } from '../../src/audit/warehouse-rebuild/report.js';
import { createSource } from '../../src/sources/index.js';
import { TABLE_NAMES, type Database } from '../../src/warehouse/schema.js';
import { reprocess } from '../../src/reprocess/reprocess.js';
import { drainOutbox } from '../../src/pipeline/outbox-drain.js';
import { createTestWarehouse, describeOnDatabases, truncateAll, type TestWarehouse } from '../support/databases.js';
import { createTestLake, type TestLake } from '../support/lake.js';
import { DAY_1, DAY_2, day1DateBefore, RestatingSource, runDay } from '../staleness/support.js';
import { replaceBody, scribble } from './fs-tamper.js';

const TICKERS = ['NVDA', 'D05.SI'];
const hoursAfter = (day: Date, hours: number) => new Date(day.getTime() + hours * 3_600_000);
/** A later day, whatever its weekday: the sample source's last bar is the last trading day up to it. */
const DAY_5 = new Date('2026-12-01T21:30:00Z');

/**
 * The tables the reports read, in a form that compares row for row. Left out: the surrogate ids of
 * `restatements` (an identity column: a new database numbers its rows anew), which `restatement_bars` refers to,
 * so its rows name their restatement by the raw key instead (unique). No timestamp is left out: every one
 * (fetched_at, computed_at, created_at, detected_at) is recorded in the lake objects themselves.
 */
async function dumpReportTables(db: Kysely<Database>) {
  return {
    daily_prices: await db.selectFrom('daily_prices').selectAll().orderBy('symbol').orderBy('price_date').execute(),
    daily_indicators: await db.selectFrom('daily_indicators').selectAll().orderBy('symbol').orderBy('indicator_date').execute(),
    indicator_percentiles: await db
      .selectFrom('indicator_percentiles')
      .selectAll()
      .orderBy('symbol')
      .orderBy('percentile_date')
      .orderBy('lookback_days')
      .execute(),
    comparative_features: await db.selectFrom('comparative_features').selectAll().orderBy('symbol').orderBy('feature_date').execute(),
    lake_objects: await db.selectFrom('lake_objects').selectAll().orderBy('key').execute(),
    restatements: (await db.selectFrom('restatements').selectAll().orderBy('raw_key').execute()).map(({ id: _id, ...row }) => row),
    restatement_bars: await db
      .selectFrom('restatement_bars as b')
      .innerJoin('restatements as r', 'r.id', 'b.restatement_id')
      .select(['r.raw_key', 'b.bar_date', 'b.field', 'b.change', 'b.old_value', 'b.new_value'])
      .orderBy('r.raw_key')
      .orderBy('b.bar_date')
      .orderBy('b.field')
      .execute(),
  };
}

/** The operational tables, which the rebuild leaves alone (see warehouse-rebuild.ts). */
const NOT_REBUILT = ['lake_outbox', 'computation_runs'];

async function count(db: Kysely<Database>, table: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db);
  return rows[0].n;
}

describeOnDatabases('marketlake warehouse rebuild', (ctx) => {
  let t: TestLake;
  let fresh: TestWarehouse | undefined;
  let original: Awaited<ReturnType<typeof dumpReportTables>>;
  let restatedDate: string;
  let day1AsOf: string;

  beforeEach(async () => {
    t = await createTestLake(ctx.warehouse());
    const sample = createSource('sample');
    restatedDate = await day1DateBefore('NVDA', 5);
    const restating = new RestatingSource(sample, 'NVDA', [restatedDate]);
    const day = (now: Date, source = sample) => runDay(t.lake, t.warehouse, now, { tickers: TICKERS, source });
    expect((await day(DAY_1)).status).toBe('ok');
    expect((await day(DAY_2)).status).toBe('ok');
    // The same day again, through a vendor that revised a bar: a restatement, and a second object of each
    // result identity of that day (the newer one is the row).
    expect((await day(hoursAfter(DAY_2, 1), restating)).status).toBe('ok');
    // Days later, the revision undone: a second restatement.
    expect((await day(DAY_5)).status).toBe('ok');
    day1AsOf = (await t.warehouse.repository.listCatalogObjects({ kind: 'indicators', ticker: 'NVDA' }))[0].objectDate;
    // Under 2.0: day 1's date from the newest snapshot (its percentiles span other bars: a second row of that
    // date with another lookback), then every ticker's newest snapshot.
    const reprocessAt = (now: Date, extra: Partial<Parameters<typeof reprocess>[0]>) =>
      reprocess({ lake: t.lake, warehouse: t.warehouse, computationVersion: '2.0', clock: () => now, ...extra });
    expect((await reprocessAt(hoursAfter(DAY_5, 1), { onlyAsOf: new Map([['NVDA', new Set([day1AsOf])]]) })).status).toBe('ok');
    expect((await reprocessAt(hoursAfter(DAY_5, 2), {})).status).toBe('ok');
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
    expect(original.indicator_percentiles.filter((row) => row.symbol === 'NVDA' && row.percentile_date === day1AsOf)).toHaveLength(2);
    // Prices from more than one snapshot: the oldest dates only day 1's snapshot reaches.
    expect(new Set(original.daily_prices.filter((row) => row.symbol === 'NVDA').map((row) => row.raw_key)).size).toBeGreaterThan(1);
  });

  it('rebuilds every table the reports read, row for row, into a new empty database; again is a no-op', { timeout: 240_000 }, async () => {
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
    const resultRows = original.daily_indicators.length + original.indicator_percentiles.length + original.comparative_features.length;
    expect(report.results).toMatchObject({ read: resultRows, rows: resultRows });
    // Operational tables: nothing pending, no run recorded (the rebuild is not a run).
    for (const table of NOT_REBUILT) expect(await count(fresh.warehouse.db, table), table).toBe(0);

    const again = await rebuildWarehouse({ store: t.store, warehouse: fresh.warehouse });
    expect(again.catalog).toMatchObject({ inserted: 0, already_present: original.lake_objects.length });
    expect(again.restatements).toEqual({ listed: 2, inserted: 0, already_present: 2 });
    expect(again.failed).toEqual([]);
    expect(await dumpReportTables(fresh.warehouse.db)).toEqual(original);
  });

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
    expect(await t.warehouse.repository.countPendingOutbox()).toBe(0);
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
    expect(report.failed.map((failure) => failure.key)).toEqual([unreadable.lake_key, tampered.lake_key, restatementKey].sort());
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
});
