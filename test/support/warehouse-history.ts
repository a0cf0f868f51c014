/**
 * The multi-day history the `warehouse rebuild` tests start from, and the dump of the tables the reports read
 * that they compare before and after.
 */
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { DataLake } from '../../src/lake/data-lake.js';
import { reprocess } from '../../src/reprocess/reprocess.js';
import { createSource } from '../../src/sources/index.js';
import type { Warehouse } from '../../src/warehouse/database.js';
import type { Database } from '../../src/warehouse/schema.js';
import { listCatalogObjects } from '../../src/warehouse/lake-objects.js';
import { DAY_1, DAY_2, day1DateBefore, RestatingSource, runDay } from './staleness.js';

export const TICKERS = ['NVDA', 'D05.SI'];
export const hoursAfter = (day: Date, hours: number) => new Date(day.getTime() + hours * 3_600_000);
/** A later day, whatever its weekday: the sample source's last bar is the last trading day up to it. */
export const DAY_5 = new Date('2026-12-01T21:30:00Z');

export interface History {
  /** The bar the vendor revised (NVDA). */
  restatedDate: string;
  /** The as_of date of day 1's results (NVDA). */
  day1AsOf: string;
}

/**
 * Daily runs on several days (injected clock), a rerun of a day through a vendor that revised a bar, the
 * revision undone days later, then reprocessing under 2.0: of day 1's date from the newest snapshot, and of
 * every ticker's newest snapshot.
 */
export async function buildHistory(lake: DataLake, warehouse: Warehouse): Promise<History> {
  const sample = createSource('sample');
  const restatedDate = await day1DateBefore('NVDA', 5);
  const restating = new RestatingSource(sample, 'NVDA', [restatedDate]);
  const day = (now: Date, source = sample) => runDay(lake, warehouse, now, { tickers: TICKERS, source });
  expect((await day(DAY_1)).status).toBe('ok');
  expect((await day(DAY_2)).status).toBe('ok');
  // The same day again, through a vendor that revised a bar: a restatement, and a second object of each
  // result identity of that day (the newer one is the row).
  expect((await day(hoursAfter(DAY_2, 1), restating)).status).toBe('ok');
  // Days later, the revision undone: a second restatement.
  expect((await day(DAY_5)).status).toBe('ok');
  const day1AsOf = (await listCatalogObjects(warehouse.db, { kind: 'indicators', ticker: 'NVDA' }))[0].objectDate;
  // Under 2.0: day 1's date from the newest snapshot (its percentiles span other bars: a second row of that
  // date with another lookback), then every ticker's newest snapshot.
  const reprocessAt = (now: Date, extra: Partial<Parameters<typeof reprocess>[0]>) =>
    reprocess({ lake, warehouse, computationVersion: '2.0', clock: () => now, ...extra });
  expect((await reprocessAt(hoursAfter(DAY_5, 1), { onlyAsOf: new Map([['NVDA', new Set([day1AsOf])]]) })).status).toBe(
    'ok',
  );
  expect((await reprocessAt(hoursAfter(DAY_5, 2), {})).status).toBe('ok');
  return { restatedDate, day1AsOf };
}

/**
 * The tables the reports read, in a form that compares row for row. Left out: the surrogate ids of
 * `restatements` (an identity column: a new database numbers its rows anew), which `restatement_bars` refers to,
 * so its rows name their restatement by the raw key instead (unique). No timestamp is left out: every one
 * (fetched_at, computed_at, created_at, detected_at) is recorded in the lake objects themselves.
 */
export async function dumpReportTables(db: Kysely<Database>) {
  return {
    daily_prices: await db.selectFrom('daily_prices').selectAll().orderBy('symbol').orderBy('price_date').execute(),
    price_sources: await db.selectFrom('price_sources').selectAll().orderBy('symbol').execute(),
    daily_indicators: await db
      .selectFrom('daily_indicators')
      .selectAll()
      .orderBy('symbol')
      .orderBy('indicator_date')
      .execute(),
    indicator_percentiles: await db
      .selectFrom('indicator_percentiles')
      .selectAll()
      .orderBy('symbol')
      .orderBy('percentile_date')
      .orderBy('lookback_days')
      .execute(),
    comparative_features: await db
      .selectFrom('comparative_features')
      .selectAll()
      .orderBy('symbol')
      .orderBy('feature_date')
      .execute(),
    lake_objects: await db.selectFrom('lake_objects').selectAll().orderBy('key').execute(),
    restatements: (await db.selectFrom('restatements').selectAll().orderBy('raw_key').execute()).map(
      ({ id: _id, ...row }) => row,
    ),
    // The runs' verdicts as their quality objects hold them; when the object was put is the outbox's bookkeeping
    // (a rebuild records the run's check time), so only whether it was.
    quality_runs: (await db.selectFrom('quality_runs').selectAll().orderBy('run_id').execute()).map(
      ({ written_at, attempts: _attempts, last_error: _error, ...row }) => ({ ...row, written: written_at !== null }),
    ),
    quality_results: await db
      .selectFrom('quality_results')
      .selectAll()
      .orderBy('run_id')
      .orderBy('ticker')
      .orderBy('check_id')
      .execute(),
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

export type ReportTables = Awaited<ReturnType<typeof dumpReportTables>>;
