/**
 * `tables rebuild`: the lake's Parquet tables made from its JSON objects alone hold the same numbers as the
 * warehouse rows the daily runs wrote (an independent path: the runs' SQL upserts against the rebuild's reading of
 * the lake), the views give the latest of each, and the rebuild is idempotent, bounded by --from/--to, and goes on
 * past a damaged object. The runs here write no tables themselves (`tables: false`): the rebuild makes them all.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDICATOR_FIELDS } from '../../src/compute/fields.js';
import { FEATURE_FIELDS } from '../../src/compute/features.js';
import { PERCENTILE_METRICS } from '../../src/compute/percentiles.js';
import { rebuildTables } from '../../src/rebuild/tables/rebuild-tables.js';
import { createSource } from '../../src/sources/index.js';
import { parseTableFileKey } from '../../src/tables/keys.js';
import { TABLE_NAMES } from '../../src/tables/schema.js';
import { removeObject, scribble } from '../support/fs-tamper.js';
import type { TestLake } from '../support/lake.js';
import { DAY_1, DAY_2, day1DateBefore, day1Snapshot, RestatingSource, runDay } from '../support/staleness.js';
import { createTablesTestLake, queryTables, type JsonRow, type TablesTestLake } from '../support/tables.js';

const TICKERS = ['NVDA', 'D05.SI', '7974.T'];
const SATURDAY = new Date('2026-11-28T21:30:00Z');

/** Rows as comparable text: one line per row, the given columns, numbers as JSON writes them. */
function lines(rows: readonly JsonRow[], columns: readonly string[]): string[] {
  return rows.map((row) => columns.map((c) => JSON.stringify(normalise(row[c]))).join(' ')).sort();
}

function normalise(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value)) return Number(value);
  return value ?? null;
}

describe('tables rebuild from the JSON objects of a lake written by three daily runs', () => {
  let h: TablesTestLake;
  let t: TestLake;
  let cache: string;
  let restatedDate: string;

  beforeAll(async () => {
    h = await createTablesTestLake();
    ({ t, cache } = h);
    restatedDate = await day1DateBefore('NVDA', 6);
    const restating = () => new RestatingSource(createSource('sample'), 'NVDA', [restatedDate]);
    const day = (now: Date, source = createSource('sample')) =>
      runDay(t.lake, t.warehouse, now, { tickers: TICKERS, source, tables: false });
    expect((await day(DAY_1)).status).toBe('ok');
    expect((await day(DAY_2, restating())).restatements.tickers).toEqual(['NVDA']);
    expect((await day(SATURDAY, restating())).status).toBe('ok');
    const report = await rebuildTables({ store: t.store, cacheDir: cache });
    expect(report.failed).toEqual([]);
  }, 120_000);

  afterAll(() => h?.dispose());

  const tables = (query: string) => queryTables(t.store, cache, query);
  const warehouse = async (query: string) => (await sql.raw<JsonRow>(query).execute(t.warehouse.db)).rows;

  it('prices_latest is daily_prices: every bar, its latest values, and the snapshot that first reported them', async () => {
    const columns = ['ticker', 'date', 'open', 'high', 'low', 'close', 'adj_close', 'volume', 'raw_key'];
    const expected = await warehouse(
      `select symbol as ticker, price_date::text as date, open, high, low, close, adj_close, volume, raw_key
       from daily_prices`,
    );
    const actual = await tables(`select *, strftime(date, '%Y-%m-%d') as date from prices_latest`);
    expect(expected.length).toBeGreaterThan(1500);
    expect(lines(actual, columns)).toEqual(lines(expected, columns));
  });

  it('prices holds each bar once per value it had: the restated bar twice, an unchanged Saturday not at all', async () => {
    const rows = await tables(
      `select strftime(fetch_date, '%Y-%m-%d') as fetch_date, change, count(*) as n from prices
       where ticker = 'NVDA' group by all order by 1, 2`,
    );
    expect(rows.map((r) => [r.fetch_date, r.change, Number(r.n)])).toEqual([
      ['2026-11-26', 'new', (await day1Snapshot('NVDA')).bars.length],
      ['2026-11-27', 'changed', 1],
      ['2026-11-27', 'new', 1],
    ]);
    // As known before the restatement, the bar had its first value; the newest value after it.
    const asKnown = await tables(
      `select strftime(known_from, '%Y-%m-%dT%H:%M:%S') as known_from, close from price_history
       where ticker = 'NVDA' and date = DATE '${restatedDate}' order by known_from`,
    );
    expect(asKnown).toHaveLength(2);
    expect(asKnown[0].close).not.toBe(asKnown[1].close);
    const at = await tables(
      `select close from price_history where ticker = 'NVDA' and date = DATE '${restatedDate}'
       and known_from <= TIMESTAMP '2026-11-27 12:00:00'
       and (known_until is null or known_until > TIMESTAMP '2026-11-27 12:00:00') and change <> 'removed'`,
    );
    expect(at).toEqual([{ close: asKnown[0].close }]);
  });

  it('indicators_latest is daily_indicators, with the object and raw snapshot of each row', async () => {
    const columns = ['ticker', 'as_of', 'computation_version', 'object_key', 'raw_key', ...INDICATOR_FIELDS];
    const expected = await warehouse(
      `select symbol as ticker, indicator_date::text as as_of, computation_version, lake_key as object_key,
       source_raw_key as raw_key, ${INDICATOR_FIELDS.join(', ')} from daily_indicators`,
    );
    const actual = await tables(`select *, strftime(as_of, '%Y-%m-%d') as as_of from indicators_latest`);
    // Friday and the Saturday after it both end on Friday's bar: one row per ticker and date, the newest.
    expect(expected).toHaveLength(2 * TICKERS.length);
    expect(lines(actual, columns)).toEqual(lines(expected, columns));
  });

  it('percentiles_latest has the statistics of indicator_percentiles, one row per metric', async () => {
    // The warehouse keeps a row per lookback too (Saturday's window is a bar shorter than Friday's, same as_of):
    // the newest of each ticker and date is what the view gives.
    const stored = await warehouse(
      `select distinct on (symbol, percentile_date) symbol, percentile_date::text as as_of, lake_key, statistics
       from indicator_percentiles order by symbol, percentile_date, computed_at desc`,
    );
    const expected = stored.flatMap((row) =>
      PERCENTILE_METRICS.map((metric) => {
        const statistics = (row.statistics as Record<string, Record<string, unknown>>)[metric];
        return {
          ticker: row.symbol,
          as_of: row.as_of,
          metric,
          object_key: row.lake_key,
          percentile: statistics.percentile,
          mean: statistics.mean,
          std: statistics.std,
          count: statistics.count,
        };
      }),
    );
    const actual = await tables(`select *, strftime(as_of, '%Y-%m-%d') as as_of from percentiles_latest`);
    const columns = ['ticker', 'as_of', 'metric', 'object_key', 'percentile', 'mean', 'std', 'count'];
    expect(expected).toHaveLength(stored.length * PERCENTILE_METRICS.length);
    expect(lines(actual, columns)).toEqual(lines(expected, columns));
  });

  it('features_latest is comparative_features', async () => {
    const columns = ['ticker', 'as_of', 'object_key', ...FEATURE_FIELDS];
    const expected = await warehouse(
      `select symbol as ticker, feature_date::text as as_of, lake_key as object_key, ${FEATURE_FIELDS.join(', ')}
       from comparative_features`,
    );
    const actual = await tables(`select *, strftime(as_of, '%Y-%m-%d') as as_of from features_latest`);
    expect(lines(actual, columns)).toEqual(lines(expected, columns));
  });

  it('restatements is restatement_bars, and lake_objects is the catalog', async () => {
    const restated = ['ticker', 'date', 'field', 'change', 'old_value', 'new_value', 'raw_key'];
    const expectedBars = await warehouse(
      `select r.ticker, b.bar_date::text as date, b.field, b.change, b.old_value, b.new_value, r.raw_key
       from restatement_bars b join restatements r on r.id = b.restatement_id`,
    );
    const actualBars = await tables(`select *, strftime(date, '%Y-%m-%d') as date from restatements`);
    expect(expectedBars.length).toBeGreaterThan(0);
    expect(lines(actualBars, restated)).toEqual(lines(expectedBars, restated));

    const catalog = ['key', 'version_id', 'kind', 'ticker', 'sha256', 'size', 'computation_version', 'source_raw_key'];
    const expectedObjects = await warehouse(
      `select key, version_id, kind, ticker, sha256, size, computation_version, source_raw_key from lake_objects`,
    );
    expect(lines(await tables('select * from lake_objects'), catalog)).toEqual(lines(expectedObjects, catalog));
  });

  it("quality is quality_results: every verdict of every run, from the runs' quality objects", async () => {
    const columns = ['run_id', 'ticker', 'check_id', 'severity', 'passed', 'details', 'raw_key', 'raw_sha256', 'as_of'];
    const expected = await warehouse(`select r.*, r.as_of::text as as_of from quality_results r`);
    expect(expected.length).toBeGreaterThanOrEqual(3 * TICKERS.length * 10);
    const actual = await tables(`select *, strftime(as_of, '%Y-%m-%d') as as_of from quality`);
    expect(lines(actual, columns)).toEqual(lines(expected, columns));
  });

  it('a second rebuild writes nothing; a lost file is written again, the same file under the same key', async () => {
    const again = await rebuildTables({ store: t.store, cacheDir: cache });
    expect(again.files.filter((file) => file.created)).toEqual([]);
    expect(Object.values(again.tables).map((table) => table.rows)).toEqual(TABLE_NAMES.map(() => 0));

    const lost = (await t.keys('tables/indicators/'))[0];
    await removeObject(t.root, lost);
    const restored = await rebuildTables({ store: t.store, cacheDir: cache });
    expect(restored.files.map((file) => [file.key, file.created])).toEqual([[lost, true]]);
    expect(restored.tables.indicators.rows).toBe(TICKERS.length);
  });
});

describe('tables rebuild bounds and damage', () => {
  let h: TablesTestLake;
  let t: TestLake;
  let cache: string;

  beforeAll(async () => {
    h = await createTablesTestLake();
    ({ t, cache } = h);
    await runDay(t.lake, t.warehouse, DAY_1, { tickers: TICKERS, tables: false });
    await runDay(t.lake, t.warehouse, DAY_2, { tickers: TICKERS, tables: false });
  }, 120_000);

  afterAll(() => h?.dispose());

  it('--from/--to write only partitions inside the bounds, compared with snapshots outside them', async () => {
    const report = await rebuildTables({ store: t.store, cacheDir: cache, from: '2026-11-27', to: '2026-11-27' });
    expect(report.failed).toEqual([]);
    expect(new Set(report.files.map((file) => parseTableFileKey(file.key).partition))).toEqual(new Set(['2026-11-27']));
    // Day 2's fetch brought one new bar per ticker: its rows were made against day 1's snapshot.
    expect(report.tables.prices.rows).toBe(TICKERS.length);
  });

  it('a damaged object is reported by key and the rest is rebuilt', async () => {
    const damaged = (await t.keys('processed/features/NVDA/2026-11-26/'))[0];
    await scribble(t.root, damaged);
    const report = await rebuildTables({ store: t.store, cacheDir: cache });
    expect(report.failed.map((failure) => failure.key)).toEqual([damaged]);
    const features = await queryTables(t.store, cache, `select ticker, strftime(as_of, '%Y-%m-%d') as d from features`);
    expect(lines(features, ['ticker', 'd'])).toHaveLength(2 * TICKERS.length - 1);
  });
});

describe('tables rebuild and an unreadable snapshot in the middle of a ticker', () => {
  let h: TablesTestLake;
  let t: TestLake;
  let cache: string;

  beforeAll(async () => {
    h = await createTablesTestLake();
    ({ t, cache } = h);
    await runDay(t.lake, t.warehouse, DAY_1, { tickers: TICKERS, tables: false });
    await runDay(t.lake, t.warehouse, DAY_2, { tickers: TICKERS, tables: false });
  }, 120_000);

  afterAll(() => h?.dispose());

  it('makes no price rows for the snapshot after it (they would all pass for new), and names both', async () => {
    const [day1] = await t.keys('raw/sample/NVDA/2026-11-26/');
    const [day2] = await t.keys('raw/sample/NVDA/2026-11-27/');
    await scribble(t.root, day1);
    const report = await rebuildTables({ store: t.store, cacheDir: cache });
    expect(report.failed.map((failure) => failure.key)).toEqual([day1, day2]);
    expect(report.failed[1].reason).toMatch(/price rows are not made: the snapshot before it, .* cannot be read/);
    const prices = await queryTables(t.store, cache, `select ticker, count(*) as n from prices group by 1 order by 1`);
    // The other tickers: every bar of day 1 and the new bar of day 2; NVDA: nothing it could not compare.
    expect(prices.map((row) => row.ticker)).toEqual(['7974.T', 'D05.SI']);
  });
});
